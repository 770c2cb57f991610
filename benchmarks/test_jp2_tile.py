"""Workload (f): one 256x256 tile of a 12000x10000 JPEG 2000 in 256x256 tiles (1880 of them), at full
resolution near the end of the codestream, and from the resolution level at 1/4. OpenJPEG is given
only the tiles a read needs (``codec/jp2/view.rs``): without that, it reads every tile-part header
before the tile and sets up all 1880 tiles, which took 17.5 ms a tile here instead of about 5."""

from __future__ import annotations

import pytest

from casaba import _core

IDENTIFIER = "tiled-12000x10000.jp2"

# name: (IIIF region/size, region, expected level)
TILES = {
    "level0": ("11264,9472,256,256/256,", (11264, 9472, 256, 256), 0),
    "level2": ("8192,8192,1024,1024/256,", (8192, 8192, 1024, 1024), 2),
}


def group(name: str) -> str:
    return f"f. tiled JPEG 2000, 256x256 tile, {name}"


@pytest.mark.parametrize("name", TILES)
def test_core(benchmark, large_jp2, check_jpeg, name):
    _, region, level = TILES[name]
    image = _core.Image.open(large_jp2)

    def tile() -> bytes:
        return image.render(image.plan(region, (256, 256)))

    plan = image.plan(region, (256, 256))
    assert (plan.level, plan.resized) == (level, False), plan.steps
    check_jpeg(tile(), (256, 256))
    benchmark.group = group(name)
    benchmark.extra_info["way"] = "core"
    benchmark.pedantic(tile, rounds=200, warmup_rounds=10)


@pytest.mark.parametrize("name", TILES)
def test_http(benchmark, client, fetch_jpeg, large_jp2, name):
    path = f"/iiif/3/{IDENTIFIER}/{TILES[name][0]}/0/default.jpg"
    fetch_jpeg(path, (256, 256))
    benchmark.group = group(name)
    benchmark.extra_info["way"] = "http"
    benchmark.pedantic(client.get, (path,), rounds=200, warmup_rounds=10)
