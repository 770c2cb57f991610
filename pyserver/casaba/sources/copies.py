"""Local copies of images, kept under ``FilesystemCache.pathname``: remote images downloaded by
``CacheStrategy`` (``source/``) and pyramids built of large untiled images (``pyramids/``).

Both are bounded together. A copy unused for ``cache.server.source.ttl_seconds`` goes, and past
``cache.server.source.max_size`` the least recently used go until 90 % of the bound is free.
A copy's last use is its access time, set explicitly when it is opened (at most once a minute
per copy), so it holds whatever the mount's atime option. A sweep runs in a thread after each new
copy and at most once a minute otherwise; one worker of the machine sweeps at a time (a
non-blocking file lock: a worker that finds it taken leaves the sweep to the other).

Removing a copy that a worker has open is safe: the open file lives on until closed, and the
next opening of that image fetches or builds it again.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("casaba.copies")

#: Evictions free the copies down to this share of their bound.
LOW_WATER = 0.9
#: A copy's use is recorded at most this often (seconds).
TOUCH_EVERY = 60.0
#: Sweeps without new copies run at most this often (seconds).
SWEEP_EVERY = 60.0
#: Partial files older than this (seconds) are leftovers of killed writers.
STALE_PART_SECONDS = 3600.0
SWEEP_LOCK = ".sweep.lock"


@dataclass(frozen=True)
class Swept:
    expired: int = 0
    evicted: int = 0
    kept_bytes: int = 0


class Copies:
    def __init__(self, root: Path, max_size: int, ttl: float) -> None:
        self.root = root
        self.max_size = max_size
        self.ttl = ttl
        self.folders = (root / "source", root / "pyramids")
        self._sweeping: asyncio.Task[Swept] | None = None
        self._last_sweep = 0.0

    def used(self, path: Path) -> bool:
        """Record that the copy at ``path`` is being used; whether there is one."""
        try:
            st = path.stat()
        except OSError:  # none, or a folder that cannot be used: the image is read as it is
            return False
        now = time.time()
        if now - st.st_atime >= TOUCH_EVERY:
            try:
                os.utime(path, (now, st.st_mtime))
            except OSError:
                pass
        if now - self._last_sweep >= SWEEP_EVERY:
            self.added()
        return True

    def added(self) -> None:
        """A copy was added: sweep soon, in a thread, unless a sweep is under way."""
        if self._sweeping is not None and not self._sweeping.done():
            return
        self._last_sweep = time.time()
        loop = asyncio.get_running_loop()
        self._sweeping = loop.create_task(asyncio.to_thread(self.sweep))
        self._sweeping.add_done_callback(_log_failure)

    def sweep(self) -> Swept:
        """Remove expired copies, then the least recently used past the bound (blocking)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / SWEEP_LOCK, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return Swept()
            return self._sweep()

    def _sweep(self) -> Swept:
        now = time.time()
        copies: list[tuple[float, int, Path]] = []
        expired = 0
        for path, st in self._files():
            if path.name.endswith(".part"):
                if now - st.st_mtime > STALE_PART_SECONDS:
                    path.unlink(missing_ok=True)
                continue
            if self.ttl and now - st.st_atime > self.ttl:
                _remove(path)
                expired += 1
                continue
            copies.append((st.st_atime, st.st_size, path))
        total = sum(size for _, size, _ in copies)
        evicted = 0
        if self.max_size and total > self.max_size:
            copies.sort()
            for _, size, path in copies:
                if total <= self.max_size * LOW_WATER:
                    break
                _remove(path)
                total -= size
                evicted += 1
        if expired or evicted:
            log.info("local copies: %d expired and %d evicted; %d bytes kept", expired, evicted, total)
        return Swept(expired, evicted, total)

    def _files(self) -> Iterator[tuple[Path, os.stat_result]]:
        """Every copy and partial copy (lock files are not copies)."""
        for folder in self.folders:
            for dirpath, _, names in os.walk(folder):
                for name in names:
                    if name.endswith(".lock"):
                        continue
                    path = Path(dirpath) / name
                    try:
                        yield path, path.stat()
                    except FileNotFoundError:
                        continue


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    # A pyramid's build lock goes with it (no build holds it: the pyramid is complete).
    path.with_suffix(".lock").unlink(missing_ok=True)


def _log_failure(task: asyncio.Task[Swept]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("sweeping the local copies failed", exc_info=task.exception())
