"""The Python package's layers (docs/architecture.md): each part of ``casaba`` imports only from
itself and the layers below it, so the request path can be read from the bottom up."""

import ast
from pathlib import Path

import casaba

#: Lowest first. A module of one layer may import from its own part and from lower layers only.
LAYERS = [
    {"_core"},
    {"errors", "colors"},
    {"http", "settings", "filelock", "singleflight", "meta_identifier", "iiif", "demo", "workers"},
    {"plugins", "metrics"},
    {"sources"},
    {"caches"},
    {"overlays"},
    {"delegates"},
    {"serving"},
    {"web"},
    {"app", "cli", "testing"},
    {"__main__"},
]
ROOT = Path(casaba.__file__).parent


def part_of(module: str) -> str:
    """The part of the package a dotted name (``casaba.x.y``) belongs to."""
    return module.split(".")[1]


def layer_of(part: str) -> int:
    for i, parts in enumerate(LAYERS):
        if part in parts:
            return i
    raise AssertionError(f"casaba.{part} is in no layer: add it to LAYERS and docs/architecture.md")


def imports(path: Path) -> set[str]:
    """The casaba parts a source file imports (``from casaba import x`` names the part x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "casaba":
                found.update(alias.name for alias in node.names if alias.name != "__version__")
            elif node.module.startswith("casaba."):
                found.add(part_of(node.module))
        elif isinstance(node, ast.Import):
            found.update(part_of(alias.name) for alias in node.names if alias.name.startswith("casaba."))
    return found


def test_every_part_imports_only_from_lower_layers():
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        part = relative.parts[0].removesuffix(".py")
        if part == "__init__":
            continue
        for imported in imports(path) - {part}:
            if layer_of(imported) >= layer_of(part):
                wrong.append(f"{relative} imports casaba.{imported}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)
