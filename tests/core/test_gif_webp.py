"""GIF (first frame) and WebP inputs, against Pillow's decode.

Tolerances: GIF is lossless after quantisation and compared exactly with Pillow's RGBA decode;
lossless WebP exactly; lossy WebP within libwebp's own decode (Pillow uses libwebp too, but a
different version may round differently): mean < 1."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image, UnsupportedError

from .helpers import assert_close, render
from .synth import photo


def encoded(im, fmt, **options):
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


PHOTO = PILImage.fromarray(photo(160, 120, seed=9))


def test_opaque_gif_is_rgb():
    data = encoded(PHOTO.quantize(64), "GIF")
    img = Image.from_bytes(data)
    assert (img.format, img.width, img.height, img.channels) == ("gif", 160, 120, 3)
    _, out = render(img)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB")))


def test_transparent_gif_keeps_alpha():
    pal = PHOTO.quantize(16)
    data = encoded(pal, "GIF", transparency=0)
    img = Image.from_bytes(data)
    assert img.channels == 4
    _, out = render(img)
    ref = np.asarray(PILImage.open(io.BytesIO(data)).convert("RGBA"))
    got = np.asarray(out)
    np.testing.assert_array_equal(got[..., 3], ref[..., 3])
    opaque = ref[..., 3] == 255
    np.testing.assert_array_equal(got[opaque], ref[opaque])


def test_animated_gif_gives_its_first_frame():
    frames = [PHOTO.quantize(32), PILImage.new("RGB", (160, 120), (255, 0, 0)).quantize(2)]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
    _, out = render(Image.from_bytes(data), (20, 20, 40, 40))
    ref = np.asarray(frames[0].convert("RGB"))[20:60, 20:60]
    np.testing.assert_array_equal(np.asarray(out), ref)


def test_lossless_webp_with_alpha_is_exact():
    rgba = PHOTO.convert("RGBA")
    rgba.putalpha(PILImage.linear_gradient("L").resize((160, 120)))
    data = encoded(rgba, "WEBP", lossless=True)
    img = Image.from_bytes(data)
    assert (img.format, img.channels) == ("webp", 4)
    _, out = render(img)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(rgba))


def test_lossy_webp():
    data = encoded(PHOTO, "WEBP", quality=85)
    img = Image.from_bytes(data)
    assert img.channels == 3
    _, out = render(img, (10, 10, 100, 80))
    ref = np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))[10:90, 10:110]
    assert_close(np.asarray(out), ref, mean=1.0, what="lossy webp")


def test_animated_webp_is_refused():
    frames = [PHOTO, PHOTO.transpose(PILImage.Transpose.FLIP_LEFT_RIGHT)]
    data = encoded(frames[0], "WEBP", save_all=True, append_images=frames[1:])
    with pytest.raises(UnsupportedError, match="animated"):
        Image.from_bytes(data)
