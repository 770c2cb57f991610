"""The landing page, its static files and /health on a real server: what the page says (kinds,
never folders or hosts), the headers that keep it from being framed, and health answers that
name the failing dependency without naming where it is."""

import httpx
import pytest

from casaba import __version__
from casaba.testing import free_port, running_server


def test_the_landing_page_says_what_is_served_and_names_no_folder(client, images):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for said in (f"Casaba <span class=\"version\">{__version__}", "FilesystemSource", "/iiif/3/{identifier}/info.json", "/iiif/2/", "/health"):
        assert said in page, said
    assert str(images) not in page
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert "script-src" not in r.headers["content-security-policy"] and "default-src 'self'" in r.headers["content-security-policy"]


def test_an_identifier_in_the_query_is_escaped(client):
    page = client.get("/", params={"id": '"><script>alert(1)</script>'}).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("path", ["/static/viewer.js", "/static/casaba.css"])
def test_the_pages_files_come_from_the_package(client, path):
    r = client.get(path, params={"v": __version__})
    assert r.status_code == 200 and r.content and "immutable" in r.headers["cache-control"]


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/missing.js", "/static/", "/static/pages.py", "/nowhere", "/index.html"])
def test_nothing_else_is_served(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/", "/health", "/static/viewer.js"])
def test_pages_only_show(client, path):
    r = client.post(path)
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"


def test_health_is_green_while_the_server_can_serve(client):
    r = client.get("/health")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    assert r.json() == {"color": "GREEN", "message": None, "possibleColors": ["GREEN", "YELLOW", "RED"]}


def test_health_can_be_turned_off(images):
    with running_server({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/", "endpoint.health.enabled": "false"}) as base:
        assert httpx.get(f"{base}/health", timeout=30).status_code == 404


def health_of(settings):
    with running_server({"endpoint.health.dependency_check": "true", **settings}) as base:
        r = httpx.get(f"{base}/health", timeout=60)
    return r.status_code, r.json()


def test_dependencies_checked_and_green(images, tmp_path):
    status, body = health_of(
        {
            "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
            "cache.server.derivative.enabled": "true",
            "cache.server.derivative": "FilesystemCache",
            "FilesystemCache.pathname": str(tmp_path / "cache"),
        }
    )
    assert (status, body["color"]) == (200, "GREEN")
    assert not any((tmp_path / "cache").rglob("*health*")), "the probe is purged"


def test_an_unreadable_image_folder_is_red_and_named_by_kind_only(tmp_path):
    missing = tmp_path / "gone" / "images"
    status, body = health_of({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{missing}/"})
    assert (status, body["color"]) == (500, "RED")
    assert body["message"] == "FilesystemSource: The image folder cannot be read."


def test_an_unreachable_origin_is_red_without_its_address(tmp_path):
    port = free_port()
    status, body = health_of(
        {"source.static": "HttpSource", "HttpSource.BasicLookupStrategy.url_prefix": f"http://127.0.0.1:{port}/images/", "HttpSource.request_timeout": "2"}
    )
    assert (status, body["color"]) == (500, "RED")
    assert body["message"].startswith("HttpSource: ") and str(port) not in body["message"] and "127.0.0.1" not in body["message"]


def test_a_cache_that_cannot_be_reached_is_red_without_its_address(images):
    port = free_port()
    status, body = health_of(
        {
            "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
            "cache.server.derivative.enabled": "true",
            "cache.server.derivative": "RedisCache",
            "RedisCache.host": "127.0.0.1",
            "RedisCache.port": port,
        }
    )
    assert (status, body["color"]) == (500, "RED")
    assert body["message"].startswith("RedisCache: ") and str(port) not in body["message"]
