"""Aligned JPEG tile passthrough: a request that is exactly one stored JPEG tile, with nothing to
change, is answered with the stored bytes (tables merged in), or at a right or bottom edge with the
stored tile cut losslessly to the image. The answer must decode to the pixels the decoding path
gives for the same tile; every reason to refuse is tested."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image

from .helpers import run
from .synth import patch_tiff, photo


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("passthrough")
    PILImage.fromarray(photo(700, 520, seed=3)).save(root / "rgb.png")
    PILImage.fromarray(photo(700, 520, seed=3)).convert("L").save(root / "gray.png")
    tile = ["--tile", "--tile-width", "128", "--tile-height", "128", "--compression", "jpeg", "--Q", "90"]
    run("vips", "tiffsave", root / "rgb.png", root / "pyramid.tif", "--pyramid", *tile)
    run("vips", "tiffsave", root / "gray.png", root / "gray.tif", *tile)
    run("tiffcp", "-c", "jpeg:r", "-t", "-w", "128", "-l", "128", root / "pyramid.tif,0", root / "rgbjpeg.tif")
    run("tiffcp", "-c", "jpeg", "-s", "-r", "64", root / "pyramid.tif,0", root / "strips.tif")
    PILImage.fromarray(photo(300, 200, seed=3)).convert("CMYK").save(root / "cmyk-strips.tif")
    run("tiffcp", "-c", "jpeg", "-t", "-w", "128", "-l", "128", root / "cmyk-strips.tif", root / "cmyk.tif")
    return root


def open_(files, name):
    return Image.open(str(files / name))


def tile_plan(img, region, size=(128, 128), **options):
    return img.plan(region, size, **options)


def pixels(data):
    return np.asarray(PILImage.open(io.BytesIO(data)))


@pytest.mark.parametrize(("name", "region", "size"), [
    ("pyramid.tif", (128, 256, 128, 128), (128, 128)),
    ("pyramid.tif", (256, 0, 256, 256), (128, 128)),      # the level at 1/2
    ("pyramid.tif", (0, 0, 512, 512), (128, 128)),        # the level at 1/4
    ("gray.tif", (384, 128, 128, 128), (128, 128)),
    ("rgbjpeg.tif", (0, 0, 128, 128), (128, 128)),        # RGB (not YCbCr) JPEG data
])
def test_an_aligned_tile_is_sent_as_stored_and_decodes_like_the_decoding_path(files, name, region, size):
    img = open_(files, name)
    plan = tile_plan(img, region, size)
    assert plan.passthrough, plan.passthrough_refusal
    assert plan.steps[0].startswith("send stored JPEG tile")
    sent = img.render(plan)
    assert sent[:2] == b"\xff\xd8" and sent[-2:] == b"\xff\xd9"
    decoded = img.render(tile_plan(img, region, size, format="png"))
    np.testing.assert_array_equal(pixels(sent), pixels(decoded))


@pytest.mark.parametrize(("name", "region", "size"), [
    ("pyramid.tif", (640, 0, 60, 128), (60, 128)),        # the right edge: 700 = 5 x 128 + 60
    ("pyramid.tif", (0, 512, 128, 8), (128, 8)),          # the bottom edge: 520 = 4 x 128 + 8
    ("pyramid.tif", (640, 512, 60, 8), (60, 8)),          # the corner
    ("pyramid.tif", (512, 512, 188, 8), (94, 4)),         # the corner of the level at 1/2 (350x260)
    ("gray.tif", (640, 384, 60, 128), (60, 128)),
    ("rgbjpeg.tif", (640, 0, 60, 128), (60, 128)),
])
def test_an_edge_tile_is_cut_from_the_stored_tile_without_decoding(files, name, region, size):
    img = open_(files, name)
    plan = tile_plan(img, region, size)
    assert plan.passthrough, plan.passthrough_refusal
    assert plan.steps[0].startswith("send stored JPEG tile") and "cut losslessly" in plan.steps[0]
    sent = pixels(img.render(plan))
    decoded = pixels(img.render(tile_plan(img, region, size, format="png")))
    assert sent.shape == decoded.shape and sent.shape[:2] == size[::-1]
    # The same DCT blocks; only chroma upsampling at the new edge may differ a little, as the
    # padding beyond it is no longer there to interpolate from.
    diff = np.abs(sent.astype(int) - decoded.astype(int))
    assert diff.max() <= 24 and diff.mean() < 1.0, (diff.max(), diff.mean())
    inner = diff[: max(1, size[1] - 2), : max(1, size[0] - 2)]
    assert inner.mean() < 0.5


def test_color_quality_is_still_a_passthrough(files):
    assert tile_plan(open_(files, "pyramid.tif"), (0, 0, 128, 128), quality="color").passthrough


@pytest.mark.parametrize(("name", "region", "options", "reason"), [
    ("pyramid.tif", (0, 0, 128, 128), {"format": "png"}, "not jpg"),
    ("pyramid.tif", (0, 0, 128, 128), {"mirror": True}, "changes pixels"),
    ("pyramid.tif", (0, 0, 128, 128), {"rotation": 90.0}, "changes pixels"),
    ("pyramid.tif", (0, 0, 128, 128), {"quality": "gray"}, "changes pixels"),
    ("pyramid.tif", (64, 0, 128, 128), {}, "not exactly one stored tile"),
    ("pyramid.tif", (0, 0, 256, 128), {"size": (256, 128)}, "not exactly one stored tile"),
    ("pyramid.tif", (640, 0, 50, 128), {"size": (50, 128)}, "not exactly one stored tile"),
    ("cmyk.tif", (0, 0, 128, 128), {}, "colour model"),
    ("strips.tif", (0, 0, 128, 128), {}, "not stored as JPEG tiles"),
    ("rgb.png", (0, 0, 128, 128), {}, "not stored as JPEG tiles"),
])
def test_every_refusal_names_its_reason(files, name, region, options, reason):
    img = open_(files, name)
    size = options.pop("size", (128, 128))
    plan = tile_plan(img, region, size, **options)
    assert not plan.passthrough
    assert reason in plan.passthrough_refusal
    assert not plan.steps[0].startswith("send stored")


def test_an_implausible_tile_size_is_refused(files):
    data = (files / "pyramid.tif").read_bytes()
    counts = patch_tiff(data, 325, [10], first_only=True)
    plan = tile_plan(Image.from_bytes(counts), (0, 0, 128, 128))
    assert not plan.passthrough and "implausible" in plan.passthrough_refusal


def test_a_profile_is_spliced_into_the_stored_tile(files, tmp_path):
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    PILImage.open(files / "rgb.png").save(tmp_path / "icc.tif", icc_profile=srgb)
    run("vips", "tiffsave", tmp_path / "icc.tif", tmp_path / "icc-tiles.tif", "--tile", "--tile-width", "128",
        "--tile-height", "128", "--compression", "jpeg")
    img = Image.open(str(tmp_path / "icc-tiles.tif"))
    plan = tile_plan(img, (0, 0, 128, 128))
    assert plan.passthrough
    assert PILImage.open(io.BytesIO(img.render(plan))).info.get("icc_profile") == srgb


def test_an_edge_tile_claiming_a_huge_size_is_refused_not_transformed(files):
    """The cut reads every block a stream claims: a tile whose frame header claims 65000x65000
    pixels is an error, not gigabytes of coefficients."""
    from casaba._core import CoreError

    data = bytearray((files / "pyramid.tif").read_bytes())
    at = data.find(b"\xff\xc0")
    patched = 0
    while at != -1:
        data[at + 5 : at + 9] = (65000).to_bytes(2, "big") * 2  # height, width
        patched += 1
        at = data.find(b"\xff\xc0", at + 2)
    assert patched > 10
    img = Image.from_bytes(bytes(data))
    plan = tile_plan(img, (640, 0, 60, 128), (60, 128))
    assert plan.passthrough
    with pytest.raises(CoreError, match="larger than a tile"):
        img.render(plan)
