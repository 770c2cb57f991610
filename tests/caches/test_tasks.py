"""The task API (``/tasks``, Cantaloupe's HTTP API for purges) through a real server with two
workers: HTTP Basic, a 404 while disabled, start-up refused without credentials, 400s that say
what is wrong, each verb's effect with FilesystemCache and RedisCache (and HeapCache, which
lives in each worker), the task's URL answered by every worker, and purges reaching every
worker's memory. Which worker answered is read from /proc: a phase counts only when every
worker answered some of its requests."""

import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import redis

from casaba.testing import free_port, running_server

from .test_filesystem_cache import entries
from .test_http import PHOTO, TILE, change

USER, SECRET = "admin", "correct horse battery"
API = {"endpoint.api.enabled": "true", "endpoint.api.username": USER, "endpoint.api.secret": SECRET}
AS_JSON = {"content-type": "application/json"}
#: Requests per phase, each on a connection of its own, so that both workers take some.
SPREAD = 24


@pytest.fixture
def images(folder, tmp_path):
    root = tmp_path / "images"
    shutil.copytree(folder, root)
    return root


@pytest.fixture(params=["FilesystemCache", "RedisCache"])
def shared_cache(request, tmp_path):
    """The keys of a derivative cache shared by the workers (and nodes)."""
    if request.param == "FilesystemCache":
        return {"cache.server.derivative": "FilesystemCache", "FilesystemCache.pathname": str(tmp_path / "cache")}
    port = request.getfixturevalue("redis_port")
    # Empty: entries of another test's images, under the same identifiers, would be served.
    redis.Redis(port=port, db=5).flushdb()
    return {"cache.server.derivative": "RedisCache", "RedisCache.host": "127.0.0.1", "RedisCache.port": port, "RedisCache.database": 5}


def settings(images, **more):
    return {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/", **API, **more}


def cached(images, cache, **more):
    return settings(images, **{"cache.server.derivative.enabled": "true", **cache, **more})


def post(base, body, auth=(USER, SECRET), headers=AS_JSON):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(base + "/tasks", content=content, auth=auth, headers=headers)


def run_task(base, body, timeout=30.0):
    """Submit a task, follow its URL until it is done; its last status."""
    accepted = post(base, body)
    assert accepted.status_code == 202, accepted.text
    location = accepted.headers["location"]
    assert location.startswith(base + "/tasks/")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = httpx.get(location, auth=(USER, SECRET)).json()
        if task["done"]:
            return task
        time.sleep(0.05)
    raise AssertionError(f"the task is not done after {timeout} s: {task}")


# --- which worker answered ---------------------------------------------------------------------


def workers(base, expected=2, timeout=20.0):
    """The processes that accept the server's connections: those holding its listening socket
    (waited for: the port is open once the first worker listens)."""
    port = int(base.rsplit(":", 1)[1])
    deadline = time.monotonic() + timeout
    while True:
        found = listening(port)
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def listening(port):
    sockets = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                    sockets.add(f"socket:[{fields[9]}]")
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{pid}/fd/{fd}") in sockets for fd in os.listdir(f"/proc/{pid}/fd")):
                found.append(int(pid))
        except OSError:
            continue
    return found


def writes(pid):
    with open(f"/proc/{pid}/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("syscw"))


def from_every_worker(base, path, auth=None):
    """``SPREAD`` answers to GET ``path``, each on a new connection; fails unless every worker
    wrote some of them."""
    pids = workers(base)
    assert len(pids) == 2, pids
    before = {pid: writes(pid) for pid in pids}
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: httpx.get(base + path, auth=auth, timeout=30), range(SPREAD)))
    idle = [pid for pid in pids if writes(pid) == before[pid]]
    assert not idle, f"worker(s) {idle} answered none of {SPREAD} requests"
    return answers


# --- the endpoint --------------------------------------------------------------------------------


