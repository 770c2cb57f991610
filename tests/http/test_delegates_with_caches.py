"""Delegates and the derivative cache together: a cached derivative is served only to requests
the delegate allows (it is asked on every request, hit or miss), a scale constraint names its own
derivative, and info.json from a kept info still carries the delegate's extra keys."""

import io

import httpx
import pytest
from PIL import Image

from casaba.testing import running_server

SCRIPT = '''
from casaba.delegates import Delegate


class CustomDelegate(Delegate):
    blocking = False

    def pre_authorize(self):
        if self.context["identifier"] == "photo.jpg" and self.context["cookies"].get("access") == "partial":
            return {"status_code": 302, "scale_numerator": 1, "scale_denominator": 2}
        return True

    def authorize(self):
        return self.context["request_headers"].get("x-key") == "open sesame"

    def extra_iiif3_information_response_keys(self):
        return {"rights": "http://rightsstatements.org/vocab/InC/1.0/"}
'''

ALLOWED = {"x-key": "open sesame"}


@pytest.fixture(scope="module")
def server(images, tmp_path_factory):
    folder = tmp_path_factory.mktemp("delegated-cached")
    (folder / "delegates.py").write_text(SCRIPT)
    cache = folder / "cache"
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(folder / "delegates.py"),
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "FilesystemCache",
        "FilesystemCache.pathname": str(cache),
    }
    with running_server(settings, workers=1) as base:
        with httpx.Client(base_url=base, timeout=30) as c:
            yield c, cache


def entries(cache):
    return sorted(p for p in (cache / "image").rglob("*") if p.is_file() and not p.name.startswith("."))


def test_a_cached_derivative_is_served_only_to_allowed_requests(server):
    c, cache = server
    path = "/iiif/3/photo.jpg/0,0,500,500/250,/0/default.jpg"
    first = c.get(path, headers=ALLOWED)
    assert first.status_code == 200
    assert len(entries(cache)) >= 1
    again = c.get(path, headers=ALLOWED)
    assert again.status_code == 200 and again.content == first.content
    refused = c.get(path)
    assert refused.status_code == 403
    assert refused.content != first.content


def test_a_scale_constraint_has_its_own_derivative(server):
    c, _ = server
    path = "/iiif/3/photo.jpg;1:2/full/max/0/default.jpg"
    whole = Image.open(io.BytesIO(c.get("/iiif/3/photo.jpg/full/max/0/default.jpg", headers=ALLOWED).content))
    for _ in range(2):  # a miss, then a hit
        r = c.get(path, headers=ALLOWED)
        assert r.status_code == 200
        assert Image.open(io.BytesIO(r.content)).size == (whole.width // 2, whole.height // 2)
    redirected = c.get("/iiif/3/photo.jpg/info.json", headers={**ALLOWED, "cookie": "access=partial"})
    assert redirected.status_code == 302
    assert redirected.headers["location"].endswith("/iiif/3/photo.jpg;1:2/info.json")


def test_info_from_a_kept_info_carries_the_extra_keys(server):
    c, _ = server
    for _ in range(2):
        r = c.get("/iiif/3/photo.jpg/info.json")
        assert r.status_code == 200
        assert r.json()["rights"] == "http://rightsstatements.org/vocab/InC/1.0/"


ROUTES = [
    ("GET", "/iiif/3/photo.jpg/full/max/0/default.jpg"),
    ("HEAD", "/iiif/3/photo.jpg/full/max/0/default.jpg"),
    ("GET", "/iiif/2/photo.jpg/full/full/0/default.jpg"),
    ("GET", "/iiif/3/photo.jpg;1/full/max/0/default.jpg"),
    ("GET", "/iiif/3/photo.jpg;1:2/full/max/0/default.jpg"),
    ("GET", "/iiif/3/photo.jpg/full/max/0/default.png"),
]


@pytest.mark.parametrize("method, path", ROUTES)
def test_no_route_goes_around_authorize(server, method, path):
    """Made and cached for an allowed request first (the derivative, the info, what the worker
    remembers); then the same asked without the key, by any route, gets no pixels. (As in
    Cantaloupe, ``authorize`` is asked for images, not info.json.)"""
    c, _ = server
    assert c.request(method, path, headers=ALLOWED, follow_redirects=True).status_code == 200
    refused = c.request(method, path, follow_redirects=True)
    assert refused.status_code == 403, (path, refused.status_code)
    assert not refused.headers.get("content-type", "").startswith("image/")
