"""The gif, webp and tif encoders through `Image.plan` + `Image.render`, each output decoded by
Pillow (libtiff for TIFF, libwebp for WebP) and compared with the pixels it was made from; every
TIFF also read by `tiffinfo -D` (structure and every strip), which must not warn.

Tolerances. TIFF with none, LZW, Deflate or PackBits: exact, alpha included. Bitonal output is
exact black and white, 1 bit a pixel in TIFF (except JPEG) and a two-colour palette in GIF.
GIF: gray is exact (a palette of every gray; with transparency one gray gives up its entry and
moves by 1); colour goes through 256 colours, so the mean error must stay within 1.5 times
that of Pillow's own median-cut palette for the same picture (8.3 vs 7.1 levels here). GIF
transparency is on or off: alpha must be exactly 0 below 128 and 255 from 128. WebP at quality
80 (4:2:0 chroma): mean < 5 on colour, < 2.5 on gray, what libjpeg-turbo loses at the same
quality on the same noisy picture (4.3 and 1.9); alpha is kept losslessly, so exactly, and
colour is compared premultiplied. JPEG-compressed TIFF at quality 80: the same bounds as WebP;
with alpha each sample is a gray JPEG plane, alpha included: alpha mean < 0.5, max 16.
"""

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image

from .helpers import decode, diff, luma, run
from .synth import alpha_ramp, photo

W, H = 203, 149
MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}
LOSSLESS = ["none", "lzw", "deflate", "packbits"]
#: What Pillow calls each compression in `info["compression"]`.
PILLOW_NAMES = {"none": "raw", "lzw": "tiff_lzw", "deflate": "tiff_adobe_deflate", "packbits": "packbits", "jpeg": "jpeg"}
#: What tiffinfo calls each compression.
TIFFINFO_NAMES = {"none": "None", "lzw": "LZW", "deflate": "AdobeDeflate", "packbits": "PackBits", "jpeg": "JPEG"}


def arrays(w, h, seed):
    rgb = photo(w, h, seed=seed)
    gray = np.asarray(PILImage.fromarray(rgb).convert("L"))
    alpha = alpha_ramp(w, h)
    return {"rgb": rgb, "rgba": np.dstack([rgb, alpha]), "gray": gray, "gray-alpha": np.dstack([gray, alpha])}


def as_png(pixels):
    buf = io.BytesIO()
    PILImage.fromarray(pixels).save(buf, "PNG")
    return Image.from_bytes(buf.getvalue())


@pytest.fixture(scope="module")
def sources():
    """Pixels and images held as PNG: 203x149 (one strip) and 150x2000 (several strips)."""
    out = {}
    for size, seed in (((W, H), 11), ((150, 2000), 12)):
        for name, pixels in arrays(*size, seed).items():
            out[name, size] = (pixels, as_png(pixels))
    return out


def encode(img, fmt, **options):
    """The whole image in `fmt`: the plan and the encoded bytes."""
    plan = img.plan((0, 0, img.width, img.height), (img.width, img.height), format=fmt, **options)
    return plan, img.render(plan)


def luma_threshold(pixels):
    """The bitonal quality of RGB(A) pixels: black below the middle of Rec. 601 luma, white from it."""
    return np.where(luma(pixels) >= 128, 255, 0)


def premultiplied(pixels):
    return pixels[..., :-1].astype(np.float64) * pixels[..., -1:] / 255


# --- TIFF -----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(W, H), (150, 2000)])
@pytest.mark.parametrize("compression", LOSSLESS)
@pytest.mark.parametrize("name", ["rgb", "rgba", "gray", "gray-alpha"])
def test_lossless_tiff_is_exact(sources, name, compression, size):
    pixels, img = sources[name, size]
    plan, data = encode(img, "tif", tiff_compression=compression)
    assert plan.steps[-1] == f"encode tif {compression}" and "flatten alpha" not in plan.steps
    out = decode(data)
    assert (out.format, out.size, out.mode) == ("TIFF", size, MODES[img.channels])
    assert out.info["compression"] == PILLOW_NAMES[compression]
    assert out.tag_v2.get(317, 1) == (2 if compression in ("lzw", "deflate") else 1)  # Predictor
    assert (len(out.tag_v2[273]) > 1) == (size == (150, 2000))  # StripOffsets
    np.testing.assert_array_equal(np.asarray(out), pixels)


@pytest.mark.parametrize("size", [(W, H), (150, 2000)])
@pytest.mark.parametrize("name", ["rgb", "gray"])
def test_jpeg_tiff_is_close(sources, name, size):
    pixels, img = sources[name, size]
    plan, data = encode(img, "tif", tiff_compression="jpeg", jpeg_quality=80)
    assert plan.steps[-1] == "encode tif jpeg q80"
    out = decode(data)
    assert (out.size, out.mode, out.info["compression"]) == (size, MODES[img.channels], "jpeg")
    assert out.tag_v2[262] == (6 if name == "rgb" else 1)  # YCbCr for colour
    assert (len(out.tag_v2[273]) > 1) == (size == (150, 2000))
    d = diff(np.asarray(out), pixels)
    assert d.mean() < (5 if name == "rgb" else 2.5), d.mean()


