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

from casaba._core import Image, ImageFormatError

from .variants import TIFF_VARIANTS
from .helpers import assert_close, full, reference, render
from .synth import LONG, SHORT, patch_tiff, simple_tiff, tiff_entries, tiff_values

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


# --- Uncompressed strips read in part -------------------------------------------------------

class Recording:
    """A file's bytes through `Image.open_reader`, every read recorded."""

    def __init__(self, data):
        self.data = data
        self.reads = []

    def read(self, offset, length):
        self.reads.append((offset, length))
        return self.data[offset : offset + length]


#: Base files as one uncompressed strip (as many scanners write them): samples and options.
ONE_STRIP = {
    "rgb8": lambda rgb: (rgb, dict(photometric=2)),
    "rgb16-planar": lambda rgb: (rgb.astype(np.uint16) * 257, dict(photometric=2, bits=16, planar=True, order=">")),
    "gray4": lambda rgb: (np.asarray(PILImage.fromarray(rgb).convert("L")) >> 4, dict(photometric=1, bits=4)),
    "bilevel-black": lambda rgb: ((np.asarray(PILImage.fromarray(rgb).convert("L")) >= 128).astype(np.uint8), dict(photometric=1, bits=1)),
}


@pytest.mark.parametrize("name", ["rgb8", "rgb16-planar", "gray4", "bilevel-black"])
@pytest.mark.parametrize("region", [(0, 0, 1, 1), (202, 148, 1, 1), (37, 21, 130, 90), (0, 100, 203, 49), (5, 140, 7, 9)])
def test_a_region_of_one_uncompressed_strip_reads_only_its_rows(tiffs, name, region):
    _, expected = tiffs
    samples, options = ONE_STRIP[name](expected["base-rgb8"])
    data, want = simple_tiff(samples, rows_per_strip=149, **options), expected[f"base-{name}"]
    reader = Recording(data)
    img = Image.open_reader(reader, len(data), chunk_size=1024, cache_size=0)
    assert img.tile_size is None
    reader.reads.clear()
    plan, out = render(img, region)
    x, y, w, h = region
    np.testing.assert_array_equal(np.asarray(out), want[y : y + h, x : x + w])
    row_bytes = len(data) // 149  # near enough: the strip is nearly all the file
    read = sum(length for _, length in reader.reads)
    assert read <= (h + 2) * row_bytes + 2048, f"{read} bytes read for {h} of 149 rows"


def test_a_short_uncompressed_strip_reads_its_rows_and_no_row_past_its_end():
    # Rows past the strip's end are missing, not black: a read of them is an error.
    rgb = np.arange(40 * 30 * 3, dtype=np.uint8).reshape(30, 40, 3)
    data = simple_tiff(rgb, photometric=2, rows_per_strip=30)
    entries = {e["tag"]: e for e in tiff_entries(data)}
    count = tiff_values(data, entries[279])[0]
    short = patch_tiff(data, 279, [count - 10 * 40 * 3])  # the strip ends after 20 rows
    img = Image.from_bytes(short)
    _, top = render(img, (0, 5, 40, 15))
    np.testing.assert_array_equal(np.asarray(top), rgb[5:20])
    with pytest.raises(ImageFormatError, match="ends before its pixels"):
        render(img, (0, 15, 40, 15))
