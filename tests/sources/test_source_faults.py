"""An origin that fails, then comes back, through a real server with a derivative cache: its
500s and bodies cut short are 502s, never an image made of what came; nothing of the failure is
kept (no derivative, no info); and the same request succeeds as soon as the origin does."""

import httpx
import pytest

from .helpers import http_settings, serving
from .origins import Behaviour, Origin

IMAGE = "/iiif/3/photo.jpg/full/300,/0/default.jpg"
INFO = "/iiif/3/photo.jpg/info.json"


@pytest.fixture
def failing(pictures, tmp_path):
    origin = Origin({"photo.jpg": pictures["photo.jpg"]}, Behaviour(ranges=False, broken=("photo",)))
    cache = tmp_path / "cache"
    settings = http_settings(
        origin,
        **{"cache.server.derivative.enabled": "true", "cache.server.derivative": "FilesystemCache", "FilesystemCache.pathname": str(cache)},
    )
    with serving(settings) as client:
        yield client, origin, cache
    origin.close()


def kept(cache):
    """The derivatives and infos the cache holds."""
    return [p for p in cache.rglob("*") if p.is_file() and ("/image/" in str(p) or "/info/" in str(p))]


@pytest.mark.parametrize("fault", [Behaviour(ranges=False, broken=("photo",)), Behaviour(ranges=False, truncated=("photo",))])
def test_a_failing_origin_is_502_keeps_nothing_and_recovers(failing, fault):
    client, origin, cache = failing
    origin.behaviour = fault
    for path in (INFO, IMAGE):
        r = client.get(path)
        assert r.status_code == 502, (path, r.status_code, r.text)
        assert origin.url not in r.text and not r.headers["content-type"].startswith("image/")
    assert kept(cache) == []
    origin.behaviour = Behaviour(ranges=False)
    assert client.get(INFO).json()["width"] == 1200
    recovered = client.get(IMAGE)
    assert recovered.status_code == 200 and recovered.headers["content-type"] == "image/jpeg"
