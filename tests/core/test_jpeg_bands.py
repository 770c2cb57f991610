"""A plan that only resizes (or does nothing) and encodes a baseline JPEG is carried out in two
horizontal bands on two threads, each resampled and encoded apart, joined at a restart marker. The joined JPEG must
decode to the pixels of the same plan made in one piece (progressive output, which is never
banded, holds the DCT coefficients a one-piece baseline JPEG holds): the same but for rare
rounding, as the resampler normalises each band's filter weights on their own (here 1 request in
60 differs, in 0.4 % of its samples). Colour (16-row MCUs) and gray (8-row MCUs), heights on and
off the MCU grid, and the source's ICC profile carried over."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageCms

from casaba._core import Image

from .helpers import array, run
from .synth import photo

SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def assert_same_but_for_rounding(banded, whole, what=""):
    a, b = array(banded).astype(int), array(whole).astype(int)
    assert a.shape == b.shape, what
    difference = np.abs(a - b)
    assert difference.mean() < 0.01 and difference.max() <= 16, f"{what}: mean {difference.mean()}, max {difference.max()}"


def source(mode):
    buf = io.BytesIO()
    PILImage.fromarray(photo(1000, 750, seed=5)).convert(mode).save(buf, "PNG", icc_profile=SRGB if mode == "RGB" else None)
    return Image.from_bytes(buf.getvalue())


@pytest.mark.parametrize("mode", ["RGB", "L"])
@pytest.mark.parametrize("size", [(400, 300), (401, 287), (333, 161), (640, 480), (999, 33)])
def test_a_banded_jpeg_decodes_as_the_jpeg_made_in_one_piece(mode, size):
    img = source(mode)
    region = (0, 0, img.width, img.height)
    plan = img.plan(region, size, format="jpg")
    assert plan.resized
    banded = img.render(plan)
    whole = img.render(img.plan(region, size, format="jpg", jpeg_progressive=True))
    assert b"\xff\xdd" in banded  # a restart interval: the bands were joined
    assert_same_but_for_rounding(banded, whole)
    assert PILImage.open(io.BytesIO(banded)).size == size
    if mode == "RGB":
        assert PILImage.open(io.BytesIO(banded)).info.get("icc_profile") == SRGB


def test_a_small_output_is_encoded_in_one_piece():
    img = source("RGB")
    data = img.render(img.plan((0, 0, img.width, img.height), (120, 90), format="jpg"))
    assert b"\xff\xdd" not in data


def test_bands_of_regions_read_from_a_reduced_level(tmp_path):
    """Regions of a pyramid read from a smaller level resize from a box with fractional edges:
    each band's share of it must stay inside the level (a band that ended an ulp beyond it was
    refused), and the bands still join into the JPEG made in one piece."""
    PILImage.fromarray(photo(4000, 3000, seed=6)).save(tmp_path / "p.png")
    run("vips", "tiffsave", tmp_path / "p.png", tmp_path / "p.tif", "--tile", "--pyramid", "--compression", "jpeg",
        "--tile-width", "256", "--tile-height", "256")
    img = Image.open(str(tmp_path / "p.tif"))
    for n in range(60):
        region, width = (n * 50, n * 40, 700, 500), 200 + n
        size = (width, round(500 * width / 700))
        banded = img.render(img.plan(region, size, format="jpg"))
        whole = img.render(img.plan(region, size, format="jpg", jpeg_progressive=True))
        assert_same_but_for_rounding(banded, whole, f"{region} at {size}")


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_a_large_region_at_its_own_size_is_encoded_in_bands(mode):
    """No resize: each band is only encoded, and the joined JPEG holds exactly the coefficients
    of the one made in one piece. Below a megapixel it is made in one piece."""
    buf = io.BytesIO()
    PILImage.fromarray(photo(1100, 1030, seed=7)).convert(mode).save(buf, "PNG")
    img = Image.from_bytes(buf.getvalue())
    plan = img.plan((0, 0, 1100, 1030), (1100, 1030), format="jpg")
    assert not plan.resized
    banded = img.render(plan)
    whole = img.render(img.plan((0, 0, 1100, 1030), (1100, 1030), format="jpg", jpeg_progressive=True))
    assert b"\xff\xdd" in banded
    np.testing.assert_array_equal(array(banded), array(whole))
    small = img.render(img.plan((0, 0, 1000, 1000), (1000, 1000), format="jpg"))
    assert b"\xff\xdd" not in small


def test_an_image_taller_than_jpeg_allows_is_refused_not_joined():
    """Bands of a 65,501-row region would each encode; joined, no decoder reads them. The plan
    refuses it, as the request's fault."""
    from casaba._core import RequestError

    for height, ok in [(65500, True), (65501, False)]:
        buf = io.BytesIO()
        PILImage.new("L", (100, height), 90).save(buf, "PNG")
        img = Image.from_bytes(buf.getvalue())
        if ok:
            plan = img.plan((0, 0, 100, height), (100, height), format="jpg")
            assert array(img.render(plan)).shape == (height, 100)
        else:
            with pytest.raises(RequestError):
                img.plan((0, 0, 100, height), (100, height), format="jpg")
