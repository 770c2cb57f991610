"""An S3 endpoint that fails, then comes back, through a real server with a derivative cache and
the source cache: moto's S3 server behind a proxy that refuses connections, never answers,
answers S3's 500 and 503 errors, cuts bodies short or announces a wrong length. Each fault is a
502 (504 for no answer in time) naming neither endpoint nor bucket; nothing of the failed answer
is kept (no derivative, no info, no downloaded source); and the same requests are answered right
as soon as the endpoint is back."""

import pytest

from .helpers import BUCKET, PREFIX, s3_settings, serving
from .origins import Fault, FaultyProxy

#: Seconds S3Source waits for an answer: short, so that a hang costs the test little.
TIMEOUT = 3
STATUS = {
    Fault.DOWN: 502,
    Fault.HANG: 504,
    Fault.ERROR_500: 502,
    Fault.ERROR_503: 502,
    Fault.CUT_SHORT: 502,
    Fault.WRONG_LENGTH: 502,
}
PHOTO_INFO = "/iiif/3/photo.jpg/info.json"
PHOTO = "/iiif/3/photo.jpg/full/300,/0/default.jpg"
PYRAMID_INFO = "/iiif/3/pyramid.tif/info.json"
TILE = "/iiif/3/pyramid.tif/1024,1024,256,256/256,/0/default.jpg"
#: Read by ranges (the pyramid), downloaded into the source cache (the JPEG).
REQUESTS = (PHOTO_INFO, PHOTO, PYRAMID_INFO, TILE)


@pytest.fixture
def proxy(moto):
    p = FaultyProxy(moto.endpoint)
    yield p
    p.close()


@pytest.fixture
def casaba(proxy, tmp_path):
    """A server reading S3 through the proxy: derivatives and infos in a FilesystemCache, images
    read whole downloaded into the source cache beside them."""
    cache = tmp_path / "cache"
    settings = s3_settings(
        proxy.endpoint,
        **{
            "S3Source.request_timeout": str(TIMEOUT),
            "processor.fallback_retrieval_strategy": "CacheStrategy",
            "cache.server.derivative.enabled": "true",
            "cache.server.derivative": "FilesystemCache",
            "FilesystemCache.pathname": str(cache),
        },
    )
    with serving(settings, timeout=60) as client:
        yield client, cache


def kept(cache, *kinds):
    """The files the cache holds of ``kinds`` (derivatives, infos, downloaded sources), partial
    ones included; lock files are not kept answers."""
    return [p for kind in kinds for p in (cache / kind).rglob("*") if p.is_file() and not p.name.endswith(".lock")]


def failed(r, status):
    assert r.status_code == status, (r.request.url, r.status_code, r.text)
    assert not r.headers["content-type"].startswith("image/")
    assert "127.0.0.1" not in r.text and BUCKET not in r.text and PREFIX not in r.text, r.text


def same_as_local(r, local, path):
    assert r.status_code == 200, (path, r.status_code, r.text)
    expected = local.get(path)
    if path.endswith("info.json"):
        assert {**r.json(), "id": ""} == {**expected.json(), "id": ""}
    else:
        assert r.headers["content-type"] == "image/jpeg" and r.content == expected.content


@pytest.mark.parametrize("fault", STATUS, ids=lambda f: f.value)
def test_a_failing_endpoint_keeps_nothing_and_is_recovered_from_at_once(casaba, proxy, local, fault):
    client, cache = casaba
    proxy.set(fault)
    for path in REQUESTS:
        failed(client.get(path), STATUS[fault])
    assert kept(cache, "image", "info", "source") == []
    proxy.set(Fault.NONE)
    for path in REQUESTS:
        same_as_local(client.get(path), local, path)
    assert len(kept(cache, "image")) == 2 and len(kept(cache, "source")) == 1


@pytest.mark.parametrize("fault", STATUS, ids=lambda f: f.value)
def test_a_fault_while_tiles_are_read_from_an_open_image(casaba, proxy, local, fault):
    client, cache = casaba
    same_as_local(client.get(PYRAMID_INFO), local, PYRAMID_INFO)
    # The object is still found (HEAD answers); reading its tiles fails.
    proxy.set(fault, gets_only=True)
    failed(client.get(TILE), STATUS[fault])
    assert kept(cache, "image") == []
    proxy.set(Fault.NONE)
    same_as_local(client.get(TILE), local, TILE)
    assert len(kept(cache, "image")) == 1
