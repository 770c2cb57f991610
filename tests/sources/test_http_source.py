"""HttpSource through a real Casaba server, against real HTTP origins on loopback: one that
answers ranges, one that ignores them, one that is slow, one that wants Basic credentials."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from casaba.testing import free_port

from .helpers import http_settings, ranged, serving, whole_gets

TILE = "/iiif/3/pyramid.tif/1024,1024,256,256/256,/0/default.jpg"
SCALED_TILE = "/iiif/3/pyramid.tif/2048,0,1024,1024/256,/0/default.jpg"


@pytest.fixture(scope="module")
def remote(origin):
    with serving(http_settings(origin)) as client:
        yield client


def test_info_json_of_a_pyramid_costs_a_few_ranged_reads(remote, local, origin, pictures):
    origin.clear()
    r = remote.get("/iiif/3/pyramid.tif/info.json")
    assert r.status_code == 200, r.text
    info = r.json()
    assert (info["width"], info["height"]) == (4000, 3000)
    assert info["tiles"] == local.get("/iiif/3/pyramid.tif/info.json").json()["tiles"]
    seen = origin.seen("pyramid.tif")
    assert [s.method for s in seen][0] == "HEAD"
    assert not whole_gets(seen), "the pyramid was downloaded"
    assert 1 <= len(ranged(seen)) <= 12, seen


def test_a_tile_costs_one_ranged_read_not_a_download(remote, local, origin, pictures):
    remote.get("/iiif/3/pyramid.tif/info.json")
    for url in (TILE, SCALED_TILE):
        origin.clear()
        r = remote.get(url)
        assert r.status_code == 200, r.text
        assert r.content == local.get(url).content
        seen = origin.seen("pyramid.tif")
        assert [s.method for s in seen] == ["HEAD", "GET"], seen
        start, end = map(int, seen[1].range.removeprefix("bytes=").split("-"))
        assert end - start + 1 <= 128 * 1024 < len(pictures["pyramid.tif"]) // 10


def test_every_request_checks_the_version_with_one_head(remote, origin):
    remote.get(TILE)
    origin.clear()
    for _ in range(3):
        assert remote.get(TILE).status_code == 200
    assert [s.method for s in origin.seen("pyramid.tif")] == ["HEAD"] * 3


@pytest.mark.parametrize("url", ["/iiif/3/photo.jpg/full/max/0/default.png", "/iiif/3/photo.jpg/100,50,400,300/200,/90/gray.jpg",
                                 "/iiif/3/small.png/full/max/0/default.png", "/iiif/3/tiled.jp2/512,512,512,512/256,/0/default.png"])
def test_images_answer_as_from_the_filesystem(remote, local, url):
    r = remote.get(url)
    assert r.status_code == 200, r.text
    assert r.content == local.get(url).content


def test_a_jpeg_is_fetched_whole_once_per_request(remote, origin, pictures):
    url = "/iiif/3/photo.jpg/full/200,/0/default.jpg"
    remote.get(url)
    origin.clear()
    assert remote.get(url).status_code == 200
    seen = origin.seen("photo.jpg")
    assert len(whole_gets(seen)) == 1, seen


def test_jpeg2000_is_downloaded_not_read_by_ranges(remote, origin):
    # Each of its tile-part headers would cost a request (see sources/retrieval.py).
    origin.clear()
    assert remote.get("/iiif/3/tiled.jp2/0,0,512,512/256,/0/default.jpg").status_code == 200
    assert len(whole_gets(origin.seen("tiled.jp2"))) == 1


def test_the_format_comes_from_the_bytes_not_the_content_type(pictures):
    from .origins import Behaviour, Origin

    liar = Origin(pictures, Behaviour(types={"pyramid.tif": "image/jpeg", "photo.jpg": "image/tiff"}))
    try:
        with serving(http_settings(liar)) as client:
            assert client.get("/iiif/3/pyramid.tif/info.json").json()["width"] == 4000
            assert client.get("/iiif/3/photo.jpg/info.json").json()["width"] == 1200
            assert client.get("/iiif/3/notes.txt/info.json").status_code == 501
    finally:
        liar.close()


def test_missing_images_are_404_without_the_origins_url(remote, origin):
    r = remote.get("/iiif/3/nowhere.tif/info.json")
    assert r.status_code == 404
    assert "nowhere.tif" in r.text and origin.url not in r.text and "127.0.0.1" not in r.text


def test_identifiers_cannot_leave_the_url_prefix(remote, origin):
    origin.clear()
    # Dot segments are refused before any source is asked.
    assert remote.get("/iiif/3/..%2Fpyramid.tif/info.json").status_code == 400
    assert remote.get("/iiif/3/a%2F..%2F..%2Fpyramid.tif/info.json").status_code == 400
    assert origin.seen() == []


def test_an_origin_that_refuses_is_403(remote, origin):
    r = remote.get("/iiif/3/private%2Fpyramid.tif/info.json")
    assert r.status_code == 403
    assert origin.url not in r.text and "private" not in r.text


def test_an_origin_that_fails_is_502(remote, origin):
    r = remote.get("/iiif/3/broken%2Fpyramid.tif/info.json")
    assert r.status_code == 502
    assert "500" in r.text and origin.url not in r.text


def test_a_dead_origin_is_502():
    dead = f"http://127.0.0.1:{free_port()}/images/"
    with serving({"source.static": "HttpSource", "HttpSource.BasicLookupStrategy.url_prefix": dead}) as client:
        started = time.monotonic()
        r = client.get("/iiif/3/pyramid.tif/info.json")
        assert r.status_code == 502
        assert time.monotonic() - started < 5
        assert "could not be reached" in r.text and dead not in r.text


def test_a_changed_image_is_read_anew(origin, pictures):
    # Without resolve_first, info.json comes from the info cache without asking the origin.
    with serving(http_settings(origin, **{"cache.server.resolve_first": "true"})) as remote:
        assert remote.get("/iiif/3/small.png/info.json").json()["width"] == 300
        try:
            origin.put("small.png", pictures["photo.jpg"])
            assert remote.get("/iiif/3/small.png/info.json").json()["width"] == 1200
        finally:
            origin.put("small.png", pictures["small.png"])
        assert remote.get("/iiif/3/small.png/info.json").json()["width"] == 300


# --- an origin that ignores Range ---------------------------------------------------------


def test_an_origin_that_ignores_ranges_still_serves(rangeless_origin, local):
    with serving(http_settings(rangeless_origin)) as client:
        for url in ("/iiif/3/pyramid.tif/info.json", TILE, "/iiif/3/photo.jpg/full/300,/0/default.jpg"):
            r = client.get(url)
            assert r.status_code == 200, r.text
            if not url.endswith("json"):
                assert r.content == local.get(url).content
    # The first ranged read is answered with the whole file: the image is downloaded instead.
    assert whole_gets(rangeless_origin.seen("pyramid.tif"))


# --- a slow origin ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def impatient(slow_origin):
    with serving(http_settings(slow_origin, **{"HttpSource.request_timeout": "1"})) as client:
        yield client


@pytest.mark.parametrize("where", ["slow", "stalls"])
def test_a_slow_origin_is_504_after_the_timeout(impatient, slow_origin, where):
    started = time.monotonic()
    r = impatient.get(f"/iiif/3/{where}%2Fpyramid.tif/info.json")
    took = time.monotonic() - started
    assert r.status_code == 504
    assert "did not answer within 1 s" in r.text and slow_origin.url not in r.text
    assert 0.9 < took < 2.5


@pytest.mark.parametrize("where", ["slow", "stalls"])
def test_a_slow_origin_does_not_hold_up_other_requests(impatient, where):
    # 'stalls/' images are being read in threads when they stall: more of them than cores.
    slow = [f"/iiif/3/{where}%2Fpyramid.tif/{x},0,256,256/256,/0/default.jpg" for x in range(0, 256 * 12, 256)]
    with ThreadPoolExecutor(len(slow)) as pool:
        pending = [pool.submit(impatient.get, url) for url in slow]
        time.sleep(0.3)
        started = time.monotonic()
        fast = impatient.get(TILE)
        took = time.monotonic() - started
        statuses = [p.result().status_code for p in pending]
    assert fast.status_code == 200 and took < 0.8, took
    assert statuses == [504] * len(slow)


# --- an origin that wants credentials -----------------------------------------------------


def test_basic_credentials_open_the_origin(locked_origin, local):
    settings = http_settings(locked_origin, **{
        "HttpSource.BasicLookupStrategy.auth.basic.username": "reader",
        "HttpSource.BasicLookupStrategy.auth.basic.secret": "open sesame",
    })
    with serving(settings) as client:
        assert client.get(TILE).content == local.get(TILE).content
        r = client.get("/iiif/3/private%2Fphoto.jpg/info.json")
        assert r.status_code == 403 and "open sesame" not in r.text


@pytest.mark.parametrize("username, secret", [("", ""), ("reader", "wrong")])
def test_missing_or_wrong_credentials_are_403(locked_origin, username, secret):
    settings = http_settings(locked_origin, **{
        "HttpSource.BasicLookupStrategy.auth.basic.username": username,
        "HttpSource.BasicLookupStrategy.auth.basic.secret": secret,
    })
    with serving(settings) as client:
        r = client.get("/iiif/3/pyramid.tif/info.json")
        assert r.status_code == 403
        assert "refused" in r.text and locked_origin.url not in r.text and "wrong" not in r.text
