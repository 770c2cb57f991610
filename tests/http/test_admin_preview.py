"""The control panel's overlay preview on a real server: the overlays form's values (unsaved)
drawn on the demo test chart by the image endpoint's own steps, byte for byte what the image
endpoint serves with those values saved; its words; a bad value refused naming its key; behind
the panel's credentials, and not there while the panel is disabled. The server's demo folder is
a fresh one, so the preview draws its chart first, and its source is a folder without it."""

import io
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import running_server

USER, SECRET = "admin", "pr3view-secret"
ENABLED = "overlays.BasicStrategy.enabled"
#: The saved overlay: a string at the top left.
SAVED = {ENABLED: "true", "overlays.BasicStrategy.type": "string", "overlays.BasicStrategy.string": "Saved", "overlays.BasicStrategy.position": "top left"}
#: The chart as the image endpoint serves it with the request the preview shows.
CHART = "/iiif/3/chart.jpg/full/!800,800/0/default.jpg"


@pytest.fixture(scope="module")
def site(tmp_path_factory, images):
    folder = tmp_path_factory.mktemp("preview")
    logo = np.zeros((90, 90, 4), np.uint8)
    logo[..., 0], logo[..., 3] = 255, 255  # opaque red
    Image.fromarray(logo, "RGBA").save(folder / "logo.png")
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "endpoint.admin.enabled": "true",
        "endpoint.admin.username": USER,
        "endpoint.admin.secret": SECRET,
        **SAVED,
    }
    env = {"XDG_DATA_HOME": str(folder / "data")}
    with running_server(settings, env=env) as base, httpx.Client(base_url=base, auth=(USER, SECRET), timeout=30) as client:
        yield client, folder


#: The saved overlay's form with its checkbox unticked (an unticked checkbox is not sent).
UNTICKED = {k: v for k, v in SAVED.items() if k != ENABLED}


def form(values):
    """The overlays form's fields as the browser sends them: the values, and the marker of the
    checkbox."""
    return {"_checkbox": ENABLED, **values}


def preview(client, fields=None):
    response = client.get("/admin/preview.jpg", params=fields)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg" and response.headers["cache-control"] == "no-store"
    return response.content


def pixels(content):
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGB")).astype(int)


def changed(a, b):
    return np.abs(a - b).mean() > 3


def test_the_first_previews_asked_at_once_draw_the_chart(site):
    client, folder = site
    assert not (folder / "data").exists()
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda name: client.get(f"/admin/{name}"), ["preview.jpg", "preview.json"] * 2))
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert (folder / "data" / "casaba" / "demo-images" / "chart.jpg").is_file()


def test_it_draws_what_the_image_endpoint_serves(site):
    client, folder = site
    saved = preview(client)
    assert Image.open(io.BytesIO(saved)).size == (800, 600)
    # The image endpoint serves the same bytes for the same request of the same file.
    chart = folder / "data" / "casaba" / "demo-images" / "chart.jpg"
    with running_server({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{chart.parent}/", **SAVED}) as base:
        assert httpx.get(base + CHART, timeout=30).content == saved
    # The form's values as they are saved are the saved settings' preview.
    assert preview(client, form(SAVED)) == saved


def test_a_string_overlay_differs_from_none(site):
    client, _ = site
    plain = pixels(preview(client, form(UNTICKED)))
    saved = pixels(preview(client))
    assert changed(saved[:60, :200], plain[:60, :200]) and not changed(saved[-60:, -300:], plain[-60:, -300:])
    typed_values = {"overlays.BasicStrategy.string": "Typed, not saved", "overlays.BasicStrategy.position": "bottom right", "overlays.BasicStrategy.string.color": "red"}
    typed = pixels(preview(client, form({**SAVED, **typed_values})))
    assert changed(typed[-60:, -300:], plain[-60:, -300:]) and not changed(typed[:60, :200], plain[:60, :200])


def test_an_image_overlay(site):
    client, folder = site
    fields = {**SAVED, "overlays.BasicStrategy.type": "image", "overlays.BasicStrategy.image": str(folder / "logo.png"), "overlays.BasicStrategy.position": "bottom right"}
    corner = pixels(preview(client, form(fields)))[-90:, -90:]
    assert (np.abs(corner - [255, 0, 0]).max(axis=-1) < 8).mean() > 0.9, "no red logo at the bottom right"
    words = client.get("/admin/preview.json", params=form(fields)).json()
    assert words["status"] == f"Draws the image {folder / 'logo.png'} at bottom right."


def test_its_words_say_what_is_drawn_or_why_nothing_is(site):
    client, _ = site
    answer = client.get("/admin/preview.json")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.json() == {
        "alt": "The demo test chart, 800 × 600, with the string “Saved” at top left.",
        "status": "Draws the string “Saved” at top left.",
    }
    cases = {
        "Basic Strategy Enabled is off": UNTICKED,
        "ScriptStrategy": {**SAVED, "overlays.strategy": "ScriptStrategy"},
        "the string is empty": {**SAVED, "overlays.BasicStrategy.string": ""},
        "responses narrower than 1000 get none": {**SAVED, "overlays.BasicStrategy.output_width_threshold": "1000"},
    }
    for why, fields in cases.items():
        words = client.get("/admin/preview.json", params=form(fields)).json()
        assert why in words["status"] and words["alt"] == "The demo test chart, 800 × 600, without an overlay.", words


def test_a_bad_value_is_refused_naming_its_key(site):
    client, folder = site
    for fields, named in (
        ({"overlays.BasicStrategy.string.font.size": "0"}, "overlays.BasicStrategy.string.font.size = '0'"),
        ({"overlays.BasicStrategy.position": "sideways"}, "overlays.BasicStrategy.position = 'sideways'"),
        ({"overlays.BasicStrategy.type": "image", "overlays.BasicStrategy.image": ""}, "overlays.BasicStrategy.image is not set"),
        ({"overlays.BasicStrategy.type": "image", "overlays.BasicStrategy.image": str(folder / "none.png")}, "cannot read the overlay image"),
    ):
        for name in ("preview.jpg", "preview.json"):
            answer = client.get(f"/admin/{name}", params=form({**SAVED, **fields}))
            assert answer.status_code == 400 and named in answer.text, answer.text
            assert answer.headers["content-type"].startswith("text/plain") and "no-cache" in answer.headers["cache-control"]
            assert SECRET not in answer.text


def test_it_asks_for_the_panels_credentials(site):
    client, _ = site
    for auth in (None, (USER, "wrong")):
        for name in ("preview.jpg", "preview.json"):
            answer = httpx.get(f"{client.base_url}/admin/{name}", auth=auth)
            assert answer.status_code == 401 and "www-authenticate" in answer.headers
    assert client.get("/admin/preview.png").status_code == 404


def test_it_is_not_there_while_the_panel_is_disabled(client):
    for name in ("preview.jpg", "preview.json"):
        assert client.get(f"/admin/{name}").status_code == 404
