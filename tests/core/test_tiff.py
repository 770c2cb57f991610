"""TIFF layouts, compressions and sample formats through the core, each compared with the
pixels the file was made from and with Pillow's (libtiff's) decode of the same file.

Every lossless variant must match exactly: 16-bit samples keep their high byte, 1-, 2- and
4-bit gray is scaled to 8 bits (v * 255 / max), MinIsWhite is inverted, palettes expand to
RGB. JPEG-compressed variants are compared with libtiff's decode of the same stream; both
sides run libjpeg-turbo, but libtiff upsamples YCbCr chroma itself, so the bound is mean < 1
and 99% of samples within 4; against the source pixels, the loss of quality 90 with 4:2:0
chroma on a noisy picture: mean < 5. Premultiplied alpha is undone by both sides with their
own rounding: within 1 wherever alpha is not 0 (where colour is undefined).
"""

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image

from .variants import TIFF_VARIANTS
from .helpers import assert_close, full, reference, render
from .synth import LONG, SHORT, tiff_entries, tiff_values

MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
LOSSLESS = [n for n in TIFF_VARIANTS if "jpeg" not in n] + ["rgb-deflate-32946"]
JPEG = [n for n in TIFF_VARIANTS if "jpeg" in n]
BASES = ["base-rgb8", "base-gray8", "base-rgba", "base-gray-alpha", "base-palette8", "base-gray16", "base-rgb16",
         "base-bilevel-black", "base-bilevel-white", "base-gray4", "base-palette4", "base-rgb16-planar"]


def channels_of(expected):
    return 1 if expected.ndim == 2 else expected.shape[2]


@pytest.mark.parametrize("name", TIFF_VARIANTS)
def test_structure(tiffs, name):
    files, expected = tiffs
    options = TIFF_VARIANTS[name][1]
    img = Image.open(files[name])
    assert (img.format, img.width, img.height, img.levels) == ("tiff", 203, 149, [(203, 149)])
    codec = options[options.index("-c") + 1].split(":")[0]
    assert img.compression == {"zip": "deflate"}.get(codec, codec)
    assert img.tile_size == ((64, 64) if "-t" in options else None)
    assert img.channels == channels_of(expected[name])


CODES = {"none": 1, "lzw": 5, "zip": 8, "packbits": 32773, "jpeg": 7}


@pytest.mark.parametrize("name", TIFF_VARIANTS)
def test_the_variants_are_what_they_claim(tiffs, name):
    """tiffcp quietly ignores some option combinations: check the files, not the options."""
    files, _ = tiffs
    options = TIFF_VARIANTS[name][1]
    data = files[name].read_bytes()
    assert data[:2] == (b"MM" if "-B" in options else b"II")
    if "-8" in options:
        assert data[2:4] in (b"\0+", b"+\0")
        return
    tags = {e["tag"]: tiff_values(data, e) for e in tiff_entries(data) if e["type"] in (SHORT, LONG)}
    codec, *extra = options[options.index("-c") + 1].split(":")
    assert tags[259] == [CODES[codec]]
    assert tags.get(317, [1]) == [2 if "2" in extra else 1]
    assert tags.get(284, [1]) == [2 if "separate" in options or "planar" in name else 1]
    assert (322 in tags) == ("-t" in options)
    if "rgba" in name or "alpha" in name:
        assert tags[338] == [2]
    if "miniswhite" in name:
        assert tags[262] == [0]


@pytest.mark.parametrize("name", LOSSLESS + BASES)
def test_lossless_decode_is_exact(tiffs, name):
    files, expected = tiffs
    out = full(Image.open(files[name]))
    np.testing.assert_array_equal(out, expected[name])
    if "16" not in name:
        # Pillow reads 16-bit samples as 16-bit integers; the numpy comparison above covers them.
        np.testing.assert_array_equal(out, reference(files[name], MODES[channels_of(expected[name])]))


def test_sixteen_bit_agrees_with_pillows_high_byte(tiffs):
    files, _ = tiffs
    with PILImage.open(files["gray16-lzw-predictor"]) as im:
        high = (np.asarray(im).astype(np.uint32) >> 8).astype(np.uint8)
    np.testing.assert_array_equal(full(Image.open(files["gray16-lzw-predictor"])), high)


@pytest.mark.parametrize("name", JPEG)
def test_jpeg_compressed_decode_is_close_to_libtiff(tiffs, name):
    files, expected = tiffs
    out = full(Image.open(files[name]))
    mode = MODES[channels_of(expected[name])]
    assert_close(out, reference(files[name], mode), mean=1, p99=4, what=f"{name} vs libtiff")
    assert_close(out, expected[name], mean=5, what=f"{name} vs source")


@pytest.mark.parametrize("name", LOSSLESS)
@pytest.mark.parametrize("region", [(0, 0, 1, 1), (202, 148, 1, 1), (63, 15, 2, 2), (37, 21, 130, 90), (128, 128, 75, 21)])
def test_regions_across_chunk_edges_are_exact(tiffs, name, region):
    files, expected = tiffs
    plan, out = render(Image.open(files[name]), region)
    assert not plan.resized
    x, y, w, h = region
    np.testing.assert_array_equal(np.asarray(out), expected[name][y : y + h, x : x + w])


def test_premultiplied_alpha_is_straightened(tiffs):
    files, _ = tiffs
    data = files["rgba-premultiplied"].read_bytes()
    assert [tiff_values(data, e) for e in tiff_entries(data) if e["tag"] == 338] == [[1]]
    img = Image.open(files["rgba-premultiplied"])
    assert img.channels == 4
    out = full(img)
    want = reference(files["rgba-premultiplied"], "RGBA")
    np.testing.assert_array_equal(out[..., 3], want[..., 3])
    seen = want[..., 3] > 0
    assert_close(out[seen], want[seen], mean=0.5, peak=1, what="premultiplied")


def test_old_deflate_code_is_read(tiffs):
    files, _ = tiffs
    data = files["rgb-deflate-32946"].read_bytes()
    assert {tiff_values(data, e)[0] for e in tiff_entries(data) if e["tag"] == 259} == {32946}
