"""The font a string overlay names: a font file's path, or a family name found by fontconfig
(``fc-match``), Java's logical names (SansSerif, Serif, Monospaced, Dialog, DialogInput) read as
fontconfig's generic families. Without fontconfig, or for a name it cannot resolve, the core's
bundled DejaVu Sans draws, as Java draws an unknown family with its default font."""

from __future__ import annotations

import logging
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("casaba.overlays")

#: Java's logical font names, as fontconfig's generic families.
JAVA_LOGICAL = {"sansserif": "sans-serif", "dialog": "sans-serif", "serif": "serif", "monospaced": "monospace", "dialoginput": "monospace"}

#: Weights from which the bold face is drawn (Java's TextAttribute.WEIGHT: 1 regular, 2 bold).
BOLD_FROM = 1.5


@lru_cache(maxsize=64)
def font_file(name: str, weight: float) -> bytes | None:
    """The bytes of the font file ``name`` names at ``weight``; None for the bundled font."""
    path = Path(name).expanduser()
    if path.suffix.lower() in (".ttf", ".otf") or path.is_absolute():
        try:
            return path.read_bytes()
        except OSError as e:
            raise ValueError(f"cannot read the font file {name}: {e.strerror}") from None
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        log.warning("fontconfig (fc-match) is not installed: the font %r is drawn with the bundled DejaVu Sans", name)
        return None
    family = JAVA_LOGICAL.get(name.lower().replace(" ", ""), name)
    pattern = f"{family}:weight={'bold' if weight >= BOLD_FROM else 'regular'}"
    found = subprocess.run([fc_match, "-f", "%{file}", pattern], capture_output=True, text=True, timeout=10, check=False).stdout.strip()
    if Path(found).suffix.lower() not in (".ttf", ".otf"):
        log.warning("no TrueType or OpenType font matches %r: drawn with the bundled DejaVu Sans", name)
        return None
    return Path(found).read_bytes()
