"""PNG through the core. PNG is lossless, so every comparison is exact: against Pillow's
decode of the same file and against the pixels the file was made from. Low bit depths are
scaled to 8 bits (v * 255 / max), 16-bit samples keep their high byte, palettes expand to
RGB, and a tRNS chunk becomes an alpha channel."""

import struct

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image

from .helpers import full, reference, render

# name: (channels, Pillow mode to compare in; None for 16-bit gray, which Pillow reads as
# 16-bit integers and converts to 8 bits by clipping, not by taking the high byte)
CASES = {
    "rgb": (3, "RGB"),
    "rgba": (4, "RGBA"),
    "gray": (1, "L"),
    "gray-alpha": (2, "LA"),
    "palette": (3, "RGB"),
    "palette-trns": (4, "RGBA"),
    "gray1": (1, "L"),
    "gray2": (1, "L"),
    "gray4": (1, "L"),
    "gray16": (1, None),
    "rgb16": (3, "RGB"),
    "interlaced": (4, "RGBA"),
}


# name: (bit depth, colour type, interlace) as the file's IHDR must say
HEADERS = {
    "rgb": (8, 2, 0), "rgba": (8, 6, 0), "gray": (8, 0, 0), "gray-alpha": (8, 4, 0), "palette": (8, 3, 0),
    "palette-trns": (8, 3, 0), "gray1": (1, 0, 0), "gray2": (2, 0, 0), "gray4": (4, 0, 0), "gray16": (16, 0, 0),
    "rgb16": (16, 2, 0), "interlaced": (8, 6, 1),
}


def chunks(data):
    at, out = 8, {}
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        out[data[at + 4 : at + 8]] = data[at + 8 : at + 8 + length]
        at += 12 + length
    return out


@pytest.mark.parametrize("name", CASES)
def test_the_files_are_what_they_claim(pngs, name):
    files, _ = pngs
    found = chunks(files[name].read_bytes())
    ihdr = found[b"IHDR"]
    assert (ihdr[8], ihdr[9], ihdr[12]) == HEADERS[name]
    assert (b"tRNS" in found) == (name == "palette-trns")


@pytest.mark.parametrize("name", CASES)
def test_structure(pngs, name):
    files, _ = pngs
    img = Image.open(files[name])
    assert (img.format, img.width, img.height, img.compression) == ("png", 203, 149, "deflate")
    assert img.channels == CASES[name][0]
    assert img.levels == [(203, 149)] and img.tile_size is None


@pytest.mark.parametrize("name", CASES)
def test_decode_is_exact(pngs, name):
    files, expected = pngs
    out = full(Image.open(files[name]))
    np.testing.assert_array_equal(out, expected[name])
    mode = CASES[name][1]
    if mode is not None:
        np.testing.assert_array_equal(out, reference(files[name], mode))


def test_sixteen_bit_gray_keeps_the_high_byte(pngs):
    files, _ = pngs
    with PILImage.open(files["gray16"]) as im:
        high = (np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8)
    np.testing.assert_array_equal(full(Image.open(files["gray16"])), high)


@pytest.mark.parametrize("name", ["rgb", "palette-trns", "gray2", "interlaced", "rgb16"])
@pytest.mark.parametrize("region", [(0, 0, 1, 1), (202, 148, 1, 1), (17, 9, 100, 77), (150, 0, 53, 149)])
def test_regions_are_exact_crops(pngs, name, region):
    files, expected = pngs
    plan, out = render(Image.open(files[name]), region)
    assert not plan.resized
    x, y, w, h = region
    np.testing.assert_array_equal(np.asarray(out), expected[name][y : y + h, x : x + w])
