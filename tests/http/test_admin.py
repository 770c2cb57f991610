"""The control panel at /admin on a real server: 404 while disabled, start-up refused without a
secret, HTTP Basic, an area per part of the configuration made from the key declarations,
secrets never sent, a saved form applied and written to the file, a refused one shown again
with its reason and nothing changed, and forms from elsewhere refused."""

import asyncio
import re
import subprocess
import sys
from html import unescape

import httpx
import pytest

from casaba.serving import live
from casaba.settings import SettingsError, load
from casaba.settings.keys import KEYS
from casaba.testing import free_port, running_server, write_properties
from casaba.web.admin.areas import AREAS, LABELS, OTHER, area_of
from casaba.web.admin.panel import render

USER, SECRET = "admin", "pa55-w0rd-xyz"
S3_SECRET, HTTP_SECRET = "s3-very-secret-value", "http-very-secret-value"


@pytest.fixture(scope="module")
def panel(tmp_path_factory, images):
    folder = tmp_path_factory.mktemp("admin")
    config = folder / "casaba.properties"
    settings = {
        "# The tutorial's configuration": "",
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "endpoint.admin.enabled": "true",
        "endpoint.admin.username": USER,
        "endpoint.admin.secret": SECRET,
        "S3Source.access_key_id": "AKIDEXAMPLE",
        "S3Source.secret_key": S3_SECRET,
        "HttpSource.BasicLookupStrategy.auth.basic.secret": HTTP_SECRET,
    }
    with running_server(settings, config_path=config) as base:
        with httpx.Client(base_url=base, auth=(USER, SECRET), timeout=30) as client:
            yield client, config


def token(client):
    page = client.get("/admin").text
    return re.search(r'name="_token" value="([0-9a-f]+)"', page).group(1)


def post(client, area, fields, **kwargs):
    return client.post("/admin", data={"_area": area, "_token": token(client), **fields}, **kwargs)


def test_disabled_it_is_not_found(client):
    assert client.get("/admin").status_code == 404
    assert client.post("/admin", data={"a": "b"}).status_code == 404