def test_credentials_are_required_and_checked(images):
    with running_server(settings(images), workers=2) as base:
        for auth in (None, (USER, "wrong"), ("root", SECRET), (USER, SECRET + "x"), ("", "")):
            refused = post(base, {"verb": "PurgeInfoCache"}, auth=auth)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == 'Basic realm="Casaba API Realm", charset="UTF-8"'
            assert SECRET not in refused.text and SECRET not in str(refused.headers)
        garbled = httpx.post(base + "/tasks", headers={"authorization": "Basic %%%", **AS_JSON}, content=b"{}")
        assert garbled.status_code == 401
        accepted = post(base, {"verb": "PurgeInfoCache"})
        assert accepted.status_code == 202 and accepted.content == b""
        assert accepted.headers["cache-control"] == "no-cache"
        location = accepted.headers["location"]
        assert httpx.get(location).status_code == 401
        assert httpx.get(location, auth=(USER, SECRET)).status_code == 200
        options = httpx.options(base + "/tasks", auth=(USER, SECRET))
        assert options.status_code == 204 and options.headers["allow"] == "OPTIONS, POST"
        landing = httpx.get(base + "/").text
        assert "POST /tasks" in landing and SECRET not in landing


def test_the_api_is_absent_while_disabled(images):
    with running_server({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/", "endpoint.api.username": USER, "endpoint.api.secret": SECRET}) as base:
        assert post(base, {"verb": "PurgeCache"}).status_code == 404
        assert httpx.get(base + "/tasks/00000000-0000-4000-8000-000000000000", auth=(USER, SECRET)).status_code == 404
        assert "/tasks" not in httpx.get(base + "/").text


@pytest.mark.parametrize("missing", ["endpoint.api.secret", "endpoint.api.username"])
def test_start_up_is_refused_without_credentials(images, tmp_path, missing):
    log = tmp_path / "server.log"
    with pytest.raises(RuntimeError, match="exited"):
        with running_server({**settings(images), missing: ""}, log_path=log, timeout=20):
            pass
    assert "endpoint.api.enabled = true needs endpoint.api.username and endpoint.api.secret" in log.read_text()


def test_bad_tasks_are_refused_saying_why(images):
    with running_server(settings(images)) as base:
        for body, says in [
            (b"", "not JSON"),
            (b"{ this is: invalid\" }", "not JSON"),
            (b"[1, 2]", 'a "verb"'),
            (b'{"cats": "yes"}', 'a "verb"'),
            (b'{"verb": "dogs"}', "PurgeItemFromCache, PurgeInvalidFromCache, PurgeCache, PurgeInfoCache"),
            (b'{"verb": ["PurgeCache"]}', 'The "verb" must be one of'),
            (b'{"verb": "PurgeItemFromCache"}', 'needs an "identifier"'),
            (b'{"verb": "PurgeItemFromCache", "identifier": 7}', 'needs an "identifier"'),
        ]:
            refused = post(base, body)
            assert refused.status_code == 400, body
            assert says in refused.text, (body, refused.text)
        assert post(base, b'{"verb": "PurgeCache"}', headers={"content-type": "text/plain"}).status_code == 415
        assert post(base, b"x" * (65 * 1024)).status_code == 413
        assert httpx.get(base + "/tasks", auth=(USER, SECRET)).status_code == 405
        for name in ("00000000-0000-4000-8000-000000000000", "not-a-uuid", "a/b"):
            assert httpx.get(f"{base}/tasks/{name}", auth=(USER, SECRET)).status_code == 404, name
        assert httpx.get(f"{base}/tasks/..%2F..%2Fetc%2Fpasswd", auth=(USER, SECRET)).status_code == 400
        # Other keys are ignored, as Cantaloupe ignores them (its tests post a task's own JSON).
        accepted = post(base, {"verb": "PurgeInfoCache", "uuid": "x", "status": "NEW"})
        assert accepted.status_code == 202


def test_the_task_url_answers_from_every_worker(images):
    with running_server(settings(images), workers=2) as base:
        task = run_task(base, {"verb": "PurgeItemFromCache", "identifier": "photo.jpg"})
        assert task["status"] == "SUCCEEDED" and task["verb"] == "PurgeItemFromCache" and task["identifier"] == "photo.jpg"
        assert task["queued_at"] <= task["started_at"] <= task["stopped_at"] and task["stopped_at"].endswith("Z")
        assert task["cancelled"] is False and "exception" not in task
        answers = from_every_worker(base, f"/tasks/{task['uuid']}", auth=(USER, SECRET))
        assert {a.status_code for a in answers} == {200}
        assert all(a.json() == task for a in answers)
        assert answers[0].headers["content-type"].startswith("application/json")
        assert answers[0].headers["cache-control"] == "no-cache"


# --- what each verb does ---------------------------------------------------------------------------


def test_purge_item_from_cache_makes_that_image_again(images, shared_cache):
    with running_server(cached(images, shared_cache), workers=2) as base:
        before = httpx.get(base + PHOTO).content
        assert httpx.get(base + TILE).status_code == 200
        change(images / "photo.jpg", (600, 400))
        (images / "pyramid.tif").unlink()
        # Cached: the old photo, and the tile without its source, from every worker.
        assert all(a.content == before for a in from_every_worker(base, PHOTO))
        assert {a.status_code for a in from_every_worker(base, TILE)} == {200}
        task = run_task(base, {"verb": "PurgeItemFromCache", "identifier": "photo.jpg"})
        assert task["status"] == "SUCCEEDED"
        # The photo is made again, of its new source; the tile is still cached.
        again = from_every_worker(base, PHOTO)
        assert {a.status_code for a in again} == {200} and all(a.content != before for a in again)
        assert {a.status_code for a in from_every_worker(base, TILE)} == {200}
        assert {a.json()["width"] for a in from_every_worker(base, "/iiif/3/photo.jpg/info.json")} == {600}


def test_purge_cache_empties_the_derivative_cache(images, shared_cache):
    with running_server(cached(images, shared_cache), workers=2) as base:
        before = httpx.get(base + PHOTO).content
        assert httpx.get(base + TILE).status_code == 200
        change(images / "photo.jpg", (600, 400))
        (images / "pyramid.tif").unlink()
        assert run_task(base, {"verb": "PurgeCache"})["status"] == "SUCCEEDED"
        assert all(a.content != before for a in from_every_worker(base, PHOTO))
        assert {a.status_code for a in from_every_worker(base, TILE)} == {404}


def test_purge_invalid_from_cache_removes_expired_entries(images, tmp_path):
    cache = tmp_path / "cache"
    fs = {"cache.server.derivative": "FilesystemCache", "FilesystemCache.pathname": str(cache)}
    with running_server(cached(images, fs, **{"cache.server.derivative.ttl_seconds": 2}), workers=2) as base:
        assert httpx.get(base + TILE).status_code == 200
        time.sleep(2.5)
        assert httpx.get(base + PHOTO).status_code == 200
        assert len(entries(cache)) == 2  # the tile's has expired, and is still on disk
        assert run_task(base, {"verb": "PurgeInvalidFromCache"})["status"] == "SUCCEEDED"
        assert len(entries(cache)) == 1


def test_purge_info_cache_reaches_every_workers_memory(images):
    # No derivative cache: the infos each worker keeps in memory are all there is.
    with running_server(settings(images), workers=2) as base:
        info = "/iiif/3/photo.jpg/info.json"
        assert {a.json()["width"] for a in from_every_worker(base, info)} == {1200}
        change(images / "photo.jpg", (600, 400))
        assert {a.json()["width"] for a in from_every_worker(base, info)} == {1200}
        assert run_task(base, {"verb": "PurgeInfoCache"})["status"] == "SUCCEEDED"
        assert {a.json()["width"] for a in from_every_worker(base, info)} == {600}


def test_purges_reach_every_workers_heap_cache(images):
    heap = {"cache.server.derivative": "HeapCache", "HeapCache.target_size": "8M"}
    with running_server(cached(images, heap), workers=2) as base:
        # Each worker keeps what it made: the tile made by both, then its source gone.
        from_every_worker(base, TILE)
        from_every_worker(base, PHOTO)
        (images / "pyramid.tif").unlink()
        (images / "photo.jpg").unlink()
        assert {a.status_code for a in from_every_worker(base, TILE)} == {200}
        assert run_task(base, {"verb": "PurgeItemFromCache", "identifier": "pyramid.tif"})["status"] == "SUCCEEDED"
        assert {a.status_code for a in from_every_worker(base, TILE)} == {404}
        assert {a.status_code for a in from_every_worker(base, PHOTO)} == {200}
        assert run_task(base, {"verb": "PurgeCache"})["status"] == "SUCCEEDED"
        assert {a.status_code for a in from_every_worker(base, PHOTO)} == {404}


def test_a_failing_purge_fails_its_task_without_details(images):
    dead = {"cache.server.derivative": "RedisCache", "RedisCache.host": "127.0.0.1", "RedisCache.port": free_port(), "RedisCache.password": "hunter2"}
    with running_server(cached(images, dead)) as base:
        task = run_task(base, {"verb": "PurgeCache"})
        assert task["status"] == "FAILED" and task["done"] is True
        assert "server's log" in task["exception"] and "hunter2" not in str(task) and str(images) not in str(task)
