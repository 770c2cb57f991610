"""Retrieval strategies through a real Casaba server: streaming by ranges, downloading per
request, the source cache, and concurrent first requests that fetch once."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from .helpers import PREFIX, http_settings, ranged, s3_settings, serving, whole_gets

TILES = [f"/iiif/3/pyramid.tif/{x},{y},256,256/256,/0/default.jpg" for x in (0, 256, 512, 768) for y in (0, 256)]
PHOTO = "/iiif/3/photo.jpg/full/300,/0/default.jpg"


def get_all(client, urls):
    with ThreadPoolExecutor(len(urls)) as pool:
        return list(pool.map(client.get, urls))


def test_concurrent_first_requests_download_once_into_the_source_cache(origin, local, tmp_path):
    settings = http_settings(origin, **{"processor.stream_retrieval_strategy": "CacheStrategy", "FilesystemCache.pathname": tmp_path})
    origin.clear()
    with serving(settings) as client:
        answers = get_all(client, TILES)
        assert [r.content for r in answers] == [local.get(u).content for u in TILES]
        assert len(whole_gets(origin.seen("pyramid.tif"))) == 1
        assert not ranged(origin.seen("pyramid.tif"))
        cached = [p for p in (tmp_path / "source").rglob("*") if p.is_file() and not p.name.endswith(".lock")]
        assert len(cached) == 1 and cached[0].stat().st_size == len(origin.files["pyramid.tif"])
        origin.clear()
        assert client.get(TILES[0]).status_code == 200
        assert [s.method for s in origin.seen("pyramid.tif")] == ["HEAD"]
    # The cache outlives the server: a new one serves from it after a HEAD.
    origin.clear()
    with serving(settings) as client:
        assert client.get(TILES[1]).content == local.get(TILES[1]).content
    assert [s.method for s in origin.seen("pyramid.tif")] == ["HEAD"]


def test_a_changed_image_is_downloaded_again_into_the_cache(origin, pictures, tmp_path):
    settings = http_settings(
        origin,
        **{"processor.stream_retrieval_strategy": "CacheStrategy", "FilesystemCache.pathname": tmp_path, "cache.server.resolve_first": "true"},
    )
    with serving(settings) as client:
        assert client.get("/iiif/3/small.png/info.json").json()["width"] == 300
        try:
            origin.put("small.png", pictures["photo.jpg"])
            assert client.get("/iiif/3/small.png/info.json").json()["width"] == 1200
        finally:
            origin.put("small.png", pictures["small.png"])


def test_whole_file_formats_fall_back_to_the_cache_while_pyramids_stream(origin, local, tmp_path):
    settings = http_settings(origin, **{"processor.fallback_retrieval_strategy": "CacheStrategy", "FilesystemCache.pathname": tmp_path})
    origin.clear()
    with serving(settings) as client:
        assert all(r.status_code == 200 for r in get_all(client, [PHOTO] * 6 + TILES))
        for _ in range(3):
            assert client.get(PHOTO).content == local.get(PHOTO).content
    assert len(whole_gets(origin.seen("photo.jpg"))) == 1
    assert not whole_gets(origin.seen("pyramid.tif"))


def test_download_strategy_downloads_per_request_and_shares_concurrent_ones(origin, local):
    settings = http_settings(origin, **{"processor.stream_retrieval_strategy": "DownloadStrategy"})
    with serving(settings) as client:
        origin.clear()
        assert all(r.status_code == 200 for r in get_all(client, TILES))
        shared = len(whole_gets(origin.seen("pyramid.tif")))
        origin.clear()
        for url in TILES[:3]:
            assert client.get(url).content == local.get(url).content
        assert len(whole_gets(origin.seen("pyramid.tif"))) == 3
    assert 1 <= shared < len(TILES)


def test_concurrent_first_requests_open_a_streamed_image_once(origin):
    with serving(http_settings(origin)) as client:
        origin.clear()
        assert all(r.status_code == 200 for r in get_all(client, TILES))
    seen = origin.seen("pyramid.tif")
    assert len([s for s in seen if s.method == "HEAD"]) == len(TILES)
    assert len([s for s in seen if s.range and s.range.startswith("bytes=0-")]) == 1


def test_abort_strategy_refuses_what_cannot_be_streamed(origin):
    with serving(http_settings(origin, **{"processor.fallback_retrieval_strategy": "AbortStrategy"})) as client:
        assert client.get(PHOTO).status_code == 501
        assert client.get(TILES[0]).status_code == 200


def test_s3_concurrent_first_requests_download_once_into_the_source_cache(moto, local, tmp_path):
    settings = s3_settings(moto.endpoint, **{"processor.stream_retrieval_strategy": "CacheStrategy", "FilesystemCache.pathname": tmp_path})
    moto.clear()
    with serving(settings) as client:
        answers = get_all(client, TILES + [PHOTO] * 4)
        assert [r.content for r in answers] == [local.get(u).content for u in TILES + [PHOTO] * 4]
    assert len(whole_gets(moto.seen(PREFIX + "pyramid.tif"))) == 1
    assert len(whole_gets(moto.seen(PREFIX + "photo.jpg"))) == 1


@pytest.mark.parametrize("strategy", ["StreamStrategy", "DownloadStrategy"])
def test_s3_serves_by_each_strategy(moto, local, strategy):
    with serving(s3_settings(moto.endpoint, **{"processor.stream_retrieval_strategy": strategy})) as client:
        for url in (TILES[0], PHOTO):
            assert client.get(url).content == local.get(url).content