@pytest.mark.parametrize("name", ["rgba", "gray-alpha"])
def test_jpeg_tiff_keeps_alpha_in_planes_of_its_own(sources, name):
    pixels, img = sources[name, (W, H)]
    _, data = encode(img, "tif", tiff_compression="jpeg", jpeg_quality=80)
    out = decode(data)
    # Gray + alpha comes back as RGBA: readers misread it in separate planes.
    assert (out.mode, out.tag_v2[284]) == ("RGBA", 2)
    out = np.asarray(out)
    rgba = pixels if name == "rgba" else np.dstack([pixels[..., :1].repeat(3, axis=2), pixels[..., 1]])
    a = diff(out[..., 3], rgba[..., 3])
    assert a.mean() < 0.5 and a.max() <= 16, (a.mean(), a.max())
    colour = np.abs(premultiplied(out) - premultiplied(rgba))
    assert colour.mean() < 5, colour.mean()


@pytest.mark.parametrize("compression", LOSSLESS)
@pytest.mark.parametrize("size", [(W, H), (2100, 1300)])
def test_bitonal_tiff_is_one_bit(compression, size):
    pixels = photo(*size, seed=13)
    _, data = encode(as_png(pixels), "tif", quality="bitonal", tiff_compression=compression)
    out = decode(data)
    assert (out.mode, out.tag_v2[258]) == ("1", (1,))
    np.testing.assert_array_equal(np.asarray(out.convert("L")), luma_threshold(pixels))


def test_bitonal_tiff_with_jpeg_is_eight_bit_gray(sources):
    pixels, img = sources["rgb", (W, H)]
    _, data = encode(img, "tif", quality="bitonal", tiff_compression="jpeg", jpeg_quality=90)
    out = decode(data)
    assert out.mode == "L"
    # JPEG rings a little at the black/white edges, but nothing is mid-gray any more.
    values = np.asarray(out, dtype=int)
    assert np.mean((values > 40) & (values < 215)) < 0.05
    assert np.mean(np.abs(values - luma_threshold(pixels)) > 128) < 0.001


@pytest.mark.parametrize("compression", [*LOSSLESS, "jpeg"])
@pytest.mark.parametrize("case", ["rgb", "rgba", "gray", "gray-alpha", "bitonal"])
def test_tiffinfo_reads_every_strip_without_warnings(sources, tmp_path, compression, case):
    name = "rgb" if case == "bitonal" else case
    _, img = sources[name, (150, 2000)]
    _, data = encode(img, "tif", tiff_compression=compression, quality="bitonal" if case == "bitonal" else "default")
    path = tmp_path / "out.tif"
    path.write_bytes(data)
    result = run("tiffinfo", "-D", path)
    assert result.stderr == ""
    assert f"Compression Scheme: {TIFFINFO_NAMES[compression]}" in result.stdout


@pytest.mark.parametrize("compression", [*LOSSLESS, "jpeg"])
@pytest.mark.parametrize("name", ["rgb", "gray"])
def test_the_core_reads_the_tiffs_it_writes(sources, compression, name):
    _, img = sources[name, (W, H)]
    _, data = encode(img, "tif", tiff_compression=compression)
    back = Image.from_bytes(data)
    assert (back.format, back.compression, back.width, back.height) == ("tiff", compression, W, H)
    _, png = encode(back, "png")
    np.testing.assert_array_equal(np.asarray(decode(png)), np.asarray(decode(data)))


# --- GIF ------------------------------------------------------------------------------------


def gif_table_size(data):
    """Entries in the global colour table, from the logical screen descriptor."""
    assert data[10] & 0x80
    return 2 << (data[10] & 0x07)


def test_gray_gif_is_exact(sources):
    pixels, img = sources["gray", (W, H)]
    plan, data = encode(img, "gif")
    assert plan.steps[-1] == "encode gif"
    out = decode(data)
    assert (out.format, out.size) == ("GIF", (W, H))
    np.testing.assert_array_equal(np.asarray(out.convert("L")), pixels)


def test_colour_gif_is_within_quantisation_error(sources):
    pixels, img = sources["rgb", (W, H)]
    _, data = encode(img, "gif")
    out = decode(data)
    assert (out.size, out.mode) == ((W, H), "P") and gif_table_size(data) == 256
    ours = diff(np.asarray(out.convert("RGB")), pixels).mean()
    pillow = diff(np.asarray(PILImage.fromarray(pixels).quantize(256).convert("RGB")), pixels).mean()
    assert ours < 1.5 * pillow, (ours, pillow)


