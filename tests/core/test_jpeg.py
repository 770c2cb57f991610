"""JPEG through the core against Pillow's decode of the same file.

Tolerances:
- Full decodes and crops: both sides are libjpeg-turbo's accurate integer IDCT with smooth
  chroma upsampling, so they agree exactly today; every sample within 1 leaves room for
  another build of the library. A crop that got its edge columns' chroma wrong (decoded
  without their neighbours, as partial decoding does at MCU boundaries) is off by tens.
- A crop of a DCT-scaled level is the same decode as the whole level, cut: exact.
- DCT-scaled reads (1/2, 1/4, 1/8) are compared with Pillow's full decode resized with
  Lanczos. The two filters differ at hard edges by tens of levels, so the bound is on the
  mean (< 1.5) and the 99th percentile (<= 10), not the maximum.
  A scaled level is ceil(w/d) wide: its last column covers a partial 8x8 block, which the
  encoder padded by repeating the edge. The plan maps the image's right and bottom edges to
  the level's, so the reference is Pillow's decode padded the same way (a no-op when the
  size divides evenly) before resizing.
"""

import math

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image

from .helpers import assert_close, full, reference, render

KINDS = ["baseline-420", "baseline-444", "baseline-422", "progressive", "gray", "restart"]


def mode_of(img):
    return "L" if img.channels == 1 else "RGB"


def scaled_reference(path, img, level, size, region=None):
    """Pillow's full decode, edge-padded to the level's whole blocks, region cut, resized."""
    d = 1 << level
    ref = reference(path, mode_of(img))
    lw, lh = img.levels[level]
    pad = ((0, lh * d - img.height), (0, lw * d - img.width)) + ((0, 0),) * (ref.ndim - 2)
    padded = np.pad(ref, pad, mode="edge")
    x, y, w, h = region or (0, 0, img.width, img.height)
    right = lw * d if x + w == img.width else x + w
    bottom = lh * d if y + h == img.height else y + h
    return np.asarray(PILImage.fromarray(padded).resize(size, PILImage.LANCZOS, box=(x, y, right, bottom)))


