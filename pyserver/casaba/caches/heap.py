"""HeapCache: derivatives and infos kept in the worker's own memory (Cantaloupe's HeapCache).

Each worker process has its own, bounded by ``HeapCache.target_size`` (so a server with N
workers may hold N times that), the least recently used entries evicted first; its contents go
with the worker. It is the fastest cache for entries asked again and again (thumbnails,
the tiles of a start view), and the right one where an image server's memory cache is expected
(iipsrv keeps its output tiles this way). Entries of one image are named by the source's version,
as in every cache; ``casaba cache purge`` reaches only caches outside the workers: the task API's
purges reach this one in every worker (``purge_signal``), and a restart empties it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from casaba.caches.base import Hit, Key


class HeapCache:
    def __init__(self, target_size: int, ttl: int = 0) -> None:
        self.target_size = target_size
        self.ttl = ttl
        #: key -> (bytes, when made, by time.monotonic()), least recently used first.
        self._entries: OrderedDict[Key, tuple[bytes, float]] = OrderedDict()
        self._bytes = 0
        self._token = uuid.uuid4().hex
        #: key -> (its lock, how many hold it or wait for it): dropped when nobody does.
        self._locks: dict[Key, tuple[asyncio.Lock, int]] = {}

    def _expired(self, made: float, now: float) -> bool:
        return self.ttl > 0 and now - made > self.ttl

    async def get(self, key: Key) -> Hit | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        body, made = entry
        if self._expired(made, time.monotonic()):
            self._remove(key)
            return None
        self._entries.move_to_end(key)
        return Hit(len(body), body=body)

    async def put(self, key: Key, body: bytes) -> None:
        # An entry larger than the whole cache would only push everything else out.
        if len(body) > self.target_size:
            return
        self._remove(key)
        self._entries[key] = (body, time.monotonic())
        self._bytes += len(body)
        while self._bytes > self.target_size:
            oldest = next(iter(self._entries))
            self._remove(oldest)

    def _remove(self, key: Key) -> bool:
        entry = self._entries.pop(key, None)
        if entry is None:
            return False
        self._bytes -= len(entry[0])
        return True

    @asynccontextmanager
    async def lock(self, key: Key) -> AsyncIterator[None]:
        # Within this worker only: there is nothing to share with the others.
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def _purge_where(self, gone: list[Key]) -> int:
        for key in gone:
            self._remove(key)
        if gone:
            self._token = uuid.uuid4().hex
        return len(gone)

    async def purge(self, identifier: str) -> int:
        return self._purge_where([k for k in self._entries if k.identifier == identifier])

    async def purge_all(self) -> int:
        return self._purge_where(list(self._entries))

    async def purge_expired(self) -> int:
        now = time.monotonic()
        return self._purge_where([k for k, (_, made) in self._entries.items() if self._expired(made, now)])

    async def purged(self) -> str:
        return self._token

    async def close(self) -> None:
        self._entries.clear()
        self._bytes = 0

    def kept(self) -> int:
        return self._bytes
