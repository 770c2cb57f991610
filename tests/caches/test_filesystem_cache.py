"""FilesystemCache beyond the contract: entries stay whole when their writer is killed, the size
bound holds under a stream of new entries and keeps the most recently used ones, and workers
(processes) that miss the same derivative together make it once."""

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from casaba.caches import disk
from casaba.caches.base import Key
from casaba.caches.disk import FilesystemCache
from casaba.caches.facade import CacheFacade

ENTRY = 10_000


def key(n: int, identifier: str = "stream.tif") -> Key:
    return Key(identifier, f"{n:040x}")


def entries(folder: Path) -> dict[str, int]:
    """Every derivative file (temporary ones aside) and its size."""
    found = {}
    for root, _, names in os.walk(folder / "image"):
        for name in names:
            if not name.startswith("."):
                found[name] = os.path.getsize(os.path.join(root, name))
    return found


WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from casaba.caches.base import Key
    from casaba.caches.disk import FilesystemCache

    async def main():
        cache = FilesystemCache(Path(sys.argv[1]), max_size=1 << 30)
        n = 0
        while True:
            n += 1
            print(n, flush=True)
            await cache.put(Key("big.tif", "ab" * 20), bytes([n % 256]) * (48 << 20))

    asyncio.run(main())
    """
)


def test_a_writer_killed_mid_write_leaves_no_half_entry(tmp_path):
    """kill -9 a process writing 48 MB entries again and again: the entry is always absent or
    one whole write, never a part; the leftovers are temporary files, removed later."""
    killed_mid_write = 0
    for attempt in range(8):
        leftovers = set((tmp_path / ".casaba" / "tmp").glob("*.tmp"))
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        target = 1 + attempt % 3
        while int(proc.stdout.readline() or 0) < target:
            pass
        time.sleep(0.01 * attempt)
        # Kill while a temporary file is there, however loaded the machine is (it may still
        # finish between the look and the kill: then the kill lands between writes).
        deadline = time.monotonic() + 5
        while not (temps := set((tmp_path / ".casaba" / "tmp").glob("*.tmp")) - leftovers) and time.monotonic() < deadline:
            time.sleep(0.001)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed_mid_write += bool(temps)
        cache = FilesystemCache(tmp_path, max_size=1 << 30)
        hit = asyncio.run(cache.get(Key("big.tif", "ab" * 20)))
        if hit is not None:
            data = hit.read()
            assert len(data) == 48 << 20 and data == bytes([data[0]]) * len(data), "a half-written entry was served"
    assert killed_mid_write, "no kill landed during a write; the test proved nothing"
    # The killed writers' temporary files are removed once stale.
    assert list((tmp_path / ".casaba" / "tmp").glob("*.tmp"))
    disk.STALE_TEMP_SECONDS, stale = 0, disk.STALE_TEMP_SECONDS
    try:
        asyncio.run(FilesystemCache(tmp_path).purge_expired())
    finally:
        disk.STALE_TEMP_SECONDS = stale
    assert not list((tmp_path / ".casaba" / "tmp").glob("*.tmp"))


def test_the_size_bound_holds_and_keeps_the_most_recently_used(tmp_path):
    bound = 10 * ENTRY
    cache = FilesystemCache(tmp_path, max_size=bound, touch_every=0)
    used: list[int] = []  # access order, oldest first

    async def put(n: int) -> None:
        await cache.put(key(n), bytes([n % 256]) * ENTRY)
        used.append(n)

    async def use(n: int) -> None:
        assert await cache.get(key(n)) is not None
        used.remove(n)
        used.append(n)

    def alive() -> set[int]:
        return {n for n in used if cache.path_for(key(n)).exists()}

    async def run() -> None:
        for n in range(8):
            await put(n)
            time.sleep(0.002)  # access times a clock tick apart
        for n in range(4):
            await use(n)
            time.sleep(0.002)
        for n in range(100, 160):
            await put(n)
            size = sum(entries(tmp_path).values())
            assert size <= bound, f"{size} bytes kept, the bound is {bound}"
            assert cache.kept() == size, "the size counter drifted"
            survivors = alive()
            # What survives is always the most recently used: a tail of the access order.
            assert survivors == set(used[len(used) - len(survivors) :]), (survivors, used)
            if n == 102:
                # The first eviction took the untouched early entries, not the ones used again.
                assert {0, 1, 2, 3} <= survivors and not {4, 5} & survivors, survivors

    asyncio.run(run())


def test_a_lost_counter_is_rebuilt_by_a_scan(tmp_path):
    cache = FilesystemCache(tmp_path, max_size=10 * ENTRY)
    for n in range(5):
        asyncio.run(cache.put(key(n), b"x" * ENTRY))
    asyncio.run(cache.close())
    (tmp_path / ".casaba" / "size").unlink()
    assert FilesystemCache(tmp_path, max_size=10 * ENTRY).kept() == 5 * ENTRY


def test_an_entry_larger_than_the_bound_is_not_kept(tmp_path):
    cache = FilesystemCache(tmp_path, max_size=ENTRY)
    asyncio.run(cache.put(key(1), b"x" * (ENTRY + 1)))
    assert entries(tmp_path) == {} and cache.kept() == 0


def test_concurrent_misses_in_a_worker_make_once(tmp_path):
    made = []

    async def make() -> bytes:
        made.append(1)
        await asyncio.sleep(0.1)
        return b"derivative"

    async def run() -> None:
        facade = CacheFacade(FilesystemCache(tmp_path))
        hits = await asyncio.gather(*[facade.produce(key(1), make) for _ in range(20)])
        assert {h.read() for h in hits} == {b"derivative"}
        assert (await facade.produce(key(1), make)).path is not None  # now a file

    asyncio.run(run())
    assert len(made) == 1


PRODUCER = textwrap.dedent(
    """
    import asyncio, os, sys, time
    from pathlib import Path
    from casaba.caches.base import Key
    from casaba.caches.disk import FilesystemCache
    from casaba.caches.facade import CacheFacade

    folder, log, start = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])

    async def make():
        with open(log, "a") as f:
            f.write(f"{os.getpid()}\\n")
        await asyncio.sleep(0.5)
        return b"made once"

    async def main():
        facade = CacheFacade(FilesystemCache(folder))
        time.sleep(max(0.0, start - time.time()))
        hit = await facade.produce(Key("shared.tif", "cd" * 20), make)
        print(hit.read().decode())

    asyncio.run(main())
    """
)


def test_concurrent_misses_in_several_workers_make_once(tmp_path):
    log = tmp_path / "made.log"
    start = time.time() + 1.5
    procs = [
        subprocess.Popen([sys.executable, "-c", PRODUCER, str(tmp_path / "cache"), str(log), str(start)], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=30)[0].strip() for p in procs]
    assert outputs == ["made once"] * 4
    assert len(log.read_text().split()) == 1, "the derivative was made more than once"


@pytest.mark.parametrize("ttl", [1])
def test_expired_entries_are_misses_then_purged(tmp_path, ttl):
    cache = FilesystemCache(tmp_path, ttl=ttl, max_size=10 * ENTRY)
    asyncio.run(cache.put(key(1), b"x" * ENTRY))
    assert asyncio.run(cache.get(key(1))) is not None
    time.sleep(ttl + 0.1)
    assert asyncio.run(cache.get(key(1))) is None
    assert asyncio.run(cache.purge_expired()) == 1
    assert entries(tmp_path) == {} and cache.kept() == 0
