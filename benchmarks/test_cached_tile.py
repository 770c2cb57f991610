"""Workload (d): the derivative cache. A 256x256 tile that must be rendered (a 512x512 region of
the 12000x10000 tiled TIFF at half size, not aligned with the stored tiles: four tiles decoded,
cropped, resized, encoded), asked for again and again by 8 concurrent keep-alive clients:

- ``uncached``: no derivative cache, rendered every time;
- ``FilesystemCache hit``: sent by Granian from the cache file (``response_file``);
- ``RedisCache hit``: read from a local redis-server and sent from memory;
- ``passthrough``: a stored tile sent as it is (never cached), and ``info.json``: the floor of a
  request that does no pixel work (the info comes from memory);
- ``bare Granian``: ``bare_app.py``, one Granian RSGI worker answering a fixed 12 KB body, from
  memory and from a file (``response_file``, as a FilesystemCache hit is sent): the floors of
  any server here (the goal: a FilesystemCache hit at 0.8 of their rate or better).

Each round is 2000 requests; ``extra_info["req/s"]`` is the figure to read. Then (e) the cost
of a miss: distinct tiles one after another from one client, with no cache and with the
FilesystemCache (render, then write the entry atomically under the cache's lock)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from casaba.testing import free_port, running_server, stop, wait_for_port

from . import bare_app
from .conftest import DATA
from .hammer import hammer

IDENTIFIER = "tiled-12000x10000.tif"
RENDERED = f"/iiif/3/{IDENTIFIER}/2100,2100,512,512/256,/0/default.jpg"
PASSTHROUGH = f"/iiif/3/{IDENTIFIER}/2048,2048,256,256/256,/0/default.jpg"
INFO = f"/iiif/3/{IDENTIFIER}/info.json"
REQUESTS = 2000
CLIENTS = 8
BASE = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{DATA}/", "max_pixels": 0}


def distinct(n: int) -> str:
    """The n-th of many rendered tiles, none asked for twice in a run."""
    x, y = 1000 + (n % 37) * 271, 1000 + (n // 37 % 30) * 263
    return f"/iiif/3/{IDENTIFIER}/{x},{y},512,512/256,/0/default.jpg"


@pytest.fixture(scope="module")
def uncached(tiled_tiff: Path) -> Iterator[str]:
    with running_server(BASE, workers=1) as base:
        yield base


@pytest.fixture(scope="module")
def disk_cached(tiled_tiff: Path) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="casaba-bench-cache-") as cache:
        more = {"cache.server.derivative.enabled": "true", "cache.server.derivative": "FilesystemCache", "FilesystemCache.pathname": cache}
        with running_server({**BASE, **more}, workers=1) as base:
            yield base


@pytest.fixture(scope="module")
def redis_cached(tiled_tiff: Path) -> Iterator[str]:
    program = shutil.which("redis-server")
    if program is None:
        pytest.skip("redis-server (Debian: redis-server) is needed for the RedisCache figures")
    port = free_port()
    proc = subprocess.Popen([program, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc, 20)
        more = {"cache.server.derivative.enabled": "true", "cache.server.derivative": "RedisCache", "RedisCache.host": "127.0.0.1", "RedisCache.port": port}
        with running_server({**BASE, **more}, workers=1) as base:
            yield base
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def bare_granian() -> Iterator[str]:
    with bare_app.serving() as base:
        yield base


def concurrent(benchmark, base: str, path: str, name: str, check_jpeg) -> None:
    r = httpx.get(base + path, timeout=120)  # opens the image (and fills the cache) untimed
    assert r.status_code == 200, r.text
    if path not in (INFO, "/", "/file"):
        check_jpeg(r.content, (256, 256))
    statuses: dict[int, int] = {}

    def load() -> None:
        statuses.update(hammer(base, [path] * REQUESTS, CLIENTS))

    benchmark.group = f"d. tile, {CLIENTS} concurrent clients, {REQUESTS} requests a round"
    benchmark.name = name
    benchmark.pedantic(load, rounds=5, warmup_rounds=1)
    assert set(statuses) == {200}, statuses
    benchmark.extra_info["req/s"] = round(REQUESTS / benchmark.stats.stats.median)


def test_uncached(benchmark, uncached, check_jpeg):
    concurrent(benchmark, uncached, RENDERED, "uncached (rendered)", check_jpeg)


def test_filesystem_cache_hit(benchmark, disk_cached, check_jpeg):
    concurrent(benchmark, disk_cached, RENDERED, "FilesystemCache hit", check_jpeg)


def test_redis_cache_hit(benchmark, redis_cached, check_jpeg):
    concurrent(benchmark, redis_cached, RENDERED, "RedisCache hit", check_jpeg)


def test_passthrough(benchmark, uncached, check_jpeg):
    concurrent(benchmark, uncached, PASSTHROUGH, "passthrough (reference)", check_jpeg)


def test_info_floor(benchmark, uncached, check_jpeg):
    concurrent(benchmark, uncached, INFO, "info.json (floor)", check_jpeg)


def test_bare_granian_floor(benchmark, bare_granian, check_jpeg):
    concurrent(benchmark, bare_granian, "/", "bare Granian, 12 KB (floor)", check_jpeg)


def test_bare_granian_file_floor(benchmark, bare_granian, check_jpeg):
    concurrent(benchmark, bare_granian, "/file", "bare Granian, 12 KB file (floor)", check_jpeg)


@pytest.mark.parametrize("cached", [False, True], ids=["no cache", "FilesystemCache miss"])
def test_miss(benchmark, request, cached, check_jpeg):
    base = request.getfixturevalue("disk_cached" if cached else "uncached")
    with httpx.Client(base_url=base, timeout=120) as client:
        check_jpeg(client.get(RENDERED).content, (256, 256))
        tiles = iter(range(10**6))

        def miss() -> None:
            r = client.get(distinct(next(tiles)))
            assert r.status_code == 200

        benchmark.group = "e. a miss: distinct rendered tiles, one client"
        benchmark.pedantic(miss, rounds=300, warmup_rounds=20)
