"""Redaction through a real server: a delegate's `redactions` answer filled where it belongs for
region, size, rotation and mirror requests (Image API 3.0 and 2.1), part of the ETag, skipped with
`redaction.enabled = false`, a 500 when the delegate fails; and the leak test over HTTP, with and
without a derivative cache: two files identical but inside the rectangles give the same bytes."""

import io
import json

import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from PIL import Image

from casaba.testing import running_server
from tests.core.redacted import HEIGHT, TILE, WIDTH, as_delegate_answer, make_pairs

#: Forms served in the leak test: JPEG, tiled TIFF, a pyramid and JPEG 2000.
SERVED = ("jpeg-420", "tiff-jpeg-tiles", "pyramid-vips", "jp2-lossless", "jp2-lossy")

#: The rectangle on plain.png, and its colour.
BOX, RED = (40, 30, 50, 20), (255, 0, 0)

SCRIPT = '''
import json, os

from casaba.delegates import Delegate

PAIRS = json.loads(os.environ["PAIR_REDACTIONS"])


class CustomDelegate(Delegate):
    def redactions(self):
        ident = self.context["identifier"]
        with open(os.environ["ASKED_LOG"], "a") as f:
            f.write(ident + "\\n")
        if self.context["request_headers"].get("x-redact") == "no":
            return []
        if ident == "plain.png":
            return [{"x": 40, "y": 30, "width": 50, "height": 20, "color": "#FF0000"}]
        if ident == "raises.png":
            raise RuntimeError("no rectangles today")
        if ident == "wrong.png":
            return [{"x": 1, "y": 2}]
        if ident == "badcolour.png":
            return [{"x": 1, "y": 2, "width": 3, "height": 4, "color": "not a colour"}]
        if ident == "outside.png":
            return [{"x": -20, "y": 190, "width": 60, "height": 50}, {"x": 500, "y": 0, "width": 5, "height": 5}]
        if ident[:2] in ("a-", "b-"):
            return PAIRS
        return []
'''


