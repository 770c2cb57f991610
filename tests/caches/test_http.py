"""The derivative cache through a real Casaba server: hits sent from the file with their length
and validators, 304s, Cache-Control, resolve_first and purge_missing, the size bound under a
stream of requests, several workers, nodes sharing RedisCache and S3Cache, and purging with
``casaba cache purge`` while the server runs."""

import os
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image

from casaba.testing import running_server, write_properties

from .conftest import s3_cache_settings
from .test_filesystem_cache import entries

TILE = "/iiif/3/pyramid.tif/100,100,600,600/300,/0/default.jpg"
PHOTO = "/iiif/3/photo.jpg/full/300,/0/default.jpg"


@pytest.fixture
def images(folder, tmp_path):
    """A copy of the source images that a test may change or delete."""
    root = tmp_path / "images"
    shutil.copytree(folder, root)
    return root


def settings(images, cache, **more):
    return {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "FilesystemCache",
        "FilesystemCache.pathname": str(cache),
        **more,
    }


def serve(config, **kw):
    return running_server(config, **kw)


def raw_get(base, path, method="GET"):
    """The exact bytes of an answer's head: framing that httpx would hide."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as s:
        s.sendall(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode().lower(), body


def test_a_hit_is_sent_from_the_file_without_the_source(images, tmp_path):
    cache = tmp_path / "cache"
    with serve(settings(images, cache)) as base, httpx.Client(base_url=base) as client:
        first = client.get(TILE)
        assert first.status_code == 200
        files = entries(cache)
        assert list(files.values()) == [len(first.content)]
        (images / "pyramid.tif").unlink()
        # A hit needs neither the source nor opening the image; anything else now needs both.
        again = client.get(TILE)
        assert again.status_code == 200 and again.content == first.content
        assert client.get(TILE.replace("300,", "301,")).status_code == 404
        head, body = raw_get(base, TILE)
        assert f"content-length: {len(first.content)}" in head and "transfer-encoding" not in head
        assert body == first.content
        for name in ("etag", "last-modified", "cache-control", "link", "content-type"):
            assert again.headers[name] == first.headers[name], name
        head, body = raw_get(base, TILE, "HEAD")
        assert f"content-length: {len(first.content)}" in head and body == b""


def test_hits_answer_304_with_cache_control(images, tmp_path):
    with serve(settings(images, tmp_path / "cache")) as base, httpx.Client(base_url=base) as client:
        first = client.get(PHOTO)
        assert first.headers["cache-control"] == "max-age=2592000, public, no-transform"
        for validators in ({"if-none-match": first.headers["etag"]}, {"if-modified-since": first.headers["last-modified"]}):
            r = client.get(PHOTO, headers=validators)
            assert r.status_code == 304 and r.content == b""
            assert r.headers["etag"] == first.headers["etag"]
            assert r.headers["cache-control"] == first.headers["cache-control"]
        info = client.get("/iiif/3/photo.jpg/info.json")
        assert info.headers["cache-control"] == first.headers["cache-control"]
        assert client.get("/iiif/3/nothing.jpg/info.json").headers["cache-control"] == "no-cache, must-revalidate"


def test_cache_control_follows_the_cache_client_keys(images, tmp_path):
    more = {
        "cache.client.max_age": "60",
        "cache.client.shared_max_age": "120",
        "cache.client.public": "false",
        "cache.client.private": "true",
        "cache.client.must_revalidate": "true",
        "cache.client.no_transform": "false",
    }
    with serve(settings(images, tmp_path / "cache", **more)) as base:
        r = httpx.get(base + PHOTO)
        assert r.headers["cache-control"] == "max-age=60, s-maxage=120, private, must-revalidate"
    with serve(settings(images, tmp_path / "cache", **{"cache.client.enabled": "false"})) as base:
        assert "cache-control" not in httpx.get(base + PHOTO).headers


def test_equivalent_requests_share_one_entry(images, tmp_path):
    cache = tmp_path / "cache"
    same = [
        "/iiif/3/photo.jpg/full/300,/0/default.jpg",
        "/iiif/3/photo.jpg/full/300,200/0/default.jpg",
        "/iiif/3/photo.jpg/0,0,1200,800/pct:25/0/default.jpg",
        "/iiif/2/photo.jpg/full/300,/0/default.jpg",
        "/iiif/2/photo.jpg/full/!300,300/0/default.jpg",
    ]
    with serve(settings(images, cache)) as base, httpx.Client(base_url=base) as client:
        bodies = {client.get(url).content for url in same}
    assert len(bodies) == 1 and len(entries(cache)) == 1


def test_passthrough_tiles_are_not_stored(images, tmp_path):
    """A stored tile sent as it is costs microseconds, less than a cache entry would."""
    cache = tmp_path / "cache"
    with serve(settings(images, cache)) as base:
        assert httpx.get(base + "/iiif/3/pyramid.tif/0,0,256,256/256,/0/default.jpg").status_code == 200
    assert entries(cache) == {}


def change(path, size):
    Image.new("RGB", size, (200, 30, 30)).save(path, "JPEG")
    stamp = time.time() + 5  # a different mtime even on coarse clocks
    os.utime(path, (stamp, stamp))


def test_without_resolve_first_cached_answers_outlive_a_change(images, tmp_path):
    with serve(settings(images, tmp_path / "cache")) as base, httpx.Client(base_url=base) as client:
        before = client.get(PHOTO).content
        assert client.get("/iiif/3/photo.jpg/info.json").json()["width"] == 1200
        change(images / "photo.jpg", (600, 400))
        assert client.get(PHOTO).content == before
        assert client.get("/iiif/3/photo.jpg/info.json").json()["width"] == 1200
        # Something not cached yet is made from the image as it is now, and its info is kept.
        assert Image.open(__import__("io").BytesIO(client.get("/iiif/3/photo.jpg/full/max/0/default.jpg").content)).size == (600, 400)
        assert client.get("/iiif/3/photo.jpg/info.json").json()["width"] == 600


def test_resolve_first_purges_what_was_made_of_a_changed_image(images, tmp_path):
    cache = tmp_path / "cache"
    with serve(settings(images, cache, **{"cache.server.resolve_first": "true"})) as base, httpx.Client(base_url=base) as client:
        before = client.get(PHOTO)
        client.get("/iiif/3/photo.jpg/full/200,/0/default.jpg")
        assert len(entries(cache)) == 2
        change(images / "photo.jpg", (600, 400))
        after = client.get(PHOTO)
        assert after.content != before.content and after.headers["etag"] != before.headers["etag"]
        assert client.get("/iiif/3/photo.jpg/info.json").json()["width"] == 600
        assert len(entries(cache)) == 1, "the old version's derivatives were kept"


def test_purge_missing_forgets_an_image_its_source_lost(images, tmp_path):
    cache = tmp_path / "cache"
    more = {"cache.server.resolve_first": "true", "cache.server.purge_missing": "true"}
    with serve(settings(images, cache, **more)) as base, httpx.Client(base_url=base) as client:
        assert client.get(PHOTO).status_code == 200 and client.get(TILE).status_code == 200
        (images / "photo.jpg").unlink()
        assert client.get(PHOTO).status_code == 404
        assert len(entries(cache)) == 1
        assert not list((cache / "info").rglob(f"*{__import__('hashlib').md5(b'photo.jpg').hexdigest()}*"))


def test_the_size_bound_holds_under_a_stream_of_distinct_requests(images, tmp_path):
    cache = tmp_path / "cache"
    bound = 120_000
    with serve(settings(images, cache, **{"FilesystemCache.max_size": bound}), workers=2) as base, httpx.Client(base_url=base) as client:
        for n in range(60):
            r = client.get(f"/iiif/3/pyramid.tif/{n * 50},{n * 40},700,500/{200 + n},/0/default.jpg")
            assert r.status_code == 200
            kept = entries(cache)
            assert sum(kept.values()) <= bound, f"{sum(kept.values())} bytes kept after {n + 1} requests"
        assert len(kept) >= 5  # ... and the cache is in use, not empty
        assert len(r.content) in kept.values()  # the latest is kept


def test_concurrent_misses_in_two_workers(images, tmp_path):
    cache = tmp_path / "cache"
    with serve(settings(images, cache), workers=2) as base:
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda _: httpx.get(base + TILE, timeout=30), range(16)))
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers}) == 1
    assert len(entries(cache)) == 1


def test_casaba_cache_purge_while_the_server_runs(images, tmp_path):
    cache = tmp_path / "cache"
    config = write_properties(tmp_path / "casaba.properties", settings(images, cache))

    def purge(*args):
        done = subprocess.run([sys.executable, "-m", "casaba", "cache", "purge", "--config", str(config), *args], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    with serve(settings(images, cache)) as base, httpx.Client(base_url=base) as client:
        for url in (PHOTO, TILE, "/iiif/3/photo.jpg/info.json"):
            client.get(url)
        assert len(entries(cache)) == 2
        assert "purged 2 derivative cache entries" in purge("--identifier", "photo.jpg")  # an image and an info
        assert len(entries(cache)) == 1
        # The server forgets what it remembered of the image: a change shows at once.
        change(images / "photo.jpg", (600, 400))
        time.sleep(1.2)
        assert client.get("/iiif/3/photo.jpg/info.json").json()["width"] == 600
        assert "purged 0 derivative cache entries" in purge("--expired")
        purge("--all")
        assert entries(cache) == {}
        assert client.get(TILE).status_code == 200
    bad = subprocess.run([sys.executable, "-m", "casaba", "cache", "purge", "--config", str(config)], capture_output=True, text=True)
    assert bad.returncode != 0 and "exactly one of" in bad.stderr


def test_a_heap_cache_answers_from_the_worker_s_memory(images, tmp_path):
    heap = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/", "cache.server.derivative.enabled": "true",
            "cache.server.derivative": "HeapCache", "HeapCache.target_size": "1M"}
    with serve(heap, workers=1) as base, httpx.Client(base_url=base) as client:
        first = client.get(TILE)
        assert first.status_code == 200
        (images / "pyramid.tif").unlink()
        again = client.get(TILE)
        assert again.status_code == 200 and again.content == first.content
        assert again.headers["etag"] == first.headers["etag"]
        assert client.get(TILE.replace("300,", "301,")).status_code == 404
    config = write_properties(tmp_path / "casaba.properties", heap)
    done = subprocess.run([sys.executable, "-m", "casaba", "cache", "purge", "--config", str(config), "--all"], capture_output=True, text=True)
    assert done.returncode != 0 and "restart the server" in done.stderr


def nodes(images, empty, shared):
    """Two nodes sharing a derivative cache: one with the images, one whose source has none."""
    base = {"cache.server.derivative.enabled": "true", **shared}
    return (
        running_server({**base, "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/"}),
        running_server({**base, "FilesystemSource.BasicLookupStrategy.path_prefix": f"{empty}/"}),
    )


def check_nodes_share(images, tmp_path, shared):
    empty = tmp_path / "empty"
    empty.mkdir()
    first, second = nodes(images, empty, shared)
    with first as a, second as b:
        made = httpx.get(a + TILE)
        info = httpx.get(a + "/iiif/3/pyramid.tif/info.json")
        # The second node has no source for the image, yet answers from the shared cache.
        served = httpx.get(b + TILE)
        assert served.status_code == 200 and served.content == made.content
        assert served.headers["etag"] == made.headers["etag"]
        assert httpx.get(b + "/iiif/3/pyramid.tif/info.json").json()["width"] == info.json()["width"]
        assert httpx.get(b + TILE.replace("300,", "301,")).status_code == 404


def test_nodes_share_a_redis_cache(images, tmp_path, redis_port):
    check_nodes_share(images, tmp_path, {"cache.server.derivative": "RedisCache", "RedisCache.host": "127.0.0.1", "RedisCache.port": redis_port, "RedisCache.database": 2})


def test_nodes_share_an_s3_cache(images, tmp_path, s3_cache_bucket):
    prefix = f"nodes-{os.getpid()}/"
    check_nodes_share(images, tmp_path, {"cache.server.derivative": "S3Cache", **s3_cache_settings(s3_cache_bucket, prefix)})


def test_a_cache_that_fails_is_bypassed(images, tmp_path):
    dead = {"cache.server.derivative": "RedisCache", "RedisCache.host": "127.0.0.1", "RedisCache.port": __import__("casaba.testing").testing.free_port()}
    with serve({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/", "cache.server.derivative.enabled": "true", **dead}) as base:
        started = time.monotonic()
        assert httpx.get(base + PHOTO, timeout=30).status_code == 200
        assert time.monotonic() - started < 10
