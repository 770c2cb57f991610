"""Properties of the IIIF parameters (property-based, with Hypothesis): any text in any of the four
segments is a request or a 4xx (``BadRequest``, ``Forbidden``), never another exception, at the
parser and through resolution against any image size; and the canonical form the spec defines
reads back as itself, naming the same pixels.

test_params.py holds the worked examples; these search for what the examples miss."""

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casaba.errors import BadRequest, Forbidden
from casaba.iiif.params import (
    OUTPUT_FORMATS,
    QUALITIES,
    Limits,
    Version,
    canonical,
    parse_image_request,
    resolve,
)

CLIENT_ERRORS = (BadRequest, Forbidden)
MANY = settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])

# Numbers as a client may write them: small, at the edges the code cares about, and absurd
# (past a 64-bit integer, past a float's range), in the grammar's forms and just outside it.
digits = st.one_of(
    st.integers(0, 400).map(str),
    st.sampled_from(["0", "00", "01", "100", "360", "4294967296", "1073741825", "9" * 20, "9" * 400]),
    st.integers(1, 400).map(lambda n: "9" * n),
)
decimals = st.one_of(digits, st.builds(lambda a, z, b: f"{a}.{'0' * z}{b}", digits, st.integers(0, 12), digits),
                     digits.map(lambda d: "." + d),
                     st.sampled_from(["1e5", "inf", "nan", "-1", "+1", "1.", "٣", "0x10", " 1", "1_0"]))
regions = st.one_of(
    st.sampled_from(["full", "square", "Full", ""]),
    st.builds(lambda *v: ",".join(v), digits, digits, digits, digits),
    st.builds(lambda *v: "pct:" + ",".join(v), decimals, decimals, decimals, decimals),
    st.text(max_size=40),
)
sizes = st.builds(
    lambda caret, bang, body: caret + bang + body,
    st.sampled_from(["", "^"]),
    st.sampled_from(["", "!"]),
    st.one_of(
        st.sampled_from(["max", "full", ",", ""]),
        st.builds(lambda w, h: f"{w},{h}", st.one_of(st.just(""), digits), st.one_of(st.just(""), digits)),
        decimals.map(lambda d: "pct:" + d),
        st.text(max_size=20),
    ),
)
rotations = st.one_of(st.builds(lambda bang, d: bang + d, st.sampled_from(["", "!"]), decimals), st.text(max_size=20))
quality_formats = st.one_of(
    st.builds(lambda q, f: f"{q}.{f}", st.sampled_from([*QUALITIES, "grey", ""]), st.sampled_from([*OUTPUT_FORMATS, "jp2", "pdf", "JPG", ""])),
    st.text(max_size=20),
)
sides = st.integers(1, 100_000)
limits = st.builds(Limits, max_pixels=st.sampled_from([0, 1, 10_000, 1 << 24]), max_scale=st.sampled_from([0.0, 1.0, 1.5, 8.0]))


@MANY
@given(regions, sizes, rotations, quality_formats, st.sampled_from(Version), sides, sides, limits)
def test_any_segments_are_a_request_or_a_client_error(region, size, rotation, quality_format, version, w, h, lim):
    try:
        req = parse_image_request("id", [region, size, rotation, quality_format], version)
        r = resolve(req, w, h, lim)
    except CLIENT_ERRORS:
        return
    x, y, rw, rh = r.region
    assert 0 <= x and 0 <= y and rw >= 1 and rh >= 1 and x + rw <= w and y + rh <= h
    assert r.size[0] >= 1 and r.size[1] >= 1
    assert 0 <= r.rotation < 360


@MANY
@given(st.lists(st.text(max_size=12), max_size=6), st.sampled_from(Version))
def test_any_number_of_any_segments_is_a_request_or_a_client_error(params, version):
    try:
        parse_image_request("id", params, version)
    except CLIENT_ERRORS:
        pass


@MANY
@given(regions, sizes, rotations, st.sampled_from([f"{q}.{f}" for q in QUALITIES for f in OUTPUT_FORMATS]),
       st.sampled_from(Version), sides, sides)
# Rotations past six decimals: written as "0." and "90.123457" before.
@example("full", "max", "0.0000001", "default.jpg", Version.V3, 300, 200)
@example("full", "max", "!90.123456789", "default.jpg", Version.V2, 300, 200)
def test_the_canonical_form_reads_back_as_itself_and_the_same_pixels(region, size, rotation, quality_format, version, w, h):
    try:
        req = parse_image_request("id", [region, size, rotation, quality_format], version)
        resolved = resolve(req, w, h, Limits())
    except CLIENT_ERRORS:
        return
    canon = canonical(req, resolved, w, h, version)
    again = parse_image_request("id", canon.split("/"), version)
    again_resolved = resolve(again, w, h, Limits())
    assert canonical(again, again_resolved, w, h, version) == canon
    assert again_resolved == resolved, canon