def gradient(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([(x * 255 // (w - 1)), (y * 255 // (h - 1)), ((x * 7 + y * 3) % 256)], axis=-1).astype(np.uint8)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("redaction")
    plain = gradient(300, 200)
    for name in ("plain.png", "raises.png", "wrong.png", "badcolour.png", "outside.png"):
        Image.fromarray(plain).save(root / name)
    pairs = make_pairs(root, SERVED)
    (root / "delegates.py").write_text(SCRIPT)
    return root, plain, {form: tuple(p.name for p in paths) for form, paths in pairs.items()}


def serve(folder, tmp_path_factory, **extra):
    root, _, _ = folder
    logs = tmp_path_factory.mktemp("asked")
    asked = logs / "asked.txt"
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{root}/",
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(root / "delegates.py"),
        **extra,
    }
    env = {"PAIR_REDACTIONS": json.dumps(as_delegate_answer()), "ASKED_LOG": str(asked)}
    return running_server(settings, env=env, log_path=logs / "server.log"), asked, logs / "server.log"


@pytest.fixture(scope="module")
def server(folder, tmp_path_factory):
    running, asked, log = serve(folder, tmp_path_factory)
    with running as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c, asked, log


@pytest.fixture(scope="module")
def cached(folder, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    extra = {"cache.server.derivative.enabled": "true", "cache.server.derivative": "FilesystemCache", "FilesystemCache.pathname": str(cache)}
    running, _, _ = serve(folder, tmp_path_factory, **extra)
    with running as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


def pixels(r):
    assert r.status_code == 200, r.text
    return np.asarray(Image.open(io.BytesIO(r.content)).convert("RGB"))


def redacted_plain(plain):
    want = plain.copy()
    x, y, w, h = BOX
    want[y : y + h, x : x + w] = RED
    return want


@pytest.mark.parametrize("version, full", [("3", "max"), ("2", "full")])
@pytest.mark.parametrize(
    "rotation, turn", [("0", lambda a: a), ("90", lambda a: np.rot90(a, -1)), ("!0", np.fliplr), ("!90", lambda a: np.rot90(np.fliplr(a), -1))]
)
def test_the_rectangle_is_filled_where_it_belongs(server, folder, version, full, rotation, turn):
    c, _, _ = server
    want = redacted_plain(folder[1])
    got = pixels(c.get(f"/iiif/{version}/plain.png/full/{full}/{rotation}/default.png"))
    np.testing.assert_array_equal(got, turn(want))
    # A region: the rectangle where it falls in it, cut at its edge.
    got = pixels(c.get(f"/iiif/{version}/plain.png/60,20,100,50/{full}/{rotation}/default.png"))
    np.testing.assert_array_equal(got, turn(want[20:70, 60:160]))


def test_a_smaller_size_shows_the_rectangle_scaled_and_nothing_else_changed(server):
    c, _, _ = server
    got = pixels(c.get("/iiif/3/plain.png/full/150,/0/default.png"))
    bare = pixels(c.get("/iiif/3/plain.png/full/150,/0/default.png", headers={"x-redact": "no"}))
    # 40,30 to 90,50 at half size is 20,15 to 45,25: red inside, beyond the filter's reach as
    # without the redaction.
    assert (got[16:24, 21:44] == RED).all()
    inside = np.zeros(got.shape[:2], bool)
    inside[15 - 3 : 25 + 3, 20 - 3 : 45 + 3] = True
    np.testing.assert_array_equal(got[~inside], bare[~inside])
    assert not np.array_equal(got, bare)


def test_under_a_scale_constraint_the_rectangles_are_in_the_full_images_pixels(server):
    c, _, _ = server
    got = pixels(c.get("/iiif/3/plain.png;1:2/full/max/0/default.png"))
    assert got.shape[:2] == (100, 150)
    assert (got[16:24, 21:44] == RED).all()
    assert not (got[:12] == RED).all(axis=-1).any()


def test_the_etag_names_the_redactions(server):
    c, _, _ = server
    path = "/iiif/3/plain.png/full/max/0/default.jpg"
    redacted, bare = c.get(path), c.get(path, headers={"x-redact": "no"})
    assert redacted.status_code == bare.status_code == 200
    assert redacted.headers["etag"] != bare.headers["etag"]
    assert redacted.content != bare.content
    # A client holding the unredacted answer gets the redacted one, not a 304.
    again = c.get(path, headers={"if-none-match": bare.headers["etag"]})
    assert again.status_code == 200 and again.content == redacted.content


def test_rectangles_partly_or_wholly_outside_are_clipped_or_ignored(server, folder):
    c, _, _ = server
    got = pixels(c.get("/iiif/3/outside.png/full/max/0/default.png"))
    want = folder[1].copy()
    want[190:200, 0:40] = 0
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("identifier, reason", [("raises.png", "RuntimeError: no rectangles today"), ("wrong.png", "expected a dict with x, y, width and height"), ("badcolour.png", "the color 'not a colour'")])
def test_a_failing_redactions_delegate_is_a_500_never_the_image(server, identifier, reason):
    c, _, log = server
    r = c.get(f"/iiif/3/{identifier}/full/max/0/default.png")
    assert r.status_code == 500 and r.text == "Internal server error.\n"
    assert reason in log.read_text()


def test_with_redaction_disabled_the_delegate_is_not_asked(folder, tmp_path_factory):
    running, asked, _ = serve(folder, tmp_path_factory, **{"redaction.enabled": "false"})
    with running as base, httpx.Client(base_url=base, timeout=30) as c:
        got = pixels(c.get("/iiif/3/plain.png/full/max/0/default.png"))
    np.testing.assert_array_equal(got, folder[1])
    assert not asked.exists()


def test_the_delegate_is_asked_when_enabled(server):
    c, asked, _ = server
    assert c.get("/iiif/3/plain.png/full/10,/0/default.png").status_code == 200
    assert "plain.png" in asked.read_text().split()


# --- the leak test over HTTP -----------------------------------------------------------------


@st.composite
def paths(draw):
    """The path of an image request after the identifier: a stored tile or any region, at any
    size, rotation, mirroring, quality and format."""
    if draw(st.booleans()):
        col, row = draw(st.integers(0, WIDTH // TILE - 1)), draw(st.integers(0, HEIGHT // TILE - 1))
        region, size = f"{col * TILE},{row * TILE},{TILE},{TILE}", f"{TILE},"
    else:
        x, y = draw(st.integers(0, WIDTH - 1)), draw(st.integers(0, HEIGHT - 1))
        w, h = draw(st.integers(1, WIDTH - x)), draw(st.integers(1, HEIGHT - y))
        region = draw(st.sampled_from(["full", f"{x},{y},{w},{h}"]))
        size = draw(st.sampled_from(["max", f"{max(1, w // 2)},", f"{max(1, w // 4)},{max(1, h // 3)}", "pct:30"]))
    rotation = draw(st.sampled_from(["0", "90", "180", "!0", "!270", "22.5"]))
    quality = draw(st.sampled_from(["default", "color", "gray", "bitonal"]))
    fmt = draw(st.sampled_from(["jpg", "png", "webp", "gif", "tif"]))
    return f"{region}/{size}/{rotation}/{quality}.{fmt}"


def same_answers(c, pair, path):
    a, b = (c.get(f"/iiif/3/{name}/{path}") for name in pair)
    # A size the region cannot give (a percentage of a few pixels) is refused alike.
    assert a.status_code == b.status_code and a.status_code in (200, 400), (path, a.text)
    assert a.content == b.content, path


def test_the_pairs_differ_where_nothing_is_redacted(server, folder):
    c, _, _ = server
    for form, (a, b) in folder[2].items():
        bare = [c.get(f"/iiif/3/{name}/full/max/0/default.png", headers={"x-redact": "no"}) for name in (a, b)]
        assert bare[0].status_code == 200 and bare[0].content != bare[1].content, form


@pytest.mark.parametrize("form", SERVED)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=paths())
def test_no_answer_depends_on_a_redacted_pixel(server, folder, form, path):
    same_answers(server[0], folder[2][form], path)


@pytest.mark.parametrize("form", SERVED)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=paths())
def test_no_cached_answer_depends_on_a_redacted_pixel(cached, folder, form, path):
    # Twice: made, then from the cache.
    same_answers(cached, folder[2][form], path)
    same_answers(cached, folder[2][form], path)
