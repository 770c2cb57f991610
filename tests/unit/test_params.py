"""IIIF request parameters: parsing, resolution against an image, canonical form."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casaba.errors import BadRequest, Forbidden
from casaba.iiif.params import (
    Limits,
    Region,
    Size,
    Version,
    canonical,
    parse_image_request,
    parse_quality_format,
    parse_region,
    parse_rotation,
    parse_size,
    resolve,
    resolve_region,
    resolve_size,
)

V3 = Version.V3
NO_LIMITS = Limits()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("full", Region("full")),
        ("square", Region("square")),
        ("0,0,10,20", Region("pixels", (0, 0, 10, 20))),
        ("pct:10,20,30.5,40", Region("percent", (10, 20, 30.5, 40))),
        ("pct:.5,0,100,100", Region("percent", (0.5, 0, 100, 100))),
    ],
)
def test_region_forms(text, expected):
    assert parse_region(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "Full", "0,0,10", "0,0,10,0", "0,0,0,10", "-1,0,10,10", "1.5,0,10,10", "pct:0,0,0,10", "pct:100,0,10,10",
     "pct:0,0,10", "pct:a,0,10,10", "0,0,10,10,", "01,0,10,10", "max", "pct:-1,0,10,10"],
)
def test_region_junk_is_400(text):
    with pytest.raises(BadRequest):
        parse_region(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("max", Size("max")),
        ("^max", Size("max", upscale=True)),
        ("100,", Size("width", 100)),
        ("^100,", Size("width", 100, upscale=True)),
        (",50", Size("height", None, 50)),
        ("^,50", Size("height", None, 50, upscale=True)),
        ("pct:50", Size("percent", percent=50.0)),
        ("^pct:150.5", Size("percent", percent=150.5, upscale=True)),
        ("10,20", Size("exact", 10, 20)),
        ("^10,20", Size("exact", 10, 20, upscale=True)),
        ("!10,20", Size("confined", 10, 20)),
        ("^!10,20", Size("confined", 10, 20, upscale=True)),
    ],
)
def test_size_forms_v3(text, expected):
    assert parse_size(text, V3) == expected


@pytest.mark.parametrize(
    "text", ["full", "^full", "", ",", "0,", ",0", "!10,", "!,10", "pct:0", "pct:", "pct:x", "10,20,30", "^^max", "-10,", "max,", "!^10,10"]
)
def test_size_junk_is_400_v3(text):
    with pytest.raises(BadRequest):
        parse_size(text, V3)


def test_full_size_is_a_v2_word():
    assert parse_size("full", Version.V2) == Size("max")


@pytest.mark.parametrize("text, degrees, mirror", [("0", 0, False), ("90", 90, False), ("!180", 180, True), ("22.5", 22.5, False), ("360", 360, False)])
def test_rotation(text, degrees, mirror):
    r = parse_rotation(text)
    assert (r.degrees, r.mirror) == (degrees, mirror)


@pytest.mark.parametrize("text", ["", "-90", "361", "!", "90!", "abc", "1e2", "!!90"])
def test_rotation_junk_is_400(text):
    with pytest.raises(BadRequest):
        parse_rotation(text)


@pytest.mark.parametrize("text", ["default.jpg", "color.png", "gray.jpg", "bitonal.png", "default.gif", "gray.webp", "bitonal.tif"])
def test_quality_format(text):
    q, f = parse_quality_format(text)
    assert f"{q}.{f}" == text


@pytest.mark.parametrize("text", ["default", "native.jpg", "default.jpeg", "default.", ".jpg", "grey.jpg", "default.JPG"])
def test_quality_format_junk_is_400(text):
    with pytest.raises(BadRequest):
        parse_quality_format(text)


def test_known_but_unwritten_format_is_400_naming_it():
    with pytest.raises(BadRequest, match="jp2"):
        parse_quality_format("default.jp2")


def test_regions_resolve_to_pixels():
    assert resolve_region(Region("full"), 300, 200) == (0, 0, 300, 200)
    assert resolve_region(Region("square"), 300, 200) == (50, 0, 200, 200)
    assert resolve_region(Region("square"), 200, 301) == (0, 50, 200, 200)
    assert resolve_region(Region("pixels", (250, 150, 100, 100)), 300, 200) == (250, 150, 50, 50)
    assert resolve_region(Region("percent", (10, 10, 50, 50)), 300, 200) == (30, 20, 150, 100)


def test_region_outside_the_image_is_400():
    with pytest.raises(BadRequest):
        resolve_region(Region("pixels", (300, 0, 10, 10)), 300, 200)


def test_sizes_resolve_per_spec():
    assert resolve_size(Size("max"), 300, 200, NO_LIMITS) == (300, 200)
    assert resolve_size(Size("width", 150), 300, 200, NO_LIMITS) == (150, 100)
    assert resolve_size(Size("height", None, 50), 300, 200, NO_LIMITS) == (75, 50)
    assert resolve_size(Size("percent", percent=50), 300, 200, NO_LIMITS) == (150, 100)
    assert resolve_size(Size("exact", 30, 180), 300, 200, NO_LIMITS) == (30, 180)
    assert resolve_size(Size("confined", 150, 150), 300, 200, NO_LIMITS) == (150, 100)
    assert resolve_size(Size("confined", 300, 100), 300, 200, NO_LIMITS) == (150, 100)


@pytest.mark.parametrize("size", [Size("width", 301), Size("height", None, 201), Size("percent", percent=101), Size("exact", 301, 200), Size("confined", 600, 400)])
def test_upscaling_without_caret_is_400(size):
    with pytest.raises(BadRequest, match=r"\^"):
        resolve_size(size, 300, 200, NO_LIMITS)


def test_upscaling_with_caret_is_allowed_up_to_max_scale():
    assert resolve_size(Size("width", 600, upscale=True), 300, 200, NO_LIMITS) == (600, 400)
    assert resolve_size(Size("max", upscale=True), 300, 200, Limits(max_scale=2.0)) == (600, 400)
    with pytest.raises(BadRequest, match="max_scale"):
        resolve_size(Size("width", 601, upscale=True), 300, 200, Limits(max_scale=2.0))


def test_max_pixels_constrains_max_and_refuses_others():
    w, h = resolve_size(Size("max"), 4000, 3000, Limits(max_pixels=1_000_000))
    assert w * h <= 1_000_000 and abs(w / h - 4 / 3) < 0.01
    with pytest.raises(Forbidden, match="max_pixels"):
        resolve_size(Size("width", 2000), 4000, 3000, Limits(max_pixels=1_000_000))


def test_any_rotation_resolves_to_degrees_below_360():
    for text, degrees in (("45", 45.0), ("!22.5", 22.5), ("360", 0.0), ("0", 0.0)):
        r = resolve(parse_image_request("id", ["full", "max", text, "default.jpg"], V3), 100, 100, NO_LIMITS)
        assert r.rotation == degrees


@pytest.mark.parametrize(("fmt", "side"), [("webp", 16_383), ("gif", 65_535), ("jpg", 65_500)])
def test_sizes_a_format_cannot_hold_are_400_naming_it(fmt, side):
    ok = parse_image_request("id", ["full", f"{side},", "0", f"default.{fmt}"], V3)
    assert resolve(ok, 100_000, 100, NO_LIMITS).size[0] == side
    too_big = parse_image_request("id", ["full", f"{side + 1},", "0", f"default.{fmt}"], V3)
    with pytest.raises(BadRequest, match=f"{fmt}: at most {side}"):
        resolve(too_big, 100_000, 100, NO_LIMITS)
    # PNG and TIFF have no such limit.
    assert resolve(parse_image_request("id", ["full", "70000,", "0", "default.tif"], V3), 100_000, 100, NO_LIMITS)


@pytest.mark.parametrize(
    "params, canon",
    [
        (("full", "max", "0", "default.jpg"), "full/max/0/default.jpg"),
        (("0,0,300,200", "300,", "0", "color.png"), "full/max/0/color.png"),
        (("pct:0,0,100,100", "pct:50", "!90", "gray.jpg"), "full/150,100/!90/gray.jpg"),
        (("square", "!100,100", "360", "default.jpg"), "50,0,200,200/100,100/360/default.jpg"),
        (("10,10,100,100", "^200,", "0", "default.jpg"), "10,10,100,100/^200,200/0/default.jpg"),
        (("full", "max", "90.50", "default.jpg"), "full/max/90.5/default.jpg"),
    ],
)
def test_canonical_v3(params, canon):
    req = parse_image_request("id", params, V3)
    resolved = resolve(req, 300, 200, NO_LIMITS)
    assert canonical(req, resolved, 300, 200, V3) == canon
    # The canonical form is a fixed point: parsing it again gives itself.
    again = parse_image_request("id", canon.split("/"), V3)
    assert canonical(again, resolve(again, 300, 200, NO_LIMITS), 300, 200, V3) == canon


dims = st.integers(min_value=1, max_value=20000)


@given(w=dims, h=dims, rx=st.integers(0, 19999), ry=st.integers(0, 19999), rw=dims, rh=dims, tw=dims, th=dims)
def test_resolution_never_leaves_the_image_and_never_upscales(w, h, rx, ry, rw, rh, tw, th):
    for size_text in (f"{tw},", f",{th}", f"!{tw},{th}", f"{tw},{th}", "max", f"pct:{tw % 100 + 1}"):
        try:
            req = parse_image_request("id", [f"{rx},{ry},{rw},{rh}", size_text, "0", "default.jpg"], V3)
            r = resolve(req, w, h, NO_LIMITS)
        except BadRequest:
            continue
        x, y, cw, ch = r.region
        assert 0 <= x < w and 0 <= y < h and cw >= 1 and ch >= 1 and x + cw <= w and y + ch <= h
        ow, oh = r.size
        assert 1 <= ow <= cw and 1 <= oh <= ch


@given(w=dims, h=dims, bw=dims, bh=dims)
def test_confined_size_fits_the_box_and_keeps_the_aspect(w, h, bw, bh):
    try:
        ow, oh = resolve_size(Size("confined", bw, bh, upscale=True), w, h, NO_LIMITS)
    except BadRequest:
        return
    assert ow <= bw and oh <= bh
    assert ow == bw or oh == bh
    # Within one pixel of the exact aspect ratio.
    assert abs(ow / oh - w / h) <= max(1 / oh, 1 / ow) * (w / h) * 1.01 + 1e-9 or min(ow, oh) == 1


@given(st.text(max_size=30))
def test_parsing_junk_raises_only_bad_request(text):
    for version in Version:
        for parse in (parse_region, parse_rotation, parse_quality_format, lambda t: parse_size(t, version)):
            try:
                parse(text)
            except BadRequest:
                pass


def test_percent_sizes_round_to_nearest():
    assert resolve_size(Size("percent", percent=33.3), 1000, 999, NO_LIMITS) == (333, 333)
    assert math.isclose(resolve_size(Size("percent", percent=0.1), 1000, 1000, NO_LIMITS)[0], 1)
