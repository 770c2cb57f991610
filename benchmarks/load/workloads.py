"""The workloads: which image, and the list of IIIF requests (region/size/rotation/quality.format)
that every server is asked, in the same shuffled order. Each server turns a request into its own
URL (``Target.url``)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import images

TILE = 256


@dataclass(frozen=True)
class Workload:
    name: str
    title: str
    image: Callable[[], Path]
    requests: Callable[[int, int], list[str]]
    # A server may not read this format: a failed first request skips the server (and says so)
    # instead of counting a run of errors.
    optional: bool = False
    # A tiny image of the same format, asked first, so that the large one is made only when a
    # server can read it.
    probe: Callable[[], Path] | None = None
    size: tuple[int, int] = images.LARGE
    # A plain (untiled) image: Casaba serves it from the pyramid it builds after the first request.
    untiled: bool = False
    # Asked of a Casaba that draws this overlay of ``benchmarks/overlays.py`` ("string" or
    # "image"), not of iipsrv; ``baseline`` names the same requests' workload without it.
    overlay: str = ""
    baseline: str = ""


def viewer_tiles(width: int, height: int) -> list[str]:
    """Every tile a deep-zoom viewer (OpenSeadragon on a IIIF 2/3 info.json) may ask for: 256x256
    tiles at scale factors 1, 2, 4, ... down to the level that fits one tile, each as the region
    on the full image and the ``w,`` size of the tile at that level."""
    out: list[str] = []
    scale = 1
    while True:
        span = TILE * scale
        for y in range(0, height, span):
            for x in range(0, width, span):
                w, h = min(span, width - x), min(span, height - y)
                region = "full" if (w, h) == (width, height) else f"{x},{y},{w},{h}"
                out.append(f"{region}/{math.ceil(w / scale)},/0/default.jpg")
        if max(width, height) <= span:
            break
        scale *= 2
    return _shuffled(out, seed=1)


def unaligned_regions(width: int, height: int, count: int = 2000) -> list[str]:
    """256x256 regions at full resolution at seeded random places, none on the tile grid."""
    rng = random.Random(2)
    out: list[str] = []
    while len(out) < count:
        x, y = rng.randrange(width - TILE + 1), rng.randrange(height - TILE + 1)
        if x % TILE or y % TILE:
            out.append(f"{x},{y},{TILE},{TILE}/{TILE},/0/default.jpg")
    return out


def thumbnails(width: int, height: int) -> list[str]:
    """``full/!N,N`` for every N from 100 to 800: catalogue thumbnails of many sizes."""
    return _shuffled([f"full/!{n},{n}/0/default.jpg" for n in range(100, 801)], seed=3)


def one_tile(width: int, height: int) -> list[str]:
    """One stored 256x256 tile at full resolution, asked again and again (pytest-benchmark's (a)
    and (h) tile)."""
    return ["2048,2048,256,256/256,/0/default.jpg"]


def fit_1024(width: int, height: int) -> list[str]:
    """``full/!1024,1024``, asked again and again: a large view, rendered every time."""
    return ["full/!1024,1024/0/default.jpg"]


def _shuffled(items: list[str], seed: int) -> list[str]:
    random.Random(seed).shuffle(items)
    return items


WORKLOADS = {
    w.name: w
    for w in [
        Workload("aligned", "TIFF pyramid: aligned 256² tiles, all levels", images.tiled_tiff, viewer_tiles),
        Workload("unaligned", "TIFF pyramid: unaligned 256² regions, full resolution", images.tiled_tiff, unaligned_regions),
        Workload("thumbs", "TIFF pyramid: thumbnails full/!N,N, N = 100–800", images.tiled_tiff, thumbnails),
        Workload("jpeg-tiles", "100 MP baseline JPEG: aligned 256² tiles, all levels", images.large_jpeg, viewer_tiles, optional=True, untiled=True),
        Workload("jpeg-thumbs", "100 MP baseline JPEG: thumbnails full/!N,N", images.large_jpeg, thumbnails, optional=True, untiled=True),
        Workload("jp2-tiles", "JPEG 2000 (tiled 256²): aligned tiles, all levels", images.large_jp2, viewer_tiles, optional=True, probe=images.probe_jp2),
        Workload("jp2-untiled", "JPEG 2000 (one tile, precincts): aligned 256² tiles, all levels", images.untiled_jp2, viewer_tiles,
                 optional=True, probe=images.probe_jp2, untiled=True),
        Workload("tile", "TIFF pyramid: one stored 256² tile (2048,2048,256,256/256,), asked again and again",
                 images.tiled_tiff, one_tile),
        Workload("tile+string", "the same tile under the tutorial's string overlay", images.tiled_tiff, one_tile,
                 overlay="string", baseline="tile"),
        Workload("tile+image", "the same tile under a 200×80 PNG logo with alpha", images.tiled_tiff, one_tile,
                 overlay="image", baseline="tile"),
        Workload("fit1024", "TIFF pyramid: full/!1024,1024, asked again and again", images.tiled_tiff, fit_1024),
        Workload("fit1024+string", "full/!1024,1024 under the tutorial's string overlay", images.tiled_tiff, fit_1024,
                 overlay="string", baseline="fit1024"),
        Workload("fit1024+image", "full/!1024,1024 under a 200×80 PNG logo with alpha", images.tiled_tiff, fit_1024,
                 overlay="image", baseline="fit1024"),
    ]
}
