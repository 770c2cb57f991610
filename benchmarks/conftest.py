"""Fixtures for the benchmarks: generated test images (see ``images.py``, kept in
``benchmarks/.data/``), one real server per module with a persistent HTTP client, an output
check, and a closing summary of medians and ratios."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from benchmarks import images
from benchmarks.images import DATA
from casaba import _core
from casaba.testing import running_server


def _made(make: Callable[[], Path]) -> Path:
    try:
        return make()
    except images.VipsMissing as e:
        pytest.skip(str(e))


@pytest.fixture(scope="session")
def tiled_tiff() -> Path:
    """12000x10000 tiled pyramidal JPEG TIFF, 256x256 tiles, Q85 (levels down to one tile)."""
    return _made(images.tiled_tiff)


@pytest.fixture(scope="session")
def large_jpeg() -> Path:
    """12000x10000 baseline (not progressive) JPEG, Q85, 4:2:0."""
    return _made(images.large_jpeg)


@pytest.fixture(scope="session")
def large_jp2() -> Path:
    """12000x10000 tiled JPEG 2000, 256x256 tiles, lossy (made by vips with OpenJPEG)."""
    return _made(images.large_jp2)


@pytest.fixture(scope="session")
def tlm_jp2() -> Path:
    """12000x10000 JPEG 2000, 256x256 tiles, PLT and TLM markers."""
    return _made(images.tlm_jp2)


@pytest.fixture(scope="session")
def small_png() -> Path:
    """1000x1000 RGB PNG, 8 bits, no alpha, zlib level 6."""
    return _made(images.small_png)


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


TILE = (256, 256)


@pytest.fixture
def bench_tile_core(benchmark: Any, check_jpeg: Callable[[bytes, tuple[int, int]], None]) -> Callable[..., _core.Plan]:
    """Time the core making one 256x256 tile of ``region`` of ``image`` (checked first, outside
    the timing); returns the plan, for the test to check what was read."""
    def run(image: Path, region: tuple[int, int, int, int], group: str, rounds: int) -> _core.Plan:
        opened = _core.Image.open(image)

        def tile() -> bytes:
            return opened.render(opened.plan(region, TILE))

        check_jpeg(tile(), TILE)
        benchmark.group = group
        benchmark.extra_info["way"] = "core"
        benchmark.pedantic(tile, rounds=rounds, warmup_rounds=max(10, rounds // 30))
        return opened.plan(region, TILE)
    return run


@pytest.fixture
def bench_tile_http(benchmark: Any, client: httpx.Client, fetch_jpeg: Callable[[str, tuple[int, int]], None]) -> Callable[..., None]:
    """Time one 256x256 tile asked over HTTP (checked first, outside the timing)."""
    def run(path: str, group: str, rounds: int) -> None:
        fetch_jpeg(path, TILE)
        benchmark.group = group
        benchmark.extra_info["way"] = "http"
        benchmark.pedantic(client.get, (path,), rounds=rounds, warmup_rounds=max(10, rounds // 30))
    return run


@pytest.hookimpl(trylast=True)  # after pytest-benchmark's own table
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """Per workload: core and HTTP medians, what HTTP adds, and Pillow's median as a ratio; per
    overlay workload: each overlay's median beside the same answer's without one."""
    session = getattr(config, "_benchmarksession", None)  # where pytest-benchmark keeps this run
    medians: dict[str, dict[str, float]] = {}
    overlaid: dict[str, dict[str, float]] = {}
    for bench in getattr(session, "benchmarks", []):
        if bench and "way" in bench.extra_info:
            medians.setdefault(bench.group, {})[bench.extra_info["way"]] = bench.stats.median
        if bench and "overlay" in bench.extra_info:
            overlaid.setdefault(bench.group, {})[bench.extra_info["overlay"]] = bench.stats.median
    _overlay_summary(terminalreporter, overlaid)
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


def _overlay_summary(terminalreporter: pytest.TerminalReporter, overlaid: dict[str, dict[str, float]]) -> None:
    """``none`` is the same answer without an overlay, measured in the same run."""
    if not overlaid:
        return
    terminalreporter.write_sep("-", "overlay medians (ms), and what each adds to none")
    for group in sorted(overlaid):
        m = overlaid[group]
        parts = [f"none {m['none'] * 1e3:.3f}"] if "none" in m else []
        for kind in sorted(k for k in m if k != "none"):
            added = f" ({(m[kind] - m['none']) * 1e3:+.3f}, {m[kind] / m['none']:.2f}x)" if "none" in m else ""
            parts.append(f"{kind} {m[kind] * 1e3:.3f}{added}")
        terminalreporter.write_line(f"{group}: " + ", ".join(parts))
