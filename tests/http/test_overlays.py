"""Overlays as the Cantaloupe tutorial sets them up (``overlays.BasicStrategy.*``), and per
request from the delegate (``ScriptStrategy``), on a real server: where they are drawn, on which
outputs, that no stored tile or cached answer is ever sent without them, and that changing one
changes every cache tier's answer."""

import io

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import running_server

GRAY = 100


def pixels(response):
    assert response.status_code == 200, response.text
    return np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB")).astype(int)


@pytest.fixture(scope="module")
def folder(tmp_path_factory, images):
    root = tmp_path_factory.mktemp("overlaid")
    Image.fromarray(np.full((600, 800, 3), GRAY, np.uint8)).save(root / "gray.png")
    for name in ("pyramid.tif", "photo.jpg"):
        (root / name).write_bytes((images / name).read_bytes())
    # A logo 40 x 20: its left half opaque red, its right half half-transparent blue.
    logo = np.zeros((20, 40, 4), np.uint8)
    logo[:, :20] = (255, 0, 0, 255)
    logo[:, 20:] = (0, 0, 255, 128)
    Image.fromarray(logo, "RGBA").save(root / "logo.png")
    return root


def basic(folder, **overlay):
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "overlays.BasicStrategy.enabled": "true",
        "overlays.BasicStrategy.type": "image",
        "overlays.BasicStrategy.image": str(folder / "logo.png"),
    }
    settings.update({f"overlays.BasicStrategy.{k}": v for k, v in overlay.items()})
    return settings


@pytest.fixture(scope="module")
def logo_server(folder):
    settings = basic(folder, position="bottom right", inset=10, output_width_threshold=300, output_height_threshold=200)
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


def test_an_image_overlay_keeps_its_alpha_and_its_inset(logo_server):
    p = pixels(logo_server.get("/iiif/3/gray.png/full/max/0/default.png"))
    # Bottom right, 10 pixels in: x 750..790, y 570..590.
    assert (p[575, 755] == (255, 0, 0)).all()
    blended = p[575, 785]
    assert abs(blended[0] - GRAY // 2) <= 2 and abs(blended[2] - (GRAY + 255) // 2) <= 2, blended
    for outside in [(569, 755), (591, 755), (575, 749), (575, 791)]:
        assert (p[outside] == GRAY).all(), outside


def test_outputs_under_the_thresholds_get_none(logo_server):
    assert (pixels(logo_server.get("/iiif/3/gray.png/full/299,/0/default.png")) == GRAY).all()
    assert (pixels(logo_server.get("/iiif/3/gray.png/full/,199/0/default.png")) == GRAY).all()
    assert not (pixels(logo_server.get("/iiif/3/gray.png/full/300,/0/default.png")) == GRAY).all()


def test_drawn_after_rotation_and_mirroring(logo_server):
    p = pixels(logo_server.get("/iiif/3/gray.png/full/max/!90/default.png"))
    assert p.shape == (800, 600, 3)
    assert (p[775, 555] == (255, 0, 0)).all(), "still bottom right, upright"


def test_a_gray_answer_stays_gray(logo_server):
    p = pixels(logo_server.get("/iiif/3/gray.png/full/max/0/gray.png"))
    assert (p[..., 0] == p[..., 1]).all() and (p[..., 1] == p[..., 2]).all()
    assert p[575, 755, 0] != GRAY


def test_a_stored_tile_is_never_sent_without_the_overlay(folder, server):
    settings = basic(folder, position="repeat")
    tile = "/iiif/3/pyramid.tif/0,0,256,256/256,/0/default.jpg"
    with httpx.Client(base_url=server, timeout=30) as plain:
        bare = plain.get(tile)
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        first, again = c.get(tile), c.get(tile)
    assert bare.status_code == first.status_code == again.status_code == 200
    assert first.content != bare.content and again.content == first.content
    assert first.headers["etag"] != bare.headers["etag"]
    assert np.abs(pixels(first) - pixels(bare)).max() > 100


def test_a_missing_overlay_image_fails_the_request_and_serves_nothing(folder, tmp_path):
    log = tmp_path / "server.log"
    with running_server(basic(folder, image=str(folder / "nowhere.png")), log_path=log) as base:
        r = httpx.get(f"{base}/iiif/3/gray.png/full/max/0/default.png", timeout=30)
    assert r.status_code == 500
    assert str(folder) not in r.text and not r.content.startswith(b"\x89PNG")
    assert "nowhere.png" in log.read_text()


SCRIPT = """
class CustomDelegate:
    def overlay(self):
        if self.context["identifier"] == "gray.png":
            return {"image": LOGO, "position": "top left", "inset": 5}
        if self.context["identifier"] == "photo.jpg":
            return {"image": LOGO, "position": "nowhere"}
        return None
"""


@pytest.fixture(scope="module")
def scripted(folder, tmp_path_factory):
    where = tmp_path_factory.mktemp("scripted")
    (where / "delegates.py").write_text(f"LOGO = {str(folder / 'logo.png')!r}\n" + SCRIPT)
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(where / "delegates.py"),
        "overlays.strategy": "ScriptStrategy",
    }
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


