"""Resolution checks the output against the limits the core exports, after rotation as the core
computes it: a request just inside each limit is accepted, one just past it refused, and the
resolver refuses exactly the sizes the core's planner refuses."""

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from casaba import _core
from casaba.errors import BadRequest, Forbidden
from casaba.iiif.params import OUTPUT_FORMATS, Limits, Version, check_output, parse_image_request, resolve

NO_LIMITS = Limits()


def request(size, rotation, fmt, region="0,0,64,64"):
    return parse_image_request("id", [region, size, rotation, f"default.{fmt}"], Version.V3)


def test_the_core_exports_its_limits():
    assert _core.MAX_PIXELS == 1 << 30
    assert {fmt: _core.max_side(fmt) for fmt in OUTPUT_FORMATS} == {"jpg": 65_500, "png": None, "gif": 65_535, "webp": 16_383, "tif": None}
    with pytest.raises(ValueError):
        _core.max_side("jp2")


@pytest.mark.parametrize(
    ("inside", "past", "rotation", "fmt"),
    [
        # 11,584 turned by 45 degrees is 16,382.3 wide; 11,585 is 16,383.7.
        ("^11584,11584", "^11585,11585", "45", "webp"),
        ("^65000,4000", "^65400,4000", "3", "jpg"),
        ("^65500,1", "^65501,1", "0", "jpg"),
        ("^1,65535", "^1,65536", "90", "gif"),
        ("^16383,1", "^16384,1", "360", "webp"),
    ],
)
def test_the_largest_side_after_rotation(inside, past, rotation, fmt):
    assert resolve(request(inside, rotation, fmt), 1000, 1000, NO_LIMITS)
    with pytest.raises(BadRequest, match=f"too large for {fmt}"):
        resolve(request(past, rotation, fmt), 1000, 1000, NO_LIMITS)


def test_the_most_pixels_the_core_makes_after_rotation():
    # 23,170 turned by 45 degrees is 32,768 wide and high: 2^30 pixels exactly.
    assert _core.output_size(23_170, 23_170, 45.0) == (32_768, 32_768)
    assert resolve(request("^23170,23170", "45", "png"), 1000, 1000, NO_LIMITS)
    with pytest.raises(Forbidden, match="once rotated"):
        resolve(request("^23171,23171", "45", "png"), 1000, 1000, NO_LIMITS)
    with pytest.raises(Forbidden, match="largest image"):
        resolve(request("^32768,32769", "0", "tif"), 1000, 1000, NO_LIMITS)
    # Past the core's 32-bit sides as well: refused, not passed to it.
    with pytest.raises(Forbidden, match="largest image"):
        resolve(request("^99999999999,", "45", "png"), 1000, 1000, NO_LIMITS)


def test_max_pixels_and_max_scale_at_their_edges():
    limits = Limits(max_pixels=40_000, max_scale=2)
    assert resolve(request("200,200", "45", "png", "0,0,300,300"), 1000, 1000, limits).size == (200, 200)
    with pytest.raises(Forbidden, match="max_pixels"):
        resolve(request("201,200", "45", "png", "0,0,300,300"), 1000, 1000, limits)
    assert resolve(request("^100,100", "30", "webp", "0,0,50,50"), 1000, 1000, limits).size == (100, 100)
    with pytest.raises(BadRequest, match="max_scale"):
        resolve(request("^101,100", "30", "webp", "0,0,50,50"), 1000, 1000, limits)


@pytest.fixture(scope="module")
def image():
    buf = io.BytesIO()
    PILImage.new("RGB", (8, 8)).save(buf, "PNG")
    return _core.Image.from_bytes(buf.getvalue())


sides = st.integers(min_value=1, max_value=80_000)
angles = st.one_of(st.sampled_from([0.0, 45.0, 90.0, 180.0, 270.0, 360.0]), st.floats(min_value=0, max_value=360))


@settings(max_examples=300, deadline=None)
@given(w=sides, h=sides, rotation=angles, fmt=st.sampled_from(OUTPUT_FORMATS))
def test_the_resolver_refuses_exactly_the_sides_the_core_refuses(image, w, h, rotation, fmt):
    try:
        check_output((w, h), rotation, fmt)
        resolver_refuses = False
    except BadRequest:
        resolver_refuses = True
    except Forbidden:
        return  # Too many pixels to make: the planner does not allocate, so it does not count them.
    try:
        image.plan((0, 0, 8, 8), (w, h), rotation=rotation, format=fmt)
        core_refuses = False
    except _core.RequestError:
        core_refuses = True
    assert resolver_refuses == core_refuses
