"""A derivative cache that fails, on a real server: a folder that cannot be made, a disk that
is full (here: a file size limit, so every write past it fails as on a full disk), a Redis
server stopped (or frozen) mid-run and an S3 endpoint that goes away leave the server answering
as if there were no cache, with nothing half-written left behind, and caching again once the
store is back; a cache path that is a file stops start-up with the reason."""

import shutil
import signal
import tempfile
import time

import httpx
import pytest
import redis

from casaba.caches.facade import BYPASS_SECONDS
from casaba.caches.redis import TIMEOUT as REDIS_TIMEOUT
from casaba.settings import SettingsError, load
from casaba.testing import running_server

from ..sources.origins import Fault, FaultyProxy
from .conftest import CACHE_BUCKET, RedisProcess, s3_cache_settings
from .test_http import PHOTO, TILE, settings

#: Bytes any file the server writes may have: less than a full-size answer, more than its log.
FILE_LIMIT = 200_000
BIG = "/iiif/3/photo.jpg/full/max/0/default.png"


def test_a_cache_folder_that_cannot_be_made_is_served_without(folder, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache's parent folder should be")
    log = tmp_path / "server.log"
    with running_server(settings(folder, blocker / "cache"), workers=2, log_path=log) as base:
        for _ in range(3):
            assert httpx.get(base + PHOTO, timeout=30).status_code == 200
    assert "cannot be written" in log.read_text()


def test_a_full_disk_is_served_without_the_cache_and_leaves_nothing_half_written(folder, tmp_path):
    cache = tmp_path / "cache"
    limit = [shutil.which("prlimit") or pytest.fail("prlimit is missing (Debian: util-linux)"), f"--fsize={FILE_LIMIT}"]
    with running_server(settings(folder, cache), wrapper=limit) as base:
        first = httpx.get(base + BIG, timeout=60)
        assert first.status_code == 200 and len(first.content) > FILE_LIMIT
        again = httpx.get(base + BIG, timeout=60)
        assert again.status_code == 200 and again.content == first.content
        # The cache is left alone a while after a failure, then tried again: a small answer fits.
        time.sleep(BYPASS_SECONDS + 0.5)
        assert httpx.get(base + PHOTO, timeout=30).status_code == 200
    written = [p for p in (cache / "image").rglob("*") if p.is_file()]
    assert len(written) == 1 and written[0].stat().st_size < FILE_LIMIT and not written[0].name.endswith(".tmp"), written


def test_a_cache_path_that_is_a_file_stops_start_up(tmp_path):
    file = tmp_path / "cache"
    file.write_text("not a folder")
    overrides = {"cache.server.derivative.enabled": "true", "cache.server.derivative": "FilesystemCache", "FilesystemCache.pathname": str(file)}
    with pytest.raises(SettingsError, match="FilesystemCache.pathname = .* is a file, not a folder"):
        load(None, environ={}, overrides=overrides)


#: Requests answered while a cache is away: a hit made before, and things never made.
WHILE_AWAY = (TILE, PHOTO, "/iiif/3/photo.jpg/info.json", "/iiif/3/pyramid.tif/info.json", "/iiif/3/photo.jpg/full/200,/0/default.png")
AFTER = "/iiif/3/pyramid.tif/300,200,500,500/250,/0/default.jpg"


def served_uncached(client, expected):
    """Every request answered 200, with the bytes of a server without the cache."""
    for path in WHILE_AWAY:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text)
        if not path.endswith("info.json"):
            assert r.content == expected[path], path