def test_start_up_refuses_it_enabled_without_a_secret(tmp_path):
    config = write_properties(tmp_path / "open.properties", {"endpoint.admin.enabled": "true"})
    r = subprocess.run([sys.executable, "-m", "casaba", "serve", "--config", str(config), "--port", str(free_port())],
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode != 0
    assert "endpoint.admin.secret" in r.stderr


def test_a_live_change_cannot_leave_it_open(panel):
    _, config = panel
    before = config.read_bytes()
    with pytest.raises(SettingsError, match="endpoint.admin.secret"):
        asyncio.run(live.apply(load(config), {"endpoint.admin.secret": ""}))
    assert config.read_bytes() == before


@pytest.mark.parametrize("auth", [None, (USER, "wrong"), ("someone", SECRET), (USER, "")])
def test_without_the_credentials_it_asks_for_them(panel, auth):
    client, _ = panel
    response = httpx.get(str(client.base_url).rstrip("/") + "/admin", auth=auth, timeout=30)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Basic realm="Casaba control panel"')
    assert SECRET not in response.text


def test_the_page_has_every_key_in_its_area(panel):
    client, _ = panel
    response = client.get("/admin")
    assert response.status_code == 200
    assert response.headers["x-frame-options"] == "DENY"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "unsafe-inline" not in csp
    page = unescape(response.text)
    assert "<script" not in page or 'src="static/' in page
    for area in AREAS:
        assert f'<section id="{area.id}"' in page
    for name, key in KEYS.items():
        assert area_of(name) is not OTHER, f"{name} is in no area"
        assert f'name="{name}"' in page and f"<code>{name}</code>" in page
        assert key.doc in page
    for label in LABELS.values():
        assert f">{label}</label>" in page
    # Booleans as checkboxes, choices as selects, numbers as numbers, restart-only keys read-only.
    assert re.search(r'<input type="checkbox" id="k-overlays.BasicStrategy.enabled"', page)
    assert re.search(r'<select id="k-overlays.BasicStrategy.type"[^>]*><option value="image" selected>', page)
    assert re.search(r'<input type="number" id="k-processor.jpg.quality"[^>]*value="80"', page)
    assert re.search(r'id="k-http.port"[^>]*disabled', page)
    assert "needs a restart" in page


def test_secrets_are_never_sent(panel):
    client, _ = panel
    page = client.get("/admin").text
    for secret in (SECRET, S3_SECRET, HTTP_SECRET):
        assert secret not in page
    assert re.search(r'<input type="password" id="k-S3Source.secret_key"[^>]*value=""', page)
    assert "AKIDEXAMPLE" in page, "an access key ID is no secret"


def test_a_saved_area_is_applied_and_written(panel):
    client, config = panel
    response = post(client, "processing", {"processor.jpg.quality": "55", "processor.jpg.progressive": "true", "_checkbox": "processor.jpg.progressive"})
    assert response.status_code == 303
    assert response.headers["location"] == "admin?saved=processing#processing"
    text = config.read_text()
    assert "processor.jpg.quality = 55" in text and "processor.jpg.progressive = true" in text
    assert text.startswith("# The tutorial's configuration"), "the file's comment was lost"
    page = client.get("/admin?saved=processing").text
    assert re.search(r'id="k-processor.jpg.quality"[^>]*value="55"', page)
    assert "Saved." in page
    # An unticked checkbox whose marker was on the form is false; the rest of the area is kept.
    post(client, "processing", {"_checkbox": "processor.jpg.progressive"})
    text = config.read_text()
    assert "processor.jpg.progressive = false" in text and "processor.jpg.quality = 55" in text


def test_the_logging_area_shows_cantaloupes_labels_and_saves(panel):
    client, config = panel
    page = unescape(client.get("/admin").text)
    assert '<section id="logging"' in page
    assert ">Application Log · Log Level</label>" in page and ">Access Log · Rolling File Appender · Filename Pattern</label>" in page
    assert re.search(r'<select id="k-log.application.level"[^>]*>.*<option value="info" selected>.*<option value="off">', page)
    assert post(client, "logging", {"log.application.level": "debug", "log.access.format": "json"}).status_code == 303
    text = config.read_text()
    assert "log.application.level = debug" in text and "log.access.format = json" in text
    refused = post(client, "logging", {"log.access.FileAppender.enabled": "true", "_checkbox": "log.access.FileAppender.enabled"})
    assert "log.access.FileAppender.enabled = true needs log.access.FileAppender.pathname" in unescape(refused.text)
    assert "log.access.FileAppender.enabled" not in config.read_text()


def test_an_empty_secret_keeps_the_stored_one(panel):
    client, config = panel
    response = post(client, "source", {"S3Source.secret_key": "", "HttpSource.BasicLookupStrategy.auth.basic.secret": ""})
    assert response.status_code == 303 and "same=source" in response.headers["location"]
    assert S3_SECRET in config.read_text()


def test_a_bad_value_is_refused_with_its_reason_and_nothing_changes(panel):
    client, config = panel
    before = config.read_bytes()
    response = post(client, "processing", {"processor.jpg.quality": "500", "max_scale": "2"})
    assert response.status_code == 400
    page = unescape(response.text)
    assert re.search(r'<p class="error" id="e-processor.jpg.quality" role="alert">processor.jpg.quality = \'500\'[^<]*integer from 1 to 100', page)
    assert re.search(r'id="k-processor.jpg.quality"[^>]*aria-invalid="true"[^>]*value="500"', page), "what was typed is shown again"
    assert config.read_bytes() == before
    assert re.search(r'id="k-max_scale"[^>]*value="1.0"', client.get("/admin").text), "nothing was applied"
    # A key that only changes with a restart, and keys that only go together.
    assert post(client, "server", {"http.port": "9999"}).status_code == 400
    response = post(client, "source", {"S3Source.access_key_id": ""})
    assert response.status_code == 400 and "go together" in unescape(response.text)
    assert S3_SECRET not in response.text
    assert config.read_bytes() == before


def test_forms_from_elsewhere_are_refused(panel):
    client, config = panel
    before = config.read_bytes()
    change = {"_area": "processing", "processor.jpg.quality": "33"}
    assert client.post("/admin", data=change).status_code == 403
    assert client.post("/admin", data={**change, "_token": "0" * 64}).status_code == 403
    assert client.post("/admin", data={**change, "_token": token(client)}, headers={"origin": "http://evil.example"}).status_code == 403
    assert client.post("/admin", json={**change, "_token": token(client)}).status_code == 415
    assert config.read_bytes() == before
    own = str(client.base_url).rstrip("/")
    assert client.post("/admin", data={**change, "_token": token(client)}, headers={"origin": own}).status_code == 303


def test_without_a_configuration_file_saving_is_disabled():
    settings = load(None, environ={}, overrides={"endpoint.admin.enabled": "true", "endpoint.admin.secret": SECRET})
    page = render(settings, "").decode()
    assert "without a configuration file" in page
    assert page.count("<button type=\"submit\" disabled>") == len(AREAS)


def test_the_landing_page_links_to_it(panel, client):
    enabled, _ = panel
    assert '<a href="admin">' in enabled.get("/").text
    assert '<a href="admin">' not in client.get("/").text


def test_after_a_restart_the_saved_file_serves_the_same(images, tmp_path):
    config = tmp_path / "casaba.properties"
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "endpoint.admin.enabled": "true",
        "endpoint.admin.username": USER,
        "endpoint.admin.secret": SECRET,
    }
    url = "/iiif/3/photo.jpg/full/600,/0/default.png"
    with running_server(settings, config_path=config) as base, httpx.Client(base_url=base, auth=(USER, SECRET), timeout=30) as client:
        plain = client.get(url).content
        fields = {
            "overlays.BasicStrategy.enabled": "true",
            "_checkbox": "overlays.BasicStrategy.enabled",
            "overlays.BasicStrategy.type": "string",
            "overlays.BasicStrategy.string": "My DHSI Images 2024",
        }
        assert post(client, "overlays", fields).status_code == 303
        saved = client.get(url).content
    assert saved != plain
    with running_server(None, config_path=config) as base:
        assert httpx.get(base + url, timeout=30).content == saved
