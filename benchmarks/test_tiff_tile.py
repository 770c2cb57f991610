"""Workload (a): one 256x256 tile of a 12000x10000 tiled pyramidal JPEG TIFF, the request a deep-zoom
viewer makes most. Both tiles are aligned with a stored 256x256 tile: one at full resolution, one
from the level at 1/4 (3000x2500), so the plan must pick that level and resize nothing."""

from __future__ import annotations

import pytest


IDENTIFIER = "tiled-12000x10000.tif"

# name: (IIIF region/size, region, expected level, expected read rectangle of that level)
TILES = {
    "level0": ("2048,2048,256,256/256,", (2048, 2048, 256, 256), 0, (2048, 2048, 256, 256)),
    "level2": ("4096,4096,1024,1024/256,", (4096, 4096, 1024, 1024), 2, (1024, 1024, 256, 256)),
}


def group(name: str) -> str:
    return f"a. tiled TIFF, 256x256 tile, {name}"


@pytest.mark.parametrize("name", TILES)
def test_core(bench_tile_core, tiled_tiff, name):
    _, region, level, read = TILES[name]
    plan = bench_tile_core(tiled_tiff, region, group(name), rounds=1500)
    assert (plan.level, plan.read, plan.resized) == (level, read, False), plan.steps


@pytest.mark.parametrize("name", TILES)
def test_http(bench_tile_http, tiled_tiff, name):
    bench_tile_http(f"/iiif/3/{IDENTIFIER}/{TILES[name][0]}/0/default.jpg", group(name), rounds=800)


def test_http_floor(benchmark, client, tiled_tiff):
    """info.json of the same (already opened) image: the cost of a request with no pixel work,
    client included; subtract it from a tile's HTTP figure to see what the pixels cost."""
    path = f"/iiif/3/{IDENTIFIER}/info.json"
    r = client.get(path)
    assert r.status_code == 200 and r.json()["width"] == 12000, r.text
    benchmark.group = "a. tiled TIFF, info.json (HTTP floor)"
    benchmark.extra_info["way"] = "http"
    benchmark.pedantic(client.get, (path,), rounds=800, warmup_rounds=50)