@pytest.fixture(scope="module")
def expected(folder):
    """The answers of a server without a derivative cache."""
    with running_server({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/"}) as base, httpx.Client(base_url=base, timeout=60) as c:
        return {path: c.get(path).content for path in (*WHILE_AWAY, AFTER)}


@pytest.fixture
def restartable_redis():
    with tempfile.TemporaryDirectory(prefix="casaba-redis-") as tmp:
        server = RedisProcess(tmp)
        server.start()
        try:
            yield server
        finally:
            if server.proc.poll() is None:
                server.proc.send_signal(signal.SIGCONT)
            server.stop()


def redis_entries(port):
    with redis.Redis(host="127.0.0.1", port=port) as r:
        return len(r.keys("casaba:image:*")), len(r.keys("casaba:info:*"))


def redis_cached(folder, port):
    return {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "RedisCache",
        "RedisCache.host": "127.0.0.1",
        "RedisCache.port": port,
    }


def test_redis_stopped_mid_run_is_served_without_and_used_again_when_back(folder, restartable_redis, expected):
    port = restartable_redis.port
    with running_server(redis_cached(folder, port), workers=2) as base, httpx.Client(base_url=base, timeout=60) as client:
        assert client.get(TILE).status_code == 200
        assert redis_entries(port) == (1, 1)
        restartable_redis.stop()
        for _ in range(2):
            served_uncached(client, expected)
        restartable_redis.start()  # empty: it kept nothing on disk
        time.sleep(BYPASS_SECONDS + 0.5)
        # Each worker finds the cache again on its next request (its pooled connections are
        # dead: one is made anew).
        deadline = time.monotonic() + 60
        while redis_entries(port)[0] == 0 and time.monotonic() < deadline:
            r = client.get(AFTER)
            assert r.status_code == 200 and r.content == expected[AFTER]
            time.sleep(0.5)
        assert redis_entries(port)[0] >= 1, "caching did not resume"
        again = client.get(AFTER)
        assert again.status_code == 200 and again.content == expected[AFTER]


def test_redis_that_stops_answering_costs_a_timeout_now_and_then_never_an_error(folder, restartable_redis, expected):
    port = restartable_redis.port
    with running_server(redis_cached(folder, port)) as base, httpx.Client(base_url=base, timeout=60) as client:
        assert client.get(TILE).status_code == 200
        # Frozen: connections are accepted (by the kernel) and never answered.
        restartable_redis.proc.send_signal(signal.SIGSTOP)
        started = time.monotonic()
        served_uncached(client, expected)
        # One timed-out call, then the cache is left alone for a while; not one per request.
        assert time.monotonic() - started < 3 * REDIS_TIMEOUT + 20
        restartable_redis.proc.send_signal(signal.SIGCONT)
        time.sleep(BYPASS_SECONDS + 0.5)
        before = redis_entries(port)[0]
        assert client.get(AFTER).status_code == 200
        assert redis_entries(port)[0] == before + 1, "caching did not resume"


@pytest.mark.parametrize("fault", [Fault.DOWN, Fault.ERROR_500, Fault.CUT_SHORT, Fault.WRONG_LENGTH], ids=lambda f: f.value)
def test_an_s3_cache_whose_endpoint_fails_is_served_without_and_used_again_when_back(folder, s3_cache_bucket, expected, fault):
    proxy = FaultyProxy(s3_cache_bucket.endpoint)
    prefix = f"faults-{fault.name.lower()}/"
    store = s3_cache_bucket.client()

    def objects():
        return [o["Key"] for o in store.list_objects_v2(Bucket=CACHE_BUCKET, Prefix=prefix + "image/").get("Contents", [])]

    cached = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "S3Cache",
        **s3_cache_settings(s3_cache_bucket, prefix),
        "S3Cache.endpoint": proxy.endpoint,
    }
    try:
        with running_server(cached) as base, httpx.Client(base_url=base, timeout=60) as client:
            assert client.get(TILE).status_code == 200
            assert len(objects()) == 1
            proxy.set(fault)
            for _ in range(2):
                served_uncached(client, expected)
            proxy.set(Fault.NONE)
            time.sleep(BYPASS_SECONDS + 0.5)
            before = len(objects())
            r = client.get(AFTER)
            assert r.status_code == 200 and r.content == expected[AFTER]
            assert len(objects()) == before + 1, "caching did not resume"
            # What is served from the cache now is whole.
            again = client.get(AFTER)
            assert again.status_code == 200 and again.content == expected[AFTER]
    finally:
        proxy.close()
