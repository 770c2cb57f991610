"""CMYK inputs converted to RGB, EXIF/TIFF orientation applied, multi-page TIFF pages.

Tolerances: CMYK without a profile is converted by the formula Pillow uses ((255-C)(255-K)/255)
from the same libjpeg-turbo decode, so it is compared within 1 (rounding); with its profile, the
conversion is moxcms's, compared with lcms2's within mean 1 and 99% within 3. Orientation
is compared with Pillow's `exif_transpose` of the same decode: exact for lossless PNG output of a
full-size render, and close (mean < 1.5) where a DCT-scaled level is resampled."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageOps

from casaba._core import Image, RequestError

from .helpers import assert_close, decode, render, run
from .synth import photo


def encoded(im, fmt, **options):
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


PHOTO = PILImage.fromarray(photo(320, 240, seed=5))


def pillow_rgb(data):
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
def test_cmyk_is_read_as_rgb(fmt):
    data = encoded(PHOTO.convert("CMYK"), fmt, **({"quality": 95} if fmt == "JPEG" else {}))
    img = Image.from_bytes(data)
    assert img.channels == 3
    _, out = render(img)
    assert_close(np.asarray(out), pillow_rgb(data), mean=0.05, peak=1, what=f"CMYK {fmt}")


def test_adobe_inverted_cmyk_with_its_profile_from_vips(tmp_path):
    """vips writes Adobe-inverted CMYK with its CMYK profile embedded: the colours come from the
    profile, compared with lcms2 (vips icc_transform) within moxcms's and lcms2's rounding."""
    src = tmp_path / "rgb.png"
    PHOTO.save(src)
    run("vips", "colourspace", src, tmp_path / "cmyk.v", "cmyk")
    run("vips", "jpegsave", tmp_path / "cmyk.v", tmp_path / "cmyk.jpg", "--Q", "95")
    run("vips", "icc_transform", tmp_path / "cmyk.jpg", tmp_path / "srgb.png", "srgb", "--embedded", "--intent", "relative")
    img = Image.open(str(tmp_path / "cmyk.jpg"))
    _, out = render(img)
    ref = np.asarray(PILImage.open(tmp_path / "srgb.png").convert("RGB"))
    assert_close(np.asarray(out), ref, mean=1.0, p99=3, what="CMYK JPEG through its profile")


def with_orientation(fmt, value):
    if fmt == "JPEG":
        exif = PILImage.Exif()
        exif[274] = value
        return encoded(PHOTO, "JPEG", quality=95, exif=exif)
    return encoded(PHOTO, "TIFF", tiffinfo={274: value})


@pytest.mark.parametrize("fmt", ["JPEG", "TIFF"])
@pytest.mark.parametrize("value", range(1, 9))
def test_orientation_stands_the_image_upright(fmt, value):
    data = with_orientation(fmt, value)
    upright = np.asarray(ImageOps.exif_transpose(PILImage.open(io.BytesIO(data))).convert("RGB"))
    img = Image.from_bytes(data)
    assert img.orientation == value
    assert (img.width, img.height) == (upright.shape[1], upright.shape[0])
    assert img.levels[0] == (img.width, img.height)
    _, out = render(img)
    assert_close(np.asarray(out), upright, mean=0.01, peak=1, what=f"orientation {value}")
    # A region is taken from the upright image.
    region = (30, 20, 90, 70)
    _, part = render(img, region)
    x, y, w, h = region
    assert_close(np.asarray(part), upright[y : y + h, x : x + w], mean=0.01, peak=1, what="region")
    # A reduced size reads a DCT level (JPEG) and still comes out upright.
    _, small = render(img, size=(img.width // 4, img.height // 4))
    ref = np.asarray(PILImage.fromarray(upright).resize((img.width // 4, img.height // 4), PILImage.LANCZOS))
    assert_close(np.asarray(small), ref, mean=1.5, what="reduced")


@pytest.mark.parametrize("value", [5, 6, 7, 8])
def test_orientation_composes_with_mirror_and_rotation(value):
    data = with_orientation("JPEG", value)
    upright = ImageOps.exif_transpose(PILImage.open(io.BytesIO(data))).convert("RGB")
    img = Image.from_bytes(data)
    _, out = render(img, mirror=True, rotation=90)
    expected = np.rot90(np.asarray(upright)[:, ::-1], k=-1)
    assert_close(np.asarray(out), expected, mean=0.01, peak=1, what="mirror + 90")


def test_pages_of_a_multi_page_tiff():
    pages = [PILImage.fromarray(photo(120, 80, seed=s)) for s in (1, 2, 3)]
    pages[1] = pages[1].resize((60, 60))
    data = encoded(pages[0], "TIFF", save_all=True, append_images=pages[1:], compression="tiff_lzw")
    first = Image.from_bytes(data)
    assert first.pages == 3
    for number, page in enumerate(pages, start=1):
        img = Image.from_bytes(data, page=number)
        assert (img.width, img.height) == page.size
        _, out = render(img)
        np.testing.assert_array_equal(np.asarray(out), np.asarray(page))
    for bad in (0, 4):
        with pytest.raises(RequestError):
            Image.from_bytes(data, page=bad)
    with pytest.raises(RequestError):
        Image.from_bytes(encoded(PHOTO, "PNG"), page=2)


def test_pyramid_pages_keep_their_levels(tmp_path):
    """A page followed by its reduced levels, then a second page: levels stay with their page."""
    a = PILImage.fromarray(photo(400, 300, seed=7))
    b = PILImage.fromarray(photo(200, 200, seed=8))
    data = encoded(a, "TIFF", save_all=True, append_images=[a.resize((200, 150)), a.resize((100, 75)), b])
    img = Image.from_bytes(data)
    assert img.pages == 2 and img.levels == [(400, 300), (200, 150), (100, 75)]
    assert Image.from_bytes(data, page=2).levels == [(200, 200)]


def test_cmyk_tiff_with_a_profile_uses_it(tmp_path):
    src = tmp_path / "rgb.png"
    PHOTO.save(src)
    run("vips", "colourspace", src, tmp_path / "cmyk.v", "cmyk")
    run("vips", "tiffsave", tmp_path / "cmyk.v", tmp_path / "cmyk.tif", "--compression", "lzw")
    run("vips", "icc_transform", tmp_path / "cmyk.tif", tmp_path / "srgb.png", "srgb", "--embedded", "--intent", "relative")
    _, out = render(Image.open(str(tmp_path / "cmyk.tif")))
    ref = np.asarray(PILImage.open(tmp_path / "srgb.png").convert("RGB"))
    assert_close(np.asarray(out), ref, mean=1.0, p99=3, what="CMYK TIFF through its profile")
