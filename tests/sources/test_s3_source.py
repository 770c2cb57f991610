"""S3Source through a real Casaba server, against moto's standalone S3 server on loopback."""

import time

import pytest

from casaba.testing import free_port

from .helpers import BUCKET, PREFIX, ranged, s3_settings, serving, whole_gets
from .origins import Moto

TILE = "/iiif/3/pyramid.tif/1024,1024,256,256/256,/0/default.jpg"
KEY = PREFIX + "pyramid.tif"


@pytest.fixture(scope="module")
def remote(moto):
    with serving(s3_settings(moto.endpoint)) as client:
        yield client


def test_info_json_of_a_pyramid_costs_a_few_ranged_reads(remote, local, moto):
    moto.clear()
    r = remote.get("/iiif/3/pyramid.tif/info.json")
    assert r.status_code == 200, r.text
    assert r.json()["tiles"] == local.get("/iiif/3/pyramid.tif/info.json").json()["tiles"]
    seen = moto.seen(KEY)
    assert seen[0].method == "HEAD" and seen[0].path == f"/{BUCKET}/{KEY}"  # path-style addressing
    assert not whole_gets(seen), "the pyramid was downloaded"
    assert 1 <= len(ranged(seen)) <= 12, seen


def test_a_tile_costs_one_ranged_read_not_a_download(remote, local, moto):
    remote.get("/iiif/3/pyramid.tif/info.json")
    moto.clear()
    r = remote.get(TILE)
    assert r.status_code == 200, r.text
    assert r.content == local.get(TILE).content
    seen = moto.seen(KEY)
    assert [s.method for s in seen] == ["HEAD", "GET"] and seen[1].range, seen


@pytest.mark.parametrize("url", ["/iiif/3/photo.jpg/full/max/0/default.png", "/iiif/3/photo.jpg/100,50,400,300/200,/90/gray.jpg",
                                 "/iiif/3/small.png/full/max/0/default.png", "/iiif/3/tiled.jp2/512,512,512,512/256,/0/default.png"])
def test_images_answer_as_from_the_filesystem(remote, local, url):
    r = remote.get(url)
    assert r.status_code == 200, r.text
    assert r.content == local.get(url).content


def test_missing_objects_are_404_without_bucket_or_key(remote):
    r = remote.get("/iiif/3/nowhere.tif/info.json")
    assert r.status_code == 404
    assert "nowhere.tif" in r.text and BUCKET not in r.text and PREFIX not in r.text


def test_a_changed_object_is_read_anew(moto, pictures):
    client = moto.client()
    # Without resolve_first, info.json comes from the info cache without asking S3.
    with serving(s3_settings(moto.endpoint, **{"cache.server.resolve_first": "true"})) as remote:
        assert remote.get("/iiif/3/small.png/info.json").json()["width"] == 300
        try:
            client.put_object(Bucket=BUCKET, Key=PREFIX + "small.png", Body=pictures["photo.jpg"])
            assert remote.get("/iiif/3/small.png/info.json").json()["width"] == 1200
        finally:
            client.put_object(Bucket=BUCKET, Key=PREFIX + "small.png", Body=pictures["small.png"])


def test_refused_credentials_are_403(tmp_path):
    strict = Moto(tmp_path, enforce_auth=True)
    try:
        with serving(s3_settings(strict.endpoint, **{"S3Source.secret_key": "not-the-secret"})) as client:
            r = client.get("/iiif/3/pyramid.tif/info.json")
            assert r.status_code == 403
            assert "refused" in r.text and BUCKET not in r.text and "not-the-secret" not in r.text
    finally:
        strict.close()


def test_a_dead_endpoint_is_502():
    with serving(s3_settings(f"http://127.0.0.1:{free_port()}")) as client:
        started = time.monotonic()
        r = client.get("/iiif/3/pyramid.tif/info.json")
        assert r.status_code == 502, r.text
        assert time.monotonic() - started < 10
        assert "could not be reached" in r.text and BUCKET not in r.text
