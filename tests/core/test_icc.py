"""Embedded ICC profiles travel from the source to jpg, png and tif output while they still
describe the pixels; a gray or bitonal step, or a colour space that no longer matches (CMYK
converted to RGB), drops them. Pillow reads the profiles back (reassembling JPEG's APP2 chunks)."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageCms

from casaba._core import Image

from .synth import photo

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
PHOTO = PILImage.fromarray(photo(96, 64, seed=4))


def encoded(im, fmt, **options):
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def profile_of(data):
    return PILImage.open(io.BytesIO(data)).info.get("icc_profile")


def out(img, fmt, **options):
    return img.render(img.plan((0, 0, img.width, img.height), (48, 32), format=fmt, **options))


@pytest.mark.parametrize("source_fmt", ["JPEG", "PNG", "TIFF"])
@pytest.mark.parametrize("out_fmt", ["jpg", "png", "tif"])
def test_a_profile_travels_to_the_output(source_fmt, out_fmt):
    img = Image.from_bytes(encoded(PHOTO, source_fmt, icc_profile=SRGB))
    assert profile_of(out(img, out_fmt)) == SRGB


def test_gray_and_bitonal_drop_an_rgb_profile():
    img = Image.from_bytes(encoded(PHOTO, "JPEG", icc_profile=SRGB))
    assert profile_of(out(img, "png", quality="gray")) is None
    assert profile_of(out(img, "png", quality="bitonal")) is None


def test_a_gray_profile_stays_with_gray_pixels():
    gray_profile = SRGB[:16] + b"GRAY" + SRGB[20:]
    img = Image.from_bytes(encoded(PHOTO.convert("L"), "PNG", icc_profile=gray_profile))
    assert profile_of(out(img, "jpg")) == gray_profile


def test_a_cmyk_profile_is_not_put_on_rgb_output():
    cmyk_profile = SRGB[:16] + b"CMYK" + SRGB[20:]
    img = Image.from_bytes(encoded(PHOTO.convert("CMYK"), "JPEG", icc_profile=cmyk_profile))
    assert profile_of(out(img, "jpg")) is None


def test_a_large_profile_is_split_into_app2_chunks():
    big = SRGB + bytes(150_000)
    data = out(Image.from_bytes(encoded(PHOTO, "PNG", icc_profile=big)), "jpg")
    assert data.count(b"ICC_PROFILE\0") == 3
    assert profile_of(data) == big
    # The image itself is intact.
    assert np.asarray(PILImage.open(io.BytesIO(data))).shape == (32, 48, 3)


def test_a_webp_profile_is_read_too():
    img = Image.from_bytes(encoded(PHOTO, "WEBP", icc_profile=SRGB, quality=90))
    assert profile_of(out(img, "png")) == SRGB