def test_the_delegate_chooses_the_overlay_per_request(scripted):
    p = pixels(scripted.get("/iiif/3/gray.png/full/max/0/default.png"))
    assert (p[10, 10] == (255, 0, 0)).all() and (p[4, 4] == GRAY).all()
    tile = scripted.get("/iiif/3/pyramid.tif/0,0,256,256/256,/0/default.jpg")
    assert tile.status_code == 200


def test_a_delegate_overlay_that_describes_nothing_drawable_is_a_500(scripted):
    assert scripted.get("/iiif/3/photo.jpg/full/max/0/default.jpg").status_code == 500


# --- string overlays ---------------------------------------------------------------------------

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def changed_box(p):
    """The (left, top, right, bottom) of the pixels that are no longer the gray image's."""
    ys, xs = np.nonzero((p != GRAY).any(axis=2))
    return (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) if len(xs) else None


def string_settings(folder, **overlay):
    settings = basic(folder, type="string", string="My DHSI Images 2024")
    settings.update({f"overlays.BasicStrategy.{k}": v for k, v in overlay.items()})
    return settings


@pytest.fixture(scope="module")
def dejavu():
    from PIL import ImageFont

    return ImageFont.truetype(FONT, 18)


@pytest.mark.parametrize(
    "position",
    ["top left", "top center", "top right", "left center", "center", "right center", "bottom left", "bottom center", "bottom right"],
)
def test_the_string_box_goes_where_cantaloupe_puts_it(folder, dejavu, position):
    """The background box, measured against an independent layout of the same font (PIL's
    FreeType), placed by Cantaloupe's getBoundingBox (its right and bottom boxes sit a further
    padding in): within 2 pixels on every edge."""
    settings = string_settings(folder, position=position, inset=10, **{"string.background.color": "rgba(0, 0, 0, 100)", "string.stroke.width": 0})
    with running_server(settings) as base:
        p = pixels(httpx.get(f"{base}/iiif/3/gray.png/full/max/0/default.png", timeout=30))
    w, h, inset, pad = 800, 600, 10, 5
    box_w = round(dejavu.getlength("My DHSI Images 2024")) + 2 * pad
    box_h = 22 + 2 * pad  # Java's line height of DejaVu Sans at 18 points: 17 + 5
    x = {"left": inset, "center": (w - box_w) / 2, "right": w - box_w - inset - pad}
    y = {"top": inset, "center": (h - box_h) / 2, "bottom": h - box_h - inset - pad}
    words = position.split()
    across = next((word for word in words if word in ("left", "right")), "center")
    down = next((word for word in words if word in ("top", "bottom")), "center")
    expected = (x[across], y[down], x[across] + box_w, y[down] + box_h)
    got = changed_box(p)
    assert got is not None and all(abs(g - e) <= 2 for g, e in zip(got, expected)), (got, expected)
    # The box is the background's colour where no glyph is: 100 over 100 gray at 100/255.
    assert (p[int(expected[1]) + 2, int(expected[0]) + 2] == round(GRAY * 155 / 255)).all()


def test_the_tutorials_string_is_drawn_white_with_a_black_outline(folder):
    settings = string_settings(folder, position="bottom right", inset=10, **{"string.stroke.width": 1})
    with running_server(settings) as base:
        p = pixels(httpx.get(f"{base}/iiif/3/gray.png/full/max/0/default.png", timeout=30))
    left, top, right, bottom = changed_box(p)
    assert right <= 791 and bottom <= 591 and right - left > 150 and bottom - top < 30
    ink = p[top:bottom, left:right]
    assert (ink == 255).all(axis=2).sum() > 100, "white glyphs"
    assert (ink < GRAY - 30).all(axis=2).sum() > 50, "a black outline half a pixel wide, darker than the gray"


def test_the_string_shrinks_to_fit_down_to_min_size_and_else_is_not_drawn(folder):
    settings = string_settings(folder, position="top left", **{"string.font.size": 40, "string.font.min_size": 14})
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        wide = changed_box(pixels(c.get("/iiif/3/gray.png/full/max/0/default.png")))
        narrow = changed_box(pixels(c.get("/iiif/3/gray.png/full/260,/0/default.png")))
        too_narrow = changed_box(pixels(c.get("/iiif/3/gray.png/full/120,/0/default.png")))
    assert wide[2] - wide[0] > 350, "40 points fit in 800 pixels"
    assert narrow is not None and narrow[2] <= 260 and narrow[2] - narrow[0] < 260
    assert too_narrow is None, "not even 14 points fit in 120 pixels"


