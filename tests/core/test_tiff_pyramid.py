"""Pyramidal TIFFs written by vips (a chain of reduced directories, SubIFDs, BigTIFF; JPEG
and LZW tiles): the levels the core finds, the level and rectangle a plan reads, and the
pixels it renders.

Tolerances: output from a reduced level is compared with Pillow's decode of level 0 resized
with Lanczos. vips made the levels with a 2x2 box filter (and, for JPEG, compressed each one
again), so hard edges differ by tens of levels: mean < 1.5 and 99% of samples within 10.
Level 0 read at full size is the same decode as libtiff's: every sample within 1.
"""

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image

from .variants import PYRAMID_VARIANTS
from .helpers import assert_close, reference, render
from .synth import tiff_entries

LEVELS = [(2400, 1600), (1200, 800), (600, 400), (300, 200), (150, 100)]


@pytest.fixture(scope="module")
def level0(pyramids):
    """Pillow's decode of each pyramid's full-resolution level."""
    files, _ = pyramids
    return {name: reference(path, "RGB") for name, path in files.items()}


@pytest.mark.parametrize("name", PYRAMID_VARIANTS)
def test_levels_halve_down_to_one_tile(pyramids, name):
    files, _ = pyramids
    img = Image.open(files[name])
    assert (img.width, img.height, img.channels, img.tile_size) == (2400, 1600, 3, (256, 256))
    assert img.compression == ("lzw" if name == "lzw" else "jpeg")
    assert img.levels == LEVELS


def test_the_variants_are_what_they_claim(pyramids):
    files, _ = pyramids
    assert files["jpeg-bigtiff"].read_bytes()[:4] == b"II+\0"
    data = files["jpeg-subifd"].read_bytes()
    assert {e["ifd"] for e in tiff_entries(data)} == {min(e["ifd"] for e in tiff_entries(data))}
    assert any(e["tag"] == 330 for e in tiff_entries(data))
    assert len({e["ifd"] for e in tiff_entries(files["jpeg"].read_bytes())}) == len(LEVELS)


# region, size -> level, rectangle read in the level, resized
PLANS = [
    ((0, 0, 2400, 1600), (150, 100), 4, (0, 0, 150, 100), False),
    ((0, 0, 2400, 1600), (300, 200), 3, (0, 0, 300, 200), False),
    ((0, 0, 2400, 1600), (200, 133), 3, (0, 0, 300, 200), True),
    ((1024, 512, 512, 512), (128, 128), 2, (256, 128, 128, 128), False),
    ((1000, 500, 300, 300), (75, 75), 2, (250, 125, 75, 75), False),
    ((2048, 1536, 352, 64), (11, 2), 4, (128, 96, 22, 4), True),
    ((2304, 1280, 96, 320), (96, 320), 0, (2304, 1280, 96, 320), False),
    ((2048, 1024, 352, 576), (176, 288), 1, (1024, 512, 176, 288), False),
    # A viewer's tile at the bottom-right corner of the 1/4 level: short on both sides, still exact.
    ((2048, 1536, 352, 64), (88, 16), 2, (512, 384, 88, 16), False),
]


@pytest.mark.parametrize("name", PYRAMID_VARIANTS)
@pytest.mark.parametrize(("region", "size", "level", "read", "resized"), PLANS)
def test_plan_reads_a_small_rect_of_the_right_level(pyramids, name, region, size, level, read, resized):
    files, _ = pyramids
    plan = Image.open(files[name]).plan(region, size)
    assert (plan.level, plan.read, plan.resized) == (level, read, resized)


@pytest.mark.parametrize("name", PYRAMID_VARIANTS)
@pytest.mark.parametrize(("region", "size"), [p[:2] for p in PLANS if p[2] > 0])
def test_reduced_output_is_close_to_level_0_resized(pyramids, level0, name, region, size):
    files, _ = pyramids
    plan, out = render(Image.open(files[name]), region, size)
    x, y, w, h = region
    want = np.asarray(PILImage.fromarray(level0[name]).resize(size, PILImage.LANCZOS, box=(x, y, x + w, y + h)))
    assert_close(np.asarray(out), want, mean=1.5, p99=10, what=plan.steps)


@pytest.mark.parametrize("name", PYRAMID_VARIANTS)
@pytest.mark.parametrize("region", [(250, 250, 20, 20), (2300, 1500, 100, 100), (700, 100, 600, 300), (0, 0, 2400, 1600)])
def test_full_resolution_regions_match_libtiff(pyramids, level0, name, region):
    files, pixels = pyramids
    plan, out = render(Image.open(files[name]), region)
    assert plan.level == 0 and not plan.resized
    x, y, w, h = region
    assert_close(np.asarray(out), level0[name][y : y + h, x : x + w], mean=0.1, peak=1, what=str(region))
    if name == "lzw":
        np.testing.assert_array_equal(np.asarray(out), pixels[y : y + h, x : x + w])


@pytest.mark.parametrize("name", ["jpeg", "jpeg-subifd"])
def test_small_parts_of_jpeg_tiles_decode_as_the_whole_tiles_do(pyramids, level0, name):
    """A region that needs a small share of each JPEG tile it touches decodes only those parts
    (not the whole tiles); its pixels are those of the whole-tile decode, whatever the offsets
    (on and off the 8- and 16-pixel MCU grid, at tile corners and edges)."""
    files, _ = pyramids
    img = Image.open(str(files[name]))
    regions = [(250, 250, 12, 12), (509, 3, 7, 250), (3, 509, 250, 7), (767, 767, 100, 100), (2390, 1590, 10, 10), (121, 377, 150, 150)]
    for region in regions:
        _, out = render(img, region, format="png")
        x, y, w, h = region
        assert_close(np.asarray(out.convert("RGB")), level0[name][y : y + h, x : x + w], mean=0.5, peak=1, what=f"{name} {region}")
