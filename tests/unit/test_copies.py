"""Local copies (downloaded sources and pyramids): expiry after their last use, the size bound
evicting the least recently used first, leftovers of killed writers, one sweeper at a time."""

import asyncio
import fcntl
import os
import time

from casaba.sources.copies import SWEEP_LOCK, Copies


def copy(root, folder, name, size, used_ago, modified_ago=0.0):
    path = root / folder / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    now = time.time()
    os.utime(path, (now - used_ago, now - modified_ago))
    return path


def test_copies_unused_longer_than_the_ttl_go(tmp_path):
    old = copy(tmp_path, "source", "aa-old", 10, used_ago=5000)
    fresh = copy(tmp_path, "pyramids", "bb-fresh.tif", 10, used_ago=10)
    swept = Copies(tmp_path, max_size=0, ttl=3600).sweep()
    assert swept.expired == 1 and not old.exists() and fresh.exists()


def test_past_the_bound_the_least_recently_used_go_down_to_ninety_percent(tmp_path):
    paths = [copy(tmp_path, "source" if i % 2 else "pyramids", f"{i:02d}-copy", 100, used_ago=1000 - i * 10) for i in range(20)]
    swept = Copies(tmp_path, max_size=1000, ttl=0).sweep()
    assert swept.evicted == 11 and swept.kept_bytes == 900
    assert [p.exists() for p in paths] == [False] * 11 + [True] * 9


def test_use_keeps_a_copy(tmp_path):
    a = copy(tmp_path, "source", "aa-a", 100, used_ago=500)
    b = copy(tmp_path, "source", "bb-b", 100, used_ago=400)
    copies = Copies(tmp_path, max_size=150, ttl=0)

    async def use() -> None:
        copies.used(a)
        await copies._sweeping  # the use started a sweep, as none ran in the last minute

    asyncio.run(use())
    assert a.exists() and not b.exists()


def test_a_pyramid_goes_with_its_build_lock_and_stale_partials_go(tmp_path):
    pyramid = copy(tmp_path, "pyramids", "cc-p.tif", 100, used_ago=5000)
    lock = pyramid.with_suffix(".lock")
    lock.touch()
    stale = copy(tmp_path, "source", ".dd-x.123.part", 50, used_ago=0, modified_ago=7200)
    writing = copy(tmp_path, "source", ".ee-y.124.part", 50, used_ago=0, modified_ago=5)
    Copies(tmp_path, max_size=0, ttl=3600).sweep()
    assert not pyramid.exists() and not lock.exists()
    assert not stale.exists() and writing.exists()


def test_one_sweeper_at_a_time(tmp_path):
    old = copy(tmp_path, "source", "aa-old", 10, used_ago=5000)
    with open(tmp_path / SWEEP_LOCK, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert Copies(tmp_path, max_size=0, ttl=3600).sweep().expired == 0
    assert old.exists()
    assert Copies(tmp_path, max_size=0, ttl=3600).sweep().expired == 1
