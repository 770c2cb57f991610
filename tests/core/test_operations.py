"""Operations through `Image.plan` + `Image.render` on lossless PNG sources: regions, resizing,
mirroring, rotation, gray, bitonal and alpha. Geometry and colour steps are exact (compared
with numpy); resizing is compared with Pillow's Lanczos.

Tolerances: resizing is Lanczos3 on both sides, but fast_image_resize and Pillow order and
round their two passes differently, which moves a few samples next to hard edges by up to
~30 levels: mean < 0.5 and 99% of samples within 2. With alpha, colour is compared
premultiplied (what is seen) and alpha itself within 1. Flattening onto a background is
compared with the exact composite encoded by Pillow's JPEG encoder at the same quality and
subsampling: the encoders are both libjpeg-turbo, so mean < 0.5 and 99% within 2. A gray
JPEG at quality 95 against the exact luma: mean < 2 (the encoder's loss alone).
"""

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image, RequestError

from .helpers import assert_close, decode, diff, luma, render
from .synth import alpha_ramp, photo

W, H = 240, 160


@pytest.fixture(scope="module")
def sources():
    """Pixels and opened images: RGB, RGBA and gray, each held as PNG."""
    rgb = photo(W, H, seed=7)
    arrays = {
        "rgb": rgb,
        "rgba": np.dstack([rgb, alpha_ramp(W, H)]),
        "gray": np.asarray(PILImage.fromarray(rgb).convert("L")),
        "gray-alpha": np.dstack([np.asarray(PILImage.fromarray(rgb).convert("L")), alpha_ramp(W, H)]),
    }
    images = {}
    for name, arr in arrays.items():
        buf = io.BytesIO()
        PILImage.fromarray(arr).save(buf, "PNG")
        images[name] = Image.from_bytes(buf.getvalue())
    return arrays, images


def premultiplied(rgba):
    return rgba[..., :3].astype(np.float64) * rgba[..., 3:4] / 255


@pytest.mark.parametrize("name", ["rgb", "rgba", "gray", "gray-alpha"])
@pytest.mark.parametrize(
    "region",
    [(0, 0, W, H), (0, 0, 1, 1), (W - 1, H - 1, 1, 1), (0, 0, 1, H), (W - 1, 0, 1, H), (0, H - 1, W, 1),
     (200, 120, 40, 40), (13, 7, 101, 77)],
)
def test_regions_at_edges_are_exact(sources, name, region):
    arrays, images = sources
    plan, out = render(images[name], region)
    assert not plan.resized and plan.output_size == region[2:]
    x, y, w, h = region
    np.testing.assert_array_equal(np.asarray(out), arrays[name][y : y + h, x : x + w])


def test_no_op_steps_stay_out_of_the_plan(sources):
    _, images = sources
    plan = images["rgb"].plan((0, 0, W, H), (W, H), quality="color", format="png")
    assert plan.steps == [f"read level 0 ({W}x{H}) rect 0,0,{W},{H}", "encode png"]
    plan = images["gray"].plan((0, 0, W, H), (W, H), quality="gray", format="jpg", jpeg_quality=70)
    assert plan.steps == [f"read level 0 ({W}x{H}) rect 0,0,{W},{H}", "encode jpg q70"]
    plan = images["rgba"].plan((0, 0, W, H), (60, 40), mirror=True, rotation=90, quality="bitonal", format="jpg")
    assert [s.split(" ")[0] for s in plan.steps] == ["read", "resize", "mirror", "rotate", "flatten", "bitonal", "encode"]


@pytest.mark.parametrize("name", ["rgb", "gray"])
@pytest.mark.parametrize(
    ("region", "size"),
    [((0, 0, W, H), (97, 61)), ((0, 0, W, H), (120, 80)), ((0, 0, W, H), (500, 333)),
     ((13, 7, 101, 77), (50, 38)), ((13, 7, 101, 77), (303, 231)), ((200, 100, 40, 60), (7, 9)),
     ((0, 0, W, H), (W, 1)), ((0, 0, W, H), (1, 1))],
)
def test_resize_is_close_to_pillow_lanczos(sources, name, region, size):
    arrays, images = sources
    plan, out = render(images[name], region, size)
    assert plan.resized
    x, y, w, h = region
    want = np.asarray(PILImage.fromarray(arrays[name]).crop((x, y, x + w, y + h)).resize(size, PILImage.LANCZOS))
    assert_close(np.asarray(out), want, mean=0.5, p99=2, what=f"{region} -> {size}")


