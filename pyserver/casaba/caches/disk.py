"""FilesystemCache: derivatives and infos as files under ``FilesystemCache.pathname``, beside the
source cache, shared by the workers of one machine. Cantaloupe's layout:

    image/ab/cd/ef/<md5 of identifier>_<name>    derivatives (dir.depth folders of dir.name_length)
    info/ab/cd/ef/<md5 of identifier>_<name>     infos
    source/                                      CacheStrategy's downloads (sources/retrieval.py)
    .casaba/                                     bookkeeping: size, purge marker, lock files,
    .casaba/tmp/                                 entries being written

Writes go to a temporary file in ``.casaba/tmp/``, renamed into place when complete, so an entry
is whole or absent, whatever happens to the writer. A killed writer leaves only its temporary
file: those older than ``STALE_TEMP_SECONDS`` are removed when a worker starts, and by any worker
that writes at most that often, so leftovers never pile up (one folder to list, not the cache
to scan).

Size bound, least recently used first (``FilesystemCache.max_size``, derivatives only; infos are
a few hundred bytes each). Which entries were used last is kept where every worker sees it and
survives restarts: each entry's access time, set explicitly by a hit (at most once a second per
entry, so a hot tile costs one ``utime`` a second), which works whatever the mount's atime option.
The total size is a counter in ``.casaba/size``, changed under a file lock by each commit,
eviction and purge, so every worker knows it at once without scanning. A commit that would pass
the bound first evicts: one scan of the folders (which also corrects the counter after crashes
or files removed by hand), then the least recently used entries go until 90 % of the bound is
free. The scan is the costly part (about a microsecond or two per entry), and with the
10 % headroom it runs once per tenth of the cache written, not per entry.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import secrets
import shutil
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from casaba.caches.base import IMAGE, INFO, Hit, Key, identifier_hash
from casaba.filelock import FileLock

log = logging.getLogger("casaba.caches")

#: Evictions free the cache down to this share of its bound.
LOW_WATER = 0.9
#: Temporary files older than this are leftovers of killed writers (a write takes far less).
STALE_TEMP_SECONDS = 600
LOCK_STRIPES = 1024
STATE = ".casaba"


class FilesystemCache:
    def __init__(
        self,
        folder: Path,
        *,
        max_size: int = 0,
        ttl: float = 0,
        depth: int = 3,
        name_length: int = 2,
        touch_every: float = 1.0,
    ) -> None:
        self.folder = Path(folder)
        self.max_size = max_size
        self.ttl_ns = int(ttl * 1e9)
        self.depth = depth
        self.name_length = name_length
        self.touch_every_ns = int(touch_every * 1e9)
        self.state = self.folder / STATE
        self.temps = self.state / "tmp"
        self._temps_swept = time.monotonic()
        try:
            (self.state / "locks").mkdir(parents=True, exist_ok=True)
            self.temps.mkdir(exist_ok=True)
            self._sweep_temps()
        except OSError as e:
            # A folder that cannot be written (yet): every use fails, and the facade serves
            # without the cache, trying it again now and then.
            log.warning("FilesystemCache: %s cannot be written (%s); serving without it until it can", self.folder, e.strerror)
        self._counter_fd = -1
        # flock excludes other processes; threads of this one share its descriptor, so they
        # take this lock as well.
        self._threads = threading.Lock()

    # --- naming -----------------------------------------------------------------------------

    def folder_for(self, kind: str, identifier: str) -> Path:
        digest = identifier_hash(identifier)
        n = self.name_length
        parts = [digest[i * n : (i + 1) * n] for i in range(self.depth)]
        return self.folder.joinpath(kind, *parts)

    def path_for(self, key: Key) -> Path:
        return self.folder_for(key.kind, key.identifier) / f"{identifier_hash(key.identifier)}_{key.name}"

    # --- reading ----------------------------------------------------------------------------

    async def get(self, key: Key) -> Hit | None:
        return self.hit_at(str(self.path_for(key)))

    def hit_at(self, path: str) -> Hit | None:
        """The entry in file ``path``, if it is there and not expired; records the use.
        A stat and, now and then, a utime: microseconds, so on the event loop."""
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        now = time.time_ns()
        if self.ttl_ns and now - st.st_mtime_ns > self.ttl_ns:
            return None
        if st.st_size == 0:
            # Only a power cut right after a write leaves an entry empty (the rename reached the
            # disk, the data did not): never an answer.
            return None
        if now - st.st_atime_ns > self.touch_every_ns:
            try:
                os.utime(path, ns=(now, st.st_mtime_ns))
            except OSError:
                pass
        return Hit(st.st_size, path=path)

    # --- writing ----------------------------------------------------------------------------

    async def put(self, key: Key, body: bytes) -> None:
        # The commit may wait for another worker's eviction: never on the event loop.
        await asyncio.get_running_loop().run_in_executor(None, self._put, key, body)

    def _put(self, key: Key, body: bytes) -> None:
        path = self.path_for(key)
        if key.kind == IMAGE and self.max_size and len(body) > self.max_size:
            return
        if time.monotonic() - self._temps_swept >= STALE_TEMP_SECONDS:
            self._sweep_temps()
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.temps / f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            with open(temp, "xb") as f:
                f.write(body)
            # The kernel stamps files with a coarse clock (a few ms); hits stamp with this one.
            now = time.time_ns()
            os.utime(temp, ns=(now, now))
            if key.kind == IMAGE and self.max_size:
                self._commit(temp, path, len(body))
            else:
                os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)

    def _commit(self, temp: Path, path: Path, size: int) -> None:
        """Rename ``temp`` into place, evicting first if the bound would be passed."""
        with self._counted() as total:
            old = _size(path)
            if total.value - old + size > self.max_size:
                total.value = self._evict(int(self.max_size * LOW_WATER) - size)
                old = _size(path)
            if total.value - old + size <= self.max_size:
                os.replace(temp, path)
                total.value += size - old

    def _evict(self, target: int) -> int:
        """With the counter held: scan, then remove the least recently used derivatives until at
        most ``target`` bytes remain. Returns the bytes that remain."""
        entries = sorted((st.st_atime_ns, st.st_size, path) for path, st in self._scan(self.folder / IMAGE))
        total = sum(size for _, size, _ in entries)
        for _, size, path in entries:
            if total <= target:
                break
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            total -= size
        return total

    def _sweep_temps(self) -> None:
        """Remove the temporary files of writers killed before they finished."""
        self._temps_swept = time.monotonic()
        stale = time.time_ns() - STALE_TEMP_SECONDS * 1_000_000_000
        with os.scandir(self.temps) as found:
            for temp in found:
                try:
                    if temp.stat().st_mtime_ns < stale:
                        _unlink(temp.path)
                except FileNotFoundError:
                    continue

    def _scan(self, root: Path) -> Iterator[tuple[str, os.stat_result]]:
        """Each entry below ``root`` and its status; stale hidden files (temporary files of
        earlier versions, which wrote them beside the entries) go."""
        stale = time.time_ns() - STALE_TEMP_SECONDS * 1_000_000_000
        for folder, _, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    continue
                if name.startswith("."):
                    if st.st_mtime_ns < stale:
                        _unlink(path)
                    continue
                yield path, st

    def _counted(self) -> _Counter:
        return _Counter(self)

    def lock(self, key: Key) -> AbstractAsyncContextManager[None]:
        return FileLock(self.state / "locks" / f"{int(key.name[:6], 16) % LOCK_STRIPES:04d}")

    # --- purging ----------------------------------------------------------------------------

    async def purge(self, identifier: str) -> int:
        return await asyncio.get_running_loop().run_in_executor(None, self._purge, identifier)

    def _purge(self, identifier: str) -> int:
        prefix = identifier_hash(identifier) + "_"
        removed = 0
        with self._counted() as total:
            for kind in (IMAGE, INFO):
                folder = self.folder_for(kind, identifier)
                try:
                    names = [n for n in os.listdir(folder) if n.startswith(prefix)]
                except FileNotFoundError:
                    continue
                for name in names:
                    freed = _unlink(str(folder / name))
                    if freed >= 0:
                        removed += 1
                        if kind == IMAGE:
                            total.value -= freed
        self._mark_purged()
        return removed

    async def purge_all(self) -> int:
        return await asyncio.get_running_loop().run_in_executor(None, self._purge_all)

    def _purge_all(self) -> int:
        trash = self.state / f"trash-{secrets.token_hex(4)}"
        trash.mkdir()
        with self._counted() as total:
            # Renamed away at once, deleted after: new entries start in empty folders.
            for kind in (IMAGE, INFO):
                try:
                    os.rename(self.folder / kind, trash / kind)
                except FileNotFoundError:
                    pass
            total.value = 0
        self._mark_purged()
        removed = sum(len([n for n in names if not n.startswith(".")]) for _, _, names in os.walk(trash))
        shutil.rmtree(trash, ignore_errors=True)
        return removed

    async def purge_expired(self) -> int:
        return await asyncio.get_running_loop().run_in_executor(None, self._purge_expired)

    def _purge_expired(self) -> int:
        self._sweep_temps()
        removed = 0
        oldest = time.time_ns() - self.ttl_ns
        with self._counted() as total:
            for kind in (IMAGE, INFO):
                for path, st in self._scan(self.folder / kind):
                    if self.ttl_ns and st.st_mtime_ns < oldest and _unlink(path) >= 0:
                        removed += 1
                        if kind == IMAGE:
                            total.value -= st.st_size
        if removed:
            self._mark_purged()
        return removed

    def _mark_purged(self) -> None:
        marker = self.state / "purged"
        temp = marker.with_name(f".purged.{os.getpid()}.{secrets.token_hex(4)}")
        temp.write_text(secrets.token_hex(8))
        os.replace(temp, marker)

    async def purged(self) -> str:
        try:
            with open(self.state / "purged") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def kept(self) -> int | None:
        """The counter: bytes of derivatives kept (None while the folder cannot be used)."""
        try:
            with self._counted() as total:
                return total.value
        except OSError:
            return None

    async def close(self) -> None:
        if self._counter_fd >= 0:
            os.close(self._counter_fd)
            self._counter_fd = -1


class _Counter:
    """The total size of the derivatives, read and written under the counter's lock (this
    process's threads, then ``flock`` for the other processes). A counter never written (first
    use) is made by scanning."""

    def __init__(self, cache: FilesystemCache) -> None:
        self.cache = cache
        self.value = 0

    def __enter__(self) -> _Counter:
        cache = self.cache
        cache._threads.acquire()
        try:
            if cache._counter_fd < 0:
                cache._counter_fd = os.open(cache.state / "size", os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(cache._counter_fd, fcntl.LOCK_EX)
        except BaseException:
            cache._threads.release()
            raise
        raw = os.pread(cache._counter_fd, 8, 0)
        if len(raw) == 8:
            self.value = struct.unpack("<q", raw)[0]
        else:
            self.value = sum(st.st_size for _, st in cache._scan(cache.folder / IMAGE))
        return self

    def __exit__(self, *exc: object) -> None:
        cache = self.cache
        try:
            # Also after an error part-way: what was removed is accounted for.
            os.pwrite(cache._counter_fd, struct.pack("<q", max(self.value, 0)), 0)
        finally:
            fcntl.flock(cache._counter_fd, fcntl.LOCK_UN)
            cache._threads.release()


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def _unlink(path: str) -> int:
    """Remove a file; its size, or -1 when it was already gone."""
    try:
        size = os.stat(path).st_size
        os.unlink(path)
        return size
    except FileNotFoundError:
        return -1
