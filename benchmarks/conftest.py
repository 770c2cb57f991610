"""Fixtures for the benchmarks: generated test images (made once with ``vips``, kept in
``benchmarks/.data/``), one real server per module with a persistent HTTP client, an output
check, and a closing summary of medians and ratios."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from casaba.testing import running_server

# Bump the version when a recipe below changes, so that old images are not reused.
DATA = Path(__file__).parent / ".data" / "v1"

LARGE = (12000, 10000)
SMALL = (1000, 1000)


def _vips(*args: object, cwd: Path) -> None:
    subprocess.run(["vips", *map(str, args)], cwd=cwd, check=True, capture_output=True)


def _texture(work: Path, width: int, height: int) -> Path:
    """An RGB image that JPEG and PNG cannot shrink to nothing: two ramps and large soft blobs
    (red, green, blue) under fine Gaussian grain, roughly like a grainy photograph. The noise is
    seeded, so every machine makes the same pixels (and the same encoded files, for one vips)."""
    blob = 32
    steps: list[tuple[object, ...]] = [
        ("grey", "red.v", width, height, "--uchar"),
        ("grey", "green-t.v", height, width, "--uchar"),
        ("rot", "green-t.v", "green.v", "d90"),
        ("gaussnoise", "blobs-small.v", math.ceil(width / blob), math.ceil(height / blob), "--sigma", 50, "--seed", 1),
        ("resize", "blobs-small.v", "blobs-large.v", blob, "--kernel", "cubic"),
        ("crop", "blobs-large.v", "blobs.v", 0, 0, width, height),
        ("cast", "blobs.v", "blue.v", "uchar"),
        ("bandjoin", "red.v green.v blue.v", "rgb.v"),
        ("gaussnoise", "grain-f.v", width, height, "--sigma", 24, "--seed", 2),
        ("cast", "grain-f.v", "grain.v", "uchar"),
        ("add", "rgb.v", "grain.v", "sum.v"),
        ("linear", "sum.v", "mixed.v", 0.5, 0, "--uchar"),
        ("copy", "mixed.v", "texture.v", "--interpretation", "srgb"),
    ]
    for step in steps:
        _vips(*step, cwd=work)
    return work / "texture.v"


def _generate(name: str, size: tuple[int, int], save: Callable[[Path, Path], None]) -> Path:
    """``DATA/name``, made from a fresh texture of ``size`` unless it is already there."""
    target = DATA / name
    if target.exists():
        return target
    if shutil.which("vips") is None:
        pytest.skip("vips (Debian: libvips-tools) is needed to make the benchmark images")
    DATA.mkdir(parents=True, exist_ok=True)
    # The intermediate files of a 120 MP image take about 4 GB: keep them beside the data, not in /tmp.
    with tempfile.TemporaryDirectory(dir=DATA, prefix=".work-") as tmp:
        work = Path(tmp)
        texture = _texture(work, *size)
        partial = work / f"partial{target.suffix}"
        save(texture, partial)
        partial.rename(target)  # whole or absent, if the run is interrupted
    return target


@pytest.fixture(scope="session")
def tiled_tiff() -> Path:
    """12000x10000 tiled pyramidal JPEG TIFF, 256x256 tiles, Q85 (levels down to one tile)."""
    def save(src: Path, dst: Path) -> None:
        _vips("tiffsave", src, dst, "--tile", "--pyramid", "--compression", "jpeg", "--Q", 85,
              "--tile-width", 256, "--tile-height", 256, cwd=dst.parent)
    return _generate("tiled-12000x10000.tif", LARGE, save)


@pytest.fixture(scope="session")
def large_jpeg() -> Path:
    """12000x10000 baseline (not progressive) JPEG, Q85, 4:2:0."""
    def save(src: Path, dst: Path) -> None:
        _vips("jpegsave", src, dst, "--Q", 85, "--subsample-mode", "on", cwd=dst.parent)
    return _generate("baseline-12000x10000.jpg", LARGE, save)


@pytest.fixture(scope="session")
def small_png() -> Path:
    """1000x1000 RGB PNG, 8 bits, no alpha, zlib level 6."""
    def save(src: Path, dst: Path) -> None:
        _vips("pngsave", src, dst, "--compression", 6, cwd=dst.parent)
    return _generate("rgb-1000x1000.png", SMALL, save)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """One Casaba server per benchmark module, so no benchmark pays for start-up.

    ``max_pixels = 0`` so that ``max`` always means the whole image."""
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{DATA}/", "max_pixels": 0}
    with running_server(settings, workers=1) as base:
        yield base


@pytest.fixture(scope="module")
def client(server: str) -> Iterator[httpx.Client]:
    """A persistent (keep-alive) client: each round is one request on an open connection."""
    with httpx.Client(base_url=server, timeout=120) as c:
        yield c


def _check_jpeg(data: bytes, size: tuple[int, int]) -> None:
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "JPEG"
        assert im.size == size, f"{im.size} != {size}"
        im.load()  # decodes every scan: a truncated body fails here


@pytest.fixture(scope="session")
def check_jpeg() -> Callable[[bytes, tuple[int, int]], None]:
    """Fail unless the bytes are a whole JPEG of the given size: a broken path must not look fast."""
    return _check_jpeg


@pytest.fixture(scope="module")
def fetch_jpeg(client: httpx.Client) -> Callable[[str, tuple[int, int]], None]:
    """One checked request, which also opens the image in the server outside the timing."""
    def fetch(path: str, size: tuple[int, int]) -> None:
        r = client.get(path)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "image/jpeg"
        _check_jpeg(r.content, size)
    return fetch


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's own table
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Per workload: core and HTTP medians, what HTTP adds, and Pillow's median as a ratio."""
    session = getattr(config, "_benchmarksession", None)  # where pytest-benchmark keeps this run
    medians: dict[str, dict[str, float]] = {}
    for bench in getattr(session, "benchmarks", []):
        if bench and "way" in bench.extra_info:
            medians.setdefault(bench.group, {})[bench.extra_info["way"]] = bench.stats.median
    if not medians:
        return
    terminalreporter.write_sep("-", "medians per workload (ms)")
    for group in sorted(medians):
        m = medians[group]
        parts = [f"{way} {m[way] * 1e3:.3f}" for way in ("core", "http", "pillow") if way in m]
        if "core" in m and "http" in m:
            parts.append(f"HTTP adds {(m['http'] - m['core']) * 1e3:.3f}")
        if "core" in m and "pillow" in m:
            parts.append(f"Pillow / core = {m['pillow'] / m['core']:.2f}x")
        terminalreporter.write_line(f"{group}: " + ", ".join(parts))