# kind: (frame marker, luma sampling factors, components)
FRAMES = {
    "baseline-420": (0xC0, 0x22, 3), "baseline-444": (0xC0, 0x11, 3), "baseline-422": (0xC0, 0x21, 3),
    "progressive": (0xC2, 0x22, 3), "gray": (0xC0, 0x11, 1), "restart": (0xC0, 0x11, 3),
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_files_are_what_they_claim(jpegs, kind):
    data = jpegs[kind].read_bytes()
    marker, sampling, components = FRAMES[kind]
    sof = data.find(bytes([0xFF, marker]))
    assert sof > 0 and data[sof + 9] == components and data[sof + 11] == sampling
    # A restart interval (DRI) and restart markers (RST0-7) in the scan, only where asked for.
    scan = data[data.find(b"\xff\xda") :]
    restarts = sum(scan.count(bytes([0xFF, 0xD0 + n])) for n in range(8))
    assert (b"\xff\xdd" in data, restarts > 100) == ((kind == "restart"),) * 2


@pytest.mark.parametrize("kind", KINDS)
def test_structure(jpegs, kind):
    img = Image.open(jpegs[kind])
    assert (img.format, img.width, img.height, img.compression) == ("jpeg", 1000, 776, "jpeg")
    assert img.channels == (1 if kind == "gray" else 3)
    assert img.tile_size is None


@pytest.mark.parametrize("kind", KINDS)
def test_full_decode_matches_pillow(jpegs, kind):
    img = Image.open(jpegs[kind])
    assert_close(full(img), reference(jpegs[kind], mode_of(img)), mean=0.1, peak=1, what=kind)


@pytest.mark.parametrize("kind", ["baseline-420", "baseline-444", "progressive", "gray", "restart", "odd-1001x777"])
def test_levels_are_dct_scales(jpegs, kind):
    img = Image.open(jpegs[kind])
    assert img.levels == [(math.ceil(img.width / d), math.ceil(img.height / d)) for d in (1, 2, 4, 8)]


@pytest.mark.parametrize(
    ("name", "levels"),
    [
        ("1x1", [(1, 1)]),
        ("17x9", [(17, 9), (9, 5), (5, 3), (3, 2)]),
        ("4097-wide", [(4097, 40), (2049, 20), (1025, 10), (513, 5)]),
    ],
)
def test_levels_of_odd_sizes_stop_when_scaling_stops_shrinking(jpegs, name, levels):
    assert Image.open(jpegs[name]).levels == levels


@pytest.mark.parametrize("kind", ["baseline-420", "progressive", "gray"])
def test_small_output_reads_a_reduced_level(jpegs, kind):
    img = Image.open(jpegs[kind])
    # Exactly 1/8: the level is the output, read whole, not resampled.
    plan = img.plan((0, 0, 1000, 776), (125, 97))
    assert (plan.level, plan.read, plan.resized) == (3, (0, 0, 125, 97), False)
    # Between 1/2 and 1/4: the 1/2 level is the smallest that still has enough pixels.
    plan = img.plan((0, 0, 1000, 776), (300, 233))
    assert (plan.level, plan.read, plan.resized) == (1, (0, 0, 500, 388), True)
    # A region at 1/4: only its part of the 1/4 level is read.
    plan = img.plan((400, 200, 400, 400), (100, 100))
    assert (plan.level, plan.read, plan.resized) == (2, (100, 50, 100, 100), False)


@pytest.mark.parametrize("kind", ["baseline-420", "baseline-444", "progressive", "gray", "odd-1001x777"])
@pytest.mark.parametrize("size", [(500, 388), (250, 194), (125, 97), (300, 233), (64, 50)])
def test_dct_scaled_render_is_close_to_a_lanczos_resize(jpegs, kind, size):
    img = Image.open(jpegs[kind])
    plan, out = render(img, size=size)
    assert plan.level > 0
    assert_close(np.asarray(out), scaled_reference(jpegs[kind], img, plan.level, size), mean=1.5, p99=10, what=plan.steps)


REGIONS = [
    (13, 7, 100, 50), (1, 1, 998, 774), (5, 3, 1, 1), (17, 31, 200, 9), (987, 763, 13, 13),
    # On MCU boundaries, like the tiles a viewer asks for.
    (512, 0, 488, 776), (256, 256, 256, 256), (16, 32, 400, 160), (0, 512, 512, 264),
]


@pytest.mark.parametrize("kind", ["baseline-420", "baseline-444", "baseline-422", "progressive", "gray", "restart"])
@pytest.mark.parametrize("region", REGIONS)
def test_crop_at_any_position_matches_a_pillow_crop(jpegs, kind, region):
    img = Image.open(jpegs[kind])
    plan, out = render(img, region)
    assert not plan.resized and plan.level == 0
    x, y, w, h = region
    want = reference(jpegs[kind], mode_of(img))[y : y + h, x : x + w]
    assert_close(np.asarray(out), want, mean=0.1, peak=1, what=f"{kind} {region}")


@pytest.mark.parametrize("kind", ["baseline-420", "baseline-422", "progressive", "gray"])
@pytest.mark.parametrize("factor", [2, 4, 8])
@pytest.mark.parametrize("region", [(512, 256, 256, 256), (0, 0, 512, 512), (104, 40, 312, 200), (512, 512, 488, 264)])
def test_crop_of_a_scaled_level_equals_the_whole_level_cut(jpegs, kind, factor, region):
    img = Image.open(jpegs[kind])
    x, y, w, h = (v // factor for v in region)
    plan, out = render(img, region, (w, h))
    assert (plan.level, plan.read, plan.resized) == ({2: 1, 4: 2, 8: 3}[factor], (x, y, w, h), False)
    _, whole = render(img, size=img.levels[plan.level])
    assert_close(np.asarray(out), np.asarray(whole)[y : y + h, x : x + w], mean=0.01, peak=0, what=plan.steps)


@pytest.mark.parametrize("kind", ["baseline-420", "progressive", "odd-1001x777"])
@pytest.mark.parametrize(("region", "size"), [((13, 7, 600, 400), (150, 100)), ((101, 57, 899, 719), (200, 160))])
def test_scaled_crop_is_close_to_a_lanczos_resize(jpegs, kind, region, size):
    img = Image.open(jpegs[kind])
    plan, out = render(img, region, size)
    assert plan.level > 0
    want = scaled_reference(jpegs[kind], img, plan.level, size, region)
    assert_close(np.asarray(out), want, mean=1.5, p99=10, what=plan.steps)


@pytest.mark.parametrize("name", ["1x1", "17x9", "4097-wide", "odd-1001x777"])
def test_odd_sizes_decode_whole(jpegs, name):
    img = Image.open(jpegs[name])
    assert_close(full(img), reference(jpegs[name], "RGB"), mean=0.1, peak=1, what=name)


@pytest.mark.parametrize("region", [(4090, 0, 7, 40), (4000, 13, 97, 27), (3, 39, 4094, 1), (4096, 0, 1, 1)])
def test_crops_of_a_4097_wide_image(jpegs, region):
    img = Image.open(jpegs["4097-wide"])
    _, out = render(img, region)
    x, y, w, h = region
    want = reference(jpegs["4097-wide"], "RGB")[y : y + h, x : x + w]
    assert_close(np.asarray(out), want, mean=0.1, peak=1, what=str(region))

