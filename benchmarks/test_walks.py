"""Workload (g): the load harness's rendered walks through the core alone, for regression
tracking without HTTP: unaligned 256x256 regions at full resolution and thumbnails ``full/!N,N``
of the 12000x10000 tiled pyramidal JPEG TIFF, the same lists ``benchmarks.load`` walks; and
2048x2048 regions at full resolution (encoded in two bands, ``pipeline.rs``). One
round renders the first requests of a list in its order, on one opened image with the decoded-
tile cache at its default size, as a worker does (after warm-up rounds: as a worker that has
seen the list before, the tiles read in part are re-coded). Per-request figures are in
``extra_info``; iipsrv is measured on the same lists by ``make load``."""

from __future__ import annotations

from casaba import _core

from benchmarks.load.workloads import thumbnails, unaligned_regions

GROUP = "g. 12000x10000 tiled TIFF, rendered walks (core)"


def parse(request: str) -> tuple[tuple[int, int, int, int], tuple[int, int]]:
    """Region and size of ``x,y,w,h/w,`` or ``full/!n,n`` on the 12000x10000 image."""
    region, size = request.split("/")[:2]
    if region == "full":
        n = int(size[1:].split(",")[0])
        return (0, 0, 12000, 10000), (n, round(n * 10000 / 12000))
    x, y, w, h = (int(v) for v in region.split(","))
    return (x, y, w, h), (int(size.rstrip(",")), h)


def walk(benchmark, tiled_tiff, requests: list[str], rounds: int) -> None:
    image = _core.Image.open(tiled_tiff)
    plans = [image.plan(*parse(r), format="jpg") for r in requests]

    def render_all() -> int:
        return sum(len(image.render(p)) for p in plans)

    assert render_all() > 0
    benchmark.group = GROUP
    benchmark.extra_info["way"] = "core"
    benchmark.extra_info["requests"] = len(plans)
    benchmark.pedantic(render_all, rounds=rounds, warmup_rounds=2)
    benchmark.extra_info["ms per request"] = round(benchmark.stats.stats.median / len(plans) * 1e3, 3)


def test_unaligned_regions(benchmark, tiled_tiff):
    walk(benchmark, tiled_tiff, unaligned_regions(12000, 10000, count=1000), rounds=5)


def test_thumbnails(benchmark, tiled_tiff):
    walk(benchmark, tiled_tiff, thumbnails(12000, 10000)[:200], rounds=5)


def test_large_regions(benchmark, tiled_tiff):
    walk(benchmark, tiled_tiff, [f"{1000 + 500 * i},{700 + 400 * i},2048,2048/2048,/0/default.jpg" for i in range(8)], rounds=5)
