"""An overlay changed between two runs of the server (a new logo file, a new string) is never
answered from what a cache tier kept of the old one: every derivative cache, the browser (its
ETag) and the memory of requests."""

import io

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import running_server

from .conftest import redis_server, s3_cache_settings


def drawn(response):
    """The colours of at least 20 pixels of the answer's top-left corner, where the overlay is."""
    assert response.status_code == 200, response.text
    corner = np.asarray(Image.open(io.BytesIO(response.content)).convert("RGB"))[:25, :80].reshape(-1, 3)
    colours, counts = np.unique(corner, axis=0, return_counts=True)
    return {tuple(int(v) for v in c) for c, n in zip(colours, counts) if n >= 20}


@pytest.fixture(scope="module")
def cache_settings(request, tmp_path_factory, s3_cache_bucket):
    """Settings of each derivative cache, by name."""
    with redis_server() as redis:
        yield {
            "FilesystemCache": {"FilesystemCache.pathname": str(tmp_path_factory.mktemp("cache"))},
            "HeapCache": {},
            "RedisCache": {"RedisCache.host": "127.0.0.1", "RedisCache.port": redis.port},
            "S3Cache": s3_cache_settings(s3_cache_bucket, prefix="overlays/"),
        }


@pytest.mark.parametrize("cache", ["FilesystemCache", "HeapCache", "RedisCache", "S3Cache"])
def test_a_changed_logo_or_string_is_never_answered_from_an_old_entry(cache, cache_settings, tmp_path):
    Image.fromarray(np.full((300, 400, 3), 100, np.uint8)).save(tmp_path / "gray.png")
    logo = tmp_path / "logo.png"
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{tmp_path}/",
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": cache,
        "overlays.BasicStrategy.enabled": "true",
        "overlays.BasicStrategy.type": "image",
        "overlays.BasicStrategy.image": str(logo),
        "overlays.BasicStrategy.position": "top left",
        **cache_settings[cache],
    }
    url = "/iiif/3/gray.png/full/max/0/default.png"
    tags = []
    runs = [("image", (255, 0, 0)), ("image", (0, 255, 0)), ("string", (255, 255, 255))]
    for kind, colour in runs:
        Image.fromarray(np.full((20, 20, 3), colour, np.uint8)).save(logo)
        settings.update({"overlays.BasicStrategy.type": kind, "overlays.BasicStrategy.string": "MMMM", "overlays.BasicStrategy.string.stroke.width": 0})
        with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
            first = c.get(url)
            assert colour in drawn(first)
            assert drawn(c.get(url)) == drawn(first), "again, from the cache: what this overlay made"
            assert not any(old in drawn(first) for _, old in runs if old != colour)
            assert c.get(url, headers={"if-none-match": first.headers["etag"]}).status_code == 304
            for earlier in tags:
                assert c.get(url, headers={"if-none-match": earlier}).status_code == 200, "an old ETag is not current"
            tags.append(first.headers["etag"])
    assert len(set(tags)) == len(runs)
