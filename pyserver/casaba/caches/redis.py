"""RedisCache: derivatives and infos in a Redis server that every node points at.

One Redis string per entry, ``casaba:<kind>:<md5 of identifier>:<name>``, set whole (so never
seen half-written) with Redis's own expiry as the time to live. The size bound is Redis's: give
it ``maxmemory`` and ``maxmemory-policy allkeys-lru``. Concurrent misses on any node make a
derivative once: a Redis lock per key (``SET NX`` with a timeout, so a dead holder frees it).
Purging by identifier or all walks the keys with ``SCAN``: an operator's command, not a request's.
"""

from __future__ import annotations

import secrets
from contextlib import AbstractAsyncContextManager
from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from casaba.caches.base import IMAGE, INFO, Hit, Key, identifier_hash

PREFIX = "casaba:"
#: Seconds a lock lives if its holder never releases it (a killed worker).
LOCK_TIMEOUT = 60
TIMEOUT = 5.0


class RedisCache:
    def __init__(self, host: str = "localhost", port: int = 6379, *, password: str = "", database: int = 0, ssl: bool = False, ttl: float = 0) -> None:
        self.client = aioredis.Redis(
            host=host,
            port=port,
            db=database,
            password=password or None,
            ssl=ssl,
            socket_timeout=TIMEOUT,
            socket_connect_timeout=TIMEOUT,
            # One quick retry (a pooled connection the server closed), not seconds of backoff:
            # a request must not wait long for a cache it can do without.
            retry=Retry(NoBackoff(), 1),
        )
        self.ttl = int(ttl) or None

    @staticmethod
    def name_for(key: Key) -> str:
        return f"{PREFIX}{key.kind}:{identifier_hash(key.identifier)}:{key.name}"

    async def get(self, key: Key) -> Hit | None:
        data: Any = await self.client.get(self.name_for(key))
        return None if data is None else Hit(len(data), body=data)

    async def put(self, key: Key, body: bytes) -> None:
        await self.client.set(self.name_for(key), body, ex=self.ttl)

    def lock(self, key: Key) -> AbstractAsyncContextManager[Any]:
        return self.client.lock(f"{PREFIX}lock:{key.name}", timeout=LOCK_TIMEOUT, sleep=0.02)

    async def _remove(self, pattern: str) -> int:
        removed = 0
        batch: list[bytes] = []
        async for name in self.client.scan_iter(match=pattern, count=1000):
            batch.append(name)
            if len(batch) >= 500:
                removed += await self.client.unlink(*batch)
                batch = []
        if batch:
            removed += await self.client.unlink(*batch)
        return removed

    async def purge(self, identifier: str) -> int:
        digest = identifier_hash(identifier)
        removed = 0
        for kind in (IMAGE, INFO):
            removed += await self._remove(f"{PREFIX}{kind}:{digest}:*")
        await self._mark_purged()
        return removed

    async def purge_all(self) -> int:
        removed = 0
        for kind in (IMAGE, INFO):
            removed += await self._remove(f"{PREFIX}{kind}:*")
        await self._mark_purged()
        return removed

    async def purge_expired(self) -> int:
        # Redis removes expired entries itself.
        return 0

    async def _mark_purged(self) -> None:
        await self.client.set(f"{PREFIX}purged", secrets.token_hex(8))

    def kept(self) -> None:
        # Redis bounds it (maxmemory); counting would scan every key.
        return None

    async def purged(self) -> str:
        token: Any = await self.client.get(f"{PREFIX}purged")
        return token.decode() if token else ""

    async def close(self) -> None:
        await self.client.aclose()
