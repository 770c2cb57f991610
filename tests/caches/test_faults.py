"""A derivative cache that fails, on a real server: a folder that cannot be made, a disk that
is full (here: a file size limit, so every write past it fails as on a full disk), a Redis
server stopped (or frozen) mid-run and an S3 endpoint that goes away leave the server answering
as if there were no cache, with nothing half-written left behind, and caching again once the
store is back; a cache path that is a file stops start-up with the reason. A worker killed
(SIGKILL) while writing a derivative or downloading into the source cache leaves no entry to be
served, only a temporary file that goes once stale."""

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
import redis

from casaba.caches.disk import STALE_TEMP_SECONDS
from casaba.caches.facade import BYPASS_SECONDS
from casaba.caches.redis import TIMEOUT as REDIS_TIMEOUT
from casaba.settings import SettingsError, load
from casaba.sources.copies import STALE_PART_SECONDS
from casaba.testing import running_server, stop

from ..sources.helpers import s3_settings
from ..sources.origins import Fault, FaultyProxy
from .conftest import CACHE_BUCKET, redis_server, s3_cache_settings
from .test_filesystem_cache import entries
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
    with redis_server() as server:
        yield server


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


def aged(path, seconds):
    """Make ``path`` look ``seconds`` older than now (as if the server ran that long since)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def get_when_back(base, path, timeout=60):
    """The answer to ``path`` once the server answers again (a killed worker is replaced)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(base + path, timeout=60)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def worker_of(base):
    """The pid of the worker of the one-worker server at ``base``: the child of the process
    that serves its port."""
    port = base.rsplit(":", 1)[1]
    serving = set()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if f"--port\0{port}\0".encode() in cmdline.read_bytes():
                serving.add(int(cmdline.parent.name))
        except OSError:
            continue
    (worker,) = [pid for pid in serving if int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) in serving]
    return worker


def test_a_worker_killed_writing_a_derivative_leaves_no_entry_and_its_leftover_goes(folder, tmp_path, expected):
    cache = tmp_path / "cache"
    config = settings(folder, cache)
    program = shutil.which("strace") or pytest.fail("strace is missing (Debian: strace)")
    with running_server(config) as base:
        assert httpx.get(base + "/iiif/3/pyramid.tif/info.json", timeout=60).status_code == 200
        # strace kills (SIGKILL) the worker at its next rename, which is the one of the written
        # temporary file into place: the last moment before the entry would exist.
        killer = subprocess.Popen(
            [program, "-f", "-o", "/dev/null", "-e", "trace=rename,renameat,renameat2", "-e", "inject=rename,renameat,renameat2:signal=KILL", "-p", str(worker_of(base))],
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert "attached" in killer.stderr.readline()
            with pytest.raises(httpx.TransportError):
                httpx.get(base + TILE, timeout=60)
            killer.wait(30)
        finally:
            stop(killer)
        assert entries(cache) == {}
        (leftover,) = (cache / ".casaba" / "tmp").iterdir()
        assert leftover.read_bytes() == expected[TILE]
        # The worker was replaced; the derivative is made again, and never served half.
        for _ in range(2):
            served = get_when_back(base, TILE)
            assert served.status_code == 200 and served.content == expected[TILE]
        assert list(entries(cache).values()) == [len(expected[TILE])]
    assert leftover.exists()
    aged(leftover, STALE_TEMP_SECONDS + 60)
    with running_server(config) as base:
        # Gone when a worker starts.
        assert not leftover.exists()
        again = httpx.get(base + TILE, timeout=60)
        assert again.status_code == 200 and again.content == expected[TILE]


def writer_of(path):
    """The process that has ``path`` open."""
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd) == str(path):
                return int(fd.parts[2])
        except OSError:
            continue
    return None


def test_a_worker_killed_downloading_into_the_source_cache_leaves_no_copy_and_its_leftover_goes(moto, pictures, tmp_path):
    cache = tmp_path / "cache"
    proxy = FaultyProxy(moto.endpoint)
    config = s3_settings(
        proxy.endpoint,
        **{
            "processor.stream_retrieval_strategy": "CacheStrategy",
            "FilesystemCache.pathname": str(cache),
            "S3Source.request_timeout": "60",
        },
    )
    photo = "/iiif/3/photo.jpg/full/max/0/default.png"
    try:
        with running_server(config) as base:
            # The download stops half-way; the worker is killed while it waits for the rest.
            proxy.set(Fault.STALL, gets_only=True)
            failures = []
            asking = threading.Thread(target=lambda: failures.append(pytest.raises(httpx.TransportError, httpx.get, base + photo, timeout=90)))
            asking.start()
            deadline = time.monotonic() + 60
            while not (parts := [p for p in (cache / "source").rglob("*.part") if p.stat().st_size]) and time.monotonic() < deadline:
                time.sleep(0.1)
            (part,) = parts
            assert part.stat().st_size == len(pictures["photo.jpg"]) // 2
            os.kill(writer_of(part), signal.SIGKILL)
            asking.join(90)
            assert failures, "the request was answered"
            proxy.set(Fault.NONE)
            served = get_when_back(base, photo)
            assert served.status_code == 200
            (copy,) = [p for p in (cache / "source").rglob("*") if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".lock")]
            assert copy.read_bytes() == pictures["photo.jpg"]
            assert part.exists()
            # A stale leftover goes with the next sweep (after a new copy).
            aged(part, STALE_PART_SECONDS + 60)
            assert httpx.get(base + "/iiif/3/small.png/info.json", timeout=60).status_code == 200
            deadline = time.monotonic() + 30
            while part.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not part.exists()
    finally:
        proxy.close()
