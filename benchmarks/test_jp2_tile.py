"""Workload (f): one 256x256 tile of a 12000x10000 JPEG 2000 in 256x256 tiles (1880 of them), at full
resolution near the end of the codestream, and from the resolution levels at 1/4 and 1/32. OpenJPEG is given
only the tiles a read needs (``codec/jp2/view.rs``): without that, it reads every tile-part header
before the tile and sets up all 1880 tiles, which took 17.5 ms a tile here instead of about 5. The
full-resolution tile also of a file with PLT and TLM markers (20:1), as archival profiles make
them, which OpenJPEG would seek in by its TLM marker, still setting up every tile (3.8 ms a tile;
1.8 ms given only the tile's parts, as files without TLM markers are)."""

from __future__ import annotations

import pytest


IDENTIFIER = "tiled-12000x10000.jp2"

# name: (IIIF region/size, region, expected level)
TILES = {
    "level0": ("11264,9472,256,256/256,", (11264, 9472, 256, 256), 0),
    "level2": ("8192,8192,1024,1024/256,", (8192, 8192, 1024, 1024), 2),
    # 32x32 tiles of the file at 1/32: decoded in two halves on two threads (codec/jp2/mod.rs).
    "level5": ("0,0,8192,8192/256,", (0, 0, 8192, 8192), 5),
}


def group(name: str) -> str:
    return f"f. tiled JPEG 2000, 256x256 tile, {name}"


@pytest.mark.parametrize("name", TILES)
def test_core(bench_tile_core, large_jp2, name):
    _, region, level = TILES[name]
    plan = bench_tile_core(large_jp2, region, group(name), rounds=200 if level < 5 else 30)
    assert (plan.level, plan.resized) == (level, False), plan.steps


@pytest.mark.parametrize("name", TILES)
def test_http(bench_tile_http, large_jp2, name):
    bench_tile_http(f"/iiif/3/{IDENTIFIER}/{TILES[name][0]}/0/default.jpg", group(name), rounds=200 if TILES[name][2] < 5 else 30)


def test_core_tlm(bench_tile_core, tlm_jp2):
    _, region, level = TILES["level0"]
    plan = bench_tile_core(tlm_jp2, region, group("level0, TLM markers"), rounds=200)
    assert (plan.level, plan.resized) == (level, False), plan.steps
