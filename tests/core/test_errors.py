"""Errors split by fault: unsupported features (`UnsupportedError`), damaged files
(`ImageFormatError`), the decode limit (`LimitError`), storage (`ImageIoError`); a request that
does not fit the image is the client's (`RequestError`); and an argument the core does not know
(a quality, format or compression name) is the caller's mistake (`ValueError`)."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import CoreError, Image, ImageFormatError, ImageIoError, LimitError, RequestError, UnsupportedError

from .helpers import array, run
from .synth import LONG, SHORT, jp2_file, patch_tiff, photo, simple_tiff, tiff_bytes, tiff_entries, tiff_values


def encoded(im, fmt, **options):
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


RGB = PILImage.fromarray(photo(320, 240, seed=12))
J2K = encoded(RGB, "JPEG2000", no_jp2=True)


def render_all(img, size=None):
    return img.render(img.plan((0, 0, img.width, img.height), size or (img.width, img.height), format="png"))


def test_error_classes_share_a_base():
    for cls in (ImageFormatError, UnsupportedError, LimitError, ImageIoError):
        assert issubclass(cls, CoreError)


# --- Unsupported ----------------------------------------------------------------------------


def gray_tiff(**changes):
    data = simple_tiff(np.zeros((16, 16), np.uint8), photometric=1)
    for tag, value in changes.items():
        data = patch_tiff(data, int(tag[1:]), [value])
    return data


@pytest.mark.parametrize(
    ("what", "data"),
    [
        ("BMP", encoded(RGB, "BMP")),
        ("float TIFF", encoded(PILImage.fromarray(np.zeros((8, 8), np.float32)), "TIFF")),
        ("32-bit integer TIFF", encoded(PILImage.fromarray(np.zeros((8, 8), np.int32)), "TIFF")),
        ("old-style JPEG TIFF (6)", gray_tiff(t259=6)),
        ("CCITT TIFF (4)", gray_tiff(t259=4)),
        ("floating-point predictor (3)", tiff_bytes([({256: (LONG, [16]), 257: (LONG, [16]), 258: (SHORT, [8]),
                                                        262: (SHORT, [1]), 317: (SHORT, [3])}, [bytes(256)])])),
        ("uncompressed YCbCr TIFF", gray_tiff(t262=6)),
        ("LAB TIFF", gray_tiff(t262=8)),
        ("CMYK JPEG 2000", jp2_file(J2K, enumcs=12)),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_unsupported_features(what, data):
    with pytest.raises(UnsupportedError):
        render_all(Image.from_bytes(data))


def test_twelve_bit_samples_are_unsupported():
    data = patch_tiff(simple_tiff(np.zeros((16, 16), np.uint16), photometric=1, bits=16), 258, [12])
    with pytest.raises(UnsupportedError):
        Image.from_bytes(data)


# --- Damaged --------------------------------------------------------------------------------


JPEG = encoded(RGB, "JPEG", quality=85)
PNG = encoded(RGB, "PNG")
TIFF = encoded(RGB, "TIFF", compression="tiff_lzw")
JP2 = encoded(RGB, "JPEG2000")


@pytest.mark.parametrize(
    ("what", "data"),
    [
        ("JPEG cut in its header", JPEG[:100]),
        ("JPEG without a frame", JPEG[:2] + JPEG[JPEG.find(b"\xff\xda") :]),
        ("PNG cut in its header", PNG[:20]),
        ("PNG with a broken IHDR checksum", PNG[:29] + b"\0\0\0\0" + PNG[33:]),
        ("PNG with its image data cut", PNG[: len(PNG) // 2]),
        ("TIFF cut in its header", TIFF[:6]),
        ("TIFF whose first directory is past the end", TIFF[:4] + b"\xff\xff\xff\x7f" + TIFF[8:]),
        ("TIFF cut before its strips", TIFF[:16]),
        ("JPEG cut before its frame", JPEG[: JPEG.find(b"\xff\xc0")]),
        ("JPEG 2000 codestream cut in its main header", J2K[:60]),
        ("JPEG 2000 codestream cut in its tile data", J2K[: len(J2K) // 2]),
        ("JP2 cut in its codestream", JP2[: len(JP2) // 2]),
        ("JP2 without its codestream box", JP2[: JP2.find(b"jp2c") - 4]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_damaged_files(what, data):
    with pytest.raises(ImageFormatError):
        render_all(Image.from_bytes(data))


def test_a_damaged_jpeg_leaves_the_next_one_readable():
    # Regression: a failed header left the thread's reused decompressor inside that header,
    # and every later JPEG on the thread failed with "SOS before SOF".
    damaged = JPEG[:2] + JPEG[JPEG.find(b"\xff\xda") :]
    for _ in range(3):
        with pytest.raises(ImageFormatError):
            Image.from_bytes(damaged)
        assert array(render_all(Image.from_bytes(JPEG))).shape == (240, 320, 3)


def test_a_jpeg_without_a_frame_does_not_borrow_the_last_ones_header():
    # Regression: a stream that ends before its frame reads as "tables only", and a reused
    # decompressor then reported the previous image's size: a black 320x240 picture was served.
    render_all(Image.from_bytes(JPEG))
    with pytest.raises(ImageFormatError):
        Image.from_bytes(JPEG[:100])


def test_a_jpeg_cut_short_in_its_scan_is_an_error_but_its_rows_above_the_cut_are_read():
    # libjpeg-turbo warns and fills the rest with grey: a picture made up in part is never served.
    img = Image.from_bytes(JPEG[:-3000])
    with pytest.raises(ImageFormatError, match="premature end"):
        render_all(img)
    top = img.render(img.plan((0, 0, 320, 40), (320, 40), format="png"))
    whole = Image.from_bytes(JPEG)
    assert top == whole.render(whole.plan((0, 0, 320, 40), (320, 40), format="png"))


def test_a_tiff_chunk_whose_data_ends_early_is_an_error():
    # Its rows were padded with zeros: black rows made up.
    counts = tiff_values(TIFF, next(e for e in tiff_entries(TIFF) if e["tag"] == 279))
    data = patch_tiff(TIFF, 279, [counts[0] // 2], first_only=True)
    with pytest.raises(ImageFormatError, match="ends before its pixels"):
        render_all(Image.from_bytes(data))


def test_lzw_stream_without_an_end_code_is_read(tmp_path):
    # Some writers stop the LZW stream without its end-of-information code.
    from .synth import lzw_zeros

    stream = lzw_zeros(16 * 16)[:-2]
    data = tiff_bytes([({256: (LONG, [16]), 257: (LONG, [16]), 258: (SHORT, [8]), 259: (SHORT, [5]),
                         262: (SHORT, [1])}, [stream])])
    assert array(render_all(Image.from_bytes(data))).max() == 0


# --- Decode limit ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "data"),
    [("jpeg", JPEG), ("progressive jpeg", encoded(RGB, "JPEG", progressive=True)), ("png", PNG), ("tiff", TIFF),
     ("jpeg 2000", JP2)],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_decode_limit(fmt, data):
    pixels = 320 * 240
    # At the limit the whole image decodes.
    assert array(render_all(Image.from_bytes(data, max_decode_pixels=pixels))).shape[:2] == (240, 320)
    with pytest.raises(LimitError):
        render_all(Image.from_bytes(data, max_decode_pixels=pixels - 1))


def test_a_baseline_jpeg_over_the_limit_is_still_read_at_a_reduced_scale():
    img = Image.from_bytes(JPEG, max_decode_pixels=100 * 100)
    assert array(render_all(img, (80, 60))).shape == (60, 80, 3)


def test_a_progressive_jpeg_counts_at_full_size():
    # libjpeg-turbo buffers a progressive image whole, whatever scale is asked for.
    img = Image.from_bytes(encoded(RGB, "JPEG", progressive=True), max_decode_pixels=100 * 100)
    with pytest.raises(LimitError):
        render_all(img, (40, 30))


def test_a_progressive_jpeg_of_exactly_the_limit_decodes():
    # The decoder's memory cap (6 bytes a pixel of the limit) must leave room for its other
    # buffers: 4:4:4 needs exactly 6 bytes a pixel of coefficients.
    data = encoded(PILImage.new("RGB", (4096, 4096), (10, 200, 30)), "JPEG", progressive=True, subsampling=0)
    img = Image.from_bytes(data, max_decode_pixels=4096 * 4096)
    assert array(render_all(img, (64, 64))).shape == (64, 64, 3)


def test_a_tiled_tiff_over_the_limit_still_serves_small_regions(tmp_path):
    RGB.save(tmp_path / "in.tif")
    run("tiffcp", "-t", "-w", "64", "-l", "64", tmp_path / "in.tif", tmp_path / "tiled.tif")
    img = Image.open(tmp_path / "tiled.tif", max_decode_pixels=64 * 64)
    out = img.render(img.plan((70, 70, 50, 50), (50, 50), format="png"))
    np.testing.assert_array_equal(array(out), np.asarray(RGB)[70:120, 70:120])
    with pytest.raises(LimitError):
        render_all(img)


@pytest.mark.parametrize("limit", [2**61, 2**62, 2**63, 2**64 - 1])
@pytest.mark.parametrize("data", [PNG, JPEG, TIFF, JP2], ids=["png", "jpeg", "tiff", "jp2"])
def test_a_huge_limit_is_no_limit(data, limit):
    # Regression: the PNG decoder's byte limit was the pixel limit times 8, which wrapped to
    # almost nothing for limits from 2^61.
    assert array(render_all(Image.from_bytes(data, max_decode_pixels=limit))).shape == (240, 320, 3)


def test_the_output_size_counts_against_the_limit():
    img = Image.from_bytes(PNG, max_decode_pixels=320 * 240)
    with pytest.raises(LimitError):
        img.render(img.plan((0, 0, 320, 240), (640, 480)))


# --- Storage and caller mistakes ------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(ImageIoError):
        Image.open(tmp_path / "nothing-here.jpg")


@pytest.mark.parametrize(
    ("region", "size", "options"),
    [
        ((0, 0, 321, 240), (10, 10), {}),
        ((320, 0, 1, 1), (1, 1), {}),
        ((0, 0, 0, 10), (10, 10), {}),
        ((0, 0, 10, 10), (0, 10), {}),
        ((0, 0, 10, 10), (10, 10), {"rotation": 361}),
        ((0, 0, 320, 240), (16_384, 10), {"format": "webp"}),
        ((0, 0, 320, 240), (12_000, 12_000), {"format": "webp", "rotation": 45}),
        ((0, 0, 320, 240), (10, 65_536), {"format": "gif", "rotation": 90}),
        ((0, 0, 320, 240), (65_501, 10), {"format": "jpg"}),
        ((0, 0, 320, 240), (65_501, 10), {"format": "tif", "tiff_compression": "jpeg"}),
    ],
)
def test_requests_that_do_not_fit_are_request_errors(region, size, options):
    with pytest.raises(RequestError):
        Image.from_bytes(PNG).plan(region, size, **options)


@pytest.mark.parametrize(
    "options",
    [{"quality": "sepia"}, {"format": "jp2"}, {"format": "tif", "tiff_compression": "zstd"}],
)
def test_unknown_names_are_value_errors(options):
    with pytest.raises(ValueError):
        Image.from_bytes(PNG).plan((0, 0, 10, 10), (10, 10), **options)


def test_a_plan_for_another_image_is_refused():
    small = Image.from_bytes(encoded(RGB.resize((32, 24)), "PNG"))
    plan = Image.from_bytes(PNG).plan((100, 100, 200, 100), (200, 100))
    with pytest.raises(ValueError):
        small.render(plan)