def test_a_gif_of_few_colours_is_exact():
    colours = np.array([[200, 30, 30], [30, 200, 30], [30, 30, 200], [250, 250, 250], [0, 0, 0]], np.uint8)
    pixels = colours[np.add.outer(np.arange(90) // 7, np.arange(130) // 11) % len(colours)]
    _, data = encode(as_png(pixels), "gif")
    assert gif_table_size(data) == 8
    np.testing.assert_array_equal(np.asarray(decode(data).convert("RGB")), pixels)


@pytest.mark.parametrize("name", ["rgba", "gray-alpha"])
def test_gif_transparency_is_on_or_off(sources, name):
    pixels, img = sources[name, (W, H)]
    plan, data = encode(img, "gif")
    assert "flatten alpha" not in plan.steps
    out = np.asarray(decode(data).convert("RGBA"))
    np.testing.assert_array_equal(out[..., 3], np.where(pixels[..., -1] >= 128, 255, 0))
    seen = pixels[..., -1] >= 128
    if name == "gray-alpha":
        assert diff(out[..., 0][seen], pixels[..., 0][seen]).max() <= 1
    else:
        assert diff(out[..., :3][seen], pixels[..., :3][seen]).mean() < 10


def test_a_few_transparent_pixels_among_many_colours_stay_alone():
    pixels = np.dstack([photo(120, 80, seed=14), np.full((80, 120), 255, np.uint8)])
    pixels[[0, 40, 79], [0, 60, 119], 3] = 0
    _, data = encode(as_png(pixels), "gif")
    out = np.asarray(decode(data).convert("RGBA"))
    np.testing.assert_array_equal(out[..., 3], pixels[..., 3])


@pytest.mark.parametrize("name", ["rgb", "rgba"])
def test_bitonal_gif_has_two_colours(sources, name):
    pixels, img = sources[name, (W, H)]
    _, data = encode(img, "gif", quality="bitonal")
    # Black and white, and a third entry for transparency when the image has any.
    assert gif_table_size(data) == (2 if name == "rgb" else 4)
    out = np.asarray(decode(data).convert("RGBA"))
    if name == "rgba":
        np.testing.assert_array_equal(out[..., 3], np.where(pixels[..., 3] >= 128, 255, 0))
    seen = out[..., 3] == 255
    np.testing.assert_array_equal(out[..., 0][seen], luma_threshold(pixels)[seen])


# --- WebP -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["rgb", "gray"])
def test_webp_is_close(sources, name):
    pixels, img = sources[name, (W, H)]
    plan, data = encode(img, "webp", webp_quality=80)
    assert plan.steps[-1] == "encode webp q80"
    out = decode(data)
    assert (out.format, out.size, out.mode) == ("WEBP", (W, H), "RGB")
    out = np.asarray(out)
    if name == "gray":
        assert diff(out[..., 0], out[..., 2]).max() <= 2
        out = out[..., 1]
    d = diff(out, pixels)
    assert d.mean() < (5 if name == "rgb" else 2.5), d.mean()


@pytest.mark.parametrize("name", ["rgba", "gray-alpha"])
def test_webp_keeps_alpha_exactly(sources, name):
    pixels, img = sources[name, (W, H)]
    plan, data = encode(img, "webp")
    assert "flatten alpha" not in plan.steps
    out = decode(data)
    assert out.mode == "RGBA"
    out = np.asarray(out)
    np.testing.assert_array_equal(out[..., 3], pixels[..., -1])
    if name == "gray-alpha":
        out = out[..., [1, 3]]
    colour = np.abs(premultiplied(out) - premultiplied(pixels))
    assert colour.mean() < 5, colour.mean()


def test_webp_quality_is_the_configured_one(sources):
    _, img = sources["rgb", (W, H)]
    sizes = [len(encode(img, "webp", webp_quality=q)[1]) for q in (20, 60, 95)]
    assert sizes == sorted(sizes) and sizes[0] * 2 < sizes[2]


def test_a_tile_rotated_and_resized_into_each_format(sources):
    pixels, img = sources["rgb", (W, H)]
    for fmt in ("gif", "webp", "tif"):
        plan = img.plan((10, 20, 120, 80), (60, 40), rotation=90, mirror=True, format=fmt)
        out = decode(img.render(plan))
        assert out.size == plan.output_size == (40, 60)


def test_progressive_jpeg_when_asked_and_baseline_otherwise():
    out = io.BytesIO()
    PILImage.fromarray(photo(300, 200, seed=4)).save(out, format="PNG")
    img = Image.from_bytes(out.getvalue())
    baseline = img.render(img.plan((0, 0, 300, 200), (150, 100), format="jpg"))
    progressive = img.render(img.plan((0, 0, 300, 200), (150, 100), format="jpg", jpeg_progressive=True))
    assert b"\xff\xc0" in baseline[:2000] and b"\xff\xc2" not in baseline[:2000]
    assert b"\xff\xc2" in progressive[:2000]
    with PILImage.open(io.BytesIO(progressive)) as p, PILImage.open(io.BytesIO(baseline)) as b:
        assert p.info.get("progressive") and not b.info.get("progressive")
        assert diff(np.asarray(p), np.asarray(b)).max() <= 2