@pytest.mark.parametrize(("region", "size"), [((0, 0, W, H), (97, 61)), ((0, 0, W, H), (500, 333)), ((13, 7, 101, 77), (50, 38))])
def test_resize_with_alpha_filters_premultiplied(sources, region, size):
    arrays, images = sources
    _, out = render(images["rgba"], region, size)
    x, y, w, h = region
    crop = PILImage.fromarray(arrays["rgba"]).crop((x, y, x + w, y + h))
    want = np.asarray(crop.convert("RGBa").resize(size, PILImage.LANCZOS).convert("RGBA"))
    out = np.asarray(out)
    assert diff(out[..., 3], want[..., 3]).max() <= 1
    d = np.abs(premultiplied(out) - premultiplied(want))
    assert d.mean() < 0.5 and np.percentile(d, 99) <= 2, (d.mean(), np.percentile(d, 99))


@pytest.mark.parametrize("name", ["rgb", "rgba", "gray-alpha"])
@pytest.mark.parametrize("mirror", [False, True])
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_mirror_and_rotation_are_exact(sources, name, mirror, rotation):
    arrays, images = sources
    region = (13, 7, 101, 77)
    plan, out = render(images[name], region, mirror=mirror, rotation=rotation)
    x, y, w, h = region
    want = arrays[name][y : y + h, x : x + w]
    if mirror:
        want = np.fliplr(want)
    want = np.rot90(want, k=-rotation // 90)
    assert plan.output_size == (want.shape[1], want.shape[0])
    np.testing.assert_array_equal(np.asarray(out), want)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_output_size_after_rotation(sources, rotation):
    _, images = sources
    plan = images["rgb"].plan((10, 20, 200, 100), (100, 50), rotation=rotation, format="jpg")
    assert plan.output_size == ((50, 100) if rotation % 180 else (100, 50))
    out = decode(images["rgb"].render(plan))
    assert (out.format, out.size) == ("JPEG", plan.output_size)


def test_resize_then_rotate_matches_numpy_on_the_resized_image(sources):
    _, images = sources
    _, straight = render(images["rgb"], (5, 5, 200, 150), (80, 60))
    _, turned = render(images["rgb"], (5, 5, 200, 150), (80, 60), mirror=True, rotation=90)
    np.testing.assert_array_equal(np.asarray(turned), np.rot90(np.fliplr(np.asarray(straight)), k=-1))


@pytest.mark.parametrize("name", ["rgb", "rgba"])
def test_gray_is_rec601_luma_in_one_channel(sources, name):
    arrays, images = sources
    _, out = render(images[name], quality="gray")
    assert out.mode == ("LA" if name == "rgba" else "L")
    out = np.asarray(out)
    gray = out[..., 0] if name == "rgba" else out
    np.testing.assert_array_equal(gray, luma(arrays[name]))
    assert diff(gray, np.asarray(PILImage.fromarray(arrays["rgb"]).convert("L"))).max() <= 1
    if name == "rgba":
        np.testing.assert_array_equal(out[..., 1], arrays["rgba"][..., 3])


def test_gray_jpeg_has_one_component(sources):
    arrays, images = sources
    plan, out = render(images["rgb"], quality="gray", format="jpg", jpeg_quality=95)
    assert "gray" in plan.steps and out.mode == "L"
    assert_close(np.asarray(out), luma(arrays["rgb"]), mean=2, what="gray jpeg")


@pytest.mark.parametrize("name", ["rgb", "gray"])
def test_bitonal_png_is_one_bit_black_and_white(sources, name):
    arrays, images = sources
    plan = images[name].plan((0, 0, W, H), (W, H), quality="bitonal", format="png")
    data = images[name].render(plan)
    assert data[24:26] == b"\x01\x00"  # IHDR: bit depth 1, colour type 0 (gray)
    out = np.asarray(decode(data).convert("L"))
    assert set(np.unique(out)) <= {0, 255}
    gray = luma(arrays["rgb"]) if name == "rgb" else arrays["gray"]
    np.testing.assert_array_equal(out, np.where(gray >= 128, 255, 0))


def test_bitonal_keeps_alpha_in_png(sources):
    arrays, images = sources
    _, out = render(images["rgba"], quality="bitonal")
    out = np.asarray(out)
    assert out.shape == (H, W, 2) and set(np.unique(out[..., 0])) <= {0, 255}
    np.testing.assert_array_equal(out[..., 1], arrays["rgba"][..., 3])


def test_alpha_is_kept_in_png(sources):
    arrays, images = sources
    plan, out = render(images["rgba"])
    assert "flatten alpha" not in plan.steps and out.mode == "RGBA"
    np.testing.assert_array_equal(np.asarray(out), arrays["rgba"])


@pytest.mark.parametrize("background", [(255, 255, 255), (255, 0, 0), (0, 40, 90)])
@pytest.mark.parametrize("name", ["rgba", "gray-alpha"])
def test_alpha_is_flattened_onto_the_background_in_jpeg(sources, name, background):
    arrays, images = sources
    plan, out = render(images[name], format="jpg", jpeg_quality=95, background=background)
    assert "flatten alpha" in plan.steps
    src = arrays[name].astype(np.float64)
    a = src[..., -1:] / 255
    if name == "rgba":
        want = src[..., :3] * a + np.array(background) * (1 - a)
    else:
        want = src[..., 0] * a[..., 0] + luma(np.array(background, np.uint8)) * (1 - a[..., 0])
    assert out.mode == ("RGB" if name == "rgba" else "L")
    # The same composite through Pillow's JPEG encoder at the same settings isolates the flatten.
    buf = io.BytesIO()
    PILImage.fromarray(np.round(want).astype(np.uint8)).save(buf, "JPEG", quality=95, subsampling="4:2:0")
    assert_close(np.asarray(out), np.asarray(decode(buf.getvalue())), mean=0.5, p99=2, what=f"{name} on {background}")
    transparent = arrays[name][..., -1] == 0
    assert np.abs(np.asarray(out)[transparent].astype(int) - np.round(want[transparent])).mean() < 2



def _png(pixels, mode):
    buf = io.BytesIO()
    PILImage.fromarray(pixels, mode).save(buf, "PNG")
    return Image.from_bytes(buf.getvalue())


def test_bitonal_of_an_image_with_alpha_is_black_and_white_in_jpeg():
    rgba = np.zeros((40, 64, 4), np.uint8)
    rgba[..., 0] = np.linspace(0, 255, 64, dtype=np.uint8)[None, :]
    rgba[..., 3] = np.linspace(0, 255, 40, dtype=np.uint8)[:, None]
    img = _png(rgba, "RGBA")
    plan = img.plan((0, 0, 64, 40), (64, 40), quality="bitonal", format="jpg")
    assert plan.steps.index("flatten alpha") < plan.steps.index("bitonal")
    values = np.asarray(PILImage.open(io.BytesIO(img.render(plan))).convert("L"), dtype=int)
    # JPEG rings a little at the black/white edges, but nothing is mid-gray any more.
    assert np.mean((values > 40) & (values < 215)) < 0.02


def test_regions_that_overflow_32_bits_are_refused_not_panicking():
    img = _png(np.zeros((4, 4, 3), np.uint8), "RGB")
    with pytest.raises(RequestError):
        img.plan((0xFFFFFFFF, 0, 2, 2), (2, 2))


@pytest.mark.parametrize("degrees", [30.0, 45.0, 137.5, 315.0])
def test_any_angle_turns_onto_a_transparent_canvas(degrees):
    src = np.zeros((60, 100, 3), np.uint8)
    src[...] = (200, 40, 40)
    img = _png(src, "RGB")
    plan = img.plan((0, 0, 100, 60), (100, 60), rotation=degrees, format="png")
    out = np.asarray(PILImage.open(io.BytesIO(img.render(plan))))
    expected = PILImage.fromarray(src).rotate(-degrees, expand=True)
    assert plan.output_size == (out.shape[1], out.shape[0])
    assert abs(out.shape[1] - expected.size[0]) <= 1 and abs(out.shape[0] - expected.size[1]) <= 1
    assert out.shape[2] == 4
    assert out[0, 0, 3] == 0 and out[-1, -1, 3] == 0  # corners uncovered
    cy, cx = out.shape[0] // 2, out.shape[1] // 2
    np.testing.assert_array_equal(out[cy, cx], [200, 40, 40, 255])
    # The covered area is the image's area (within the anti-aliased edge).
    covered = (out[..., 3] > 127).sum()
    assert abs(covered - 6000) < 0.04 * 6000


def test_any_angle_in_jpeg_fills_the_corners_with_the_background():
    img = _png(np.zeros((60, 100, 3), np.uint8), "RGB")
    plan = img.plan((0, 0, 100, 60), (100, 60), rotation=45.0, format="jpg", background=(0, 0, 255))
    assert "flatten alpha" in plan.steps
    out = np.asarray(PILImage.open(io.BytesIO(img.render(plan))).convert("RGB"), dtype=int)
    assert out[2, 2, 2] > 200 and out[2, 2, 0] < 60
    assert out[out.shape[0] // 2, out.shape[1] // 2].max() < 30