def test_lines_are_split_at_backslash_n(folder):
    settings = string_settings(folder, string=r"first line\nsecond", position="top left")
    with running_server(settings) as base:
        p = pixels(httpx.get(f"{base}/iiif/3/gray.png/full/max/0/default.png", timeout=30))
    rows = np.nonzero((p != GRAY).any(axis=(1, 2)))[0]
    gaps = np.nonzero(np.diff(rows) > 1)[0]
    assert len(gaps) == 1, "two bands of ink"
    assert rows.max() - rows.min() > 35


STRING_SCRIPT = """
class CustomDelegate:
    def overlay(self):
        return {"string": "(c) Casaba", "color": "#ff0000", "stroke_width": 0, "position": "top left", "inset": 0, "font_size": 30}
"""


WRAPPING_SCRIPT = """
class CustomDelegate:
    def overlay(self):
        return {"string": "Casaba draws this caption wrapped", "color": "#ff0000", "stroke_width": 0,
                "position": "top left", "inset": 0, "font_size": 30, "font_min_size": 29, "word_wrap": True}
"""


def test_a_delegate_string_overlay_wrapped_at_its_size(folder, tmp_path):
    (tmp_path / "delegates.py").write_text(WRAPPING_SCRIPT)
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(tmp_path / "delegates.py"),
        "overlays.strategy": "ScriptStrategy",
    }
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        wide = pixels(c.get("/iiif/3/gray.png/full/max/0/default.png"))
        narrow = pixels(c.get("/iiif/3/gray.png/full/200,/0/default.png"))
        short = pixels(c.get("/iiif/3/gray.png/full/200,40/0/default.png"))

    def red_rows(p):
        return np.nonzero(((p[..., 0] > 200) & (p[..., 1] < 50)).any(axis=1))[0]

    def bands(rows):
        return 1 + int((np.diff(rows) > 1).sum()) if len(rows) else 0

    assert bands(red_rows(wide)) == 1, "one line where it fits"
    rows = red_rows(narrow)
    assert bands(rows) >= 3, "wrapped to 200 pixels at 30 points, where 29 would not fit on one line"
    assert rows.max() - rows.min() > 2 * 30
    assert bands(red_rows(short)) == 0, "too tall for 40 pixels: not drawn, not shrunk"


def test_a_delegate_string_overlay(folder, tmp_path):
    (tmp_path / "delegates.py").write_text(STRING_SCRIPT)
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(tmp_path / "delegates.py"),
        "overlays.strategy": "ScriptStrategy",
    }
    with running_server(settings) as base:
        p = pixels(httpx.get(f"{base}/iiif/3/gray.png/full/max/0/default.png", timeout=30))
    red = (p[..., 0] > 200) & (p[..., 1] < 50)
    assert red.sum() > 100 and np.nonzero(red)[0].max() < 40


def test_an_image_overlay_without_an_image_stops_start_up(folder):
    with pytest.raises(RuntimeError, match="overlays.BasicStrategy.image is not set"):
        with running_server(basic(folder, image=""), timeout=20):
            pass


def test_repeat_tiles_the_logo_from_the_centre_exactly(logo_server, folder):
    """Against a rendering made here with numpy: the logo tiled from a copy with its top left at
    the centre (rounded up), as Cantaloupe tiles it; exact, since nothing is resampled."""
    with running_server(basic(folder, position="repeat")) as base:
        got = pixels(httpx.get(f"{base}/iiif/3/gray.png/full/max/0/default.png", timeout=30))
    logo = np.asarray(Image.open(folder / "logo.png")).astype(int)
    expected = np.full((600, 800, 3), GRAY)
    for y in range(300 - 20 * 16, 600, 20):
        for x in range(400 - 40 * 11, 800, 40):
            ys, xs = slice(max(y, 0), min(y + 20, 600)), slice(max(x, 0), min(x + 40, 800))
            part = logo[ys.start - y : ys.stop - y, xs.start - x : xs.stop - x]
            a = part[..., 3:] / 255
            expected[ys, xs] = np.floor(part[..., :3] * a + expected[ys, xs] * (1 - a) + 0.5)
    assert np.abs(got - expected).max() <= 1


def test_scaled_fits_the_logo_inside_the_inset_and_centres_it(folder):
    """The 40 x 20 logo scaled to 760 x 380 inside an inset of 20 on an 800 x 600 answer, its
    top at (600 - 380) / 2 = 110: edges within a pixel (the logo is resampled)."""
    with running_server(basic(folder, position="scaled", inset=20)) as base:
        p = pixels(httpx.get(f"{base}/iiif/3/gray.png/full/max/0/default.png", timeout=30))
    red = (p[..., 0] > 200) & (p[..., 1] < 60)
    ys, xs = np.nonzero(red)
    assert abs(xs.min() - 20) <= 1 and abs(ys.min() - 110) <= 1 and abs(ys.max() - 489) <= 1
    # Upscaled 19 times, the edge between the halves is blurred over a few pixels.
    assert abs(xs.max() - 399) <= 8, "the red half ends where the translucent half begins"
    assert (p[300, 600] - (GRAY // 2, GRAY // 2, (GRAY + 255) // 2) <= 2).all()
