"""The caches as the IIIF endpoints use them (Cantaloupe's CacheFacade): infos in memory, then in
the derivative cache; derivatives found, or made once; stale entries purged.

- ``cache.server.resolve_first`` off (Cantaloupe's default): an image's info and derivatives are
  served as cached, without asking the source; an image changed at its source is seen when
  something not cached is made of it (or when the entry expires, or is purged).
- on: the source is asked first (a stat, a HEAD); an image that is not the version last seen has
  everything cached of it purged.
- ``cache.server.purge_missing``: an image its source no longer has is purged from the caches.

Concurrent requests for the same missing derivative make it once: one flight per worker, and the
cache's lock across workers (and, for Redis, across nodes); whoever waited finds it made.
A failing cache (a server away, a full disk) is logged and bypassed for a few seconds: requests
are still answered.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from functools import partial

from casaba.caches.base import INFO, Cache, Hit, Key
from casaba.caches.info import ImageInfo, Infos
from casaba.caches.purge_signal import ALL, EXPIRED, ITEM, Purge
from casaba.metrics import TALLY
from casaba.singleflight import SingleFlight

log = logging.getLogger("casaba.caches")

#: What the counts of lookups (``metrics``) call the derivative cache; the infos' is ``info``.
DERIVATIVE = "derivative"
#: How often a worker asks the cache whether something was purged (then it forgets its infos).
PURGE_CHECK_SECONDS = 1.0
#: The longest a request waits for another worker making the same derivative; then it makes it too.
LOCK_WAIT_SECONDS = 30.0
#: Failures of the cache are logged at most this often.
LOG_EVERY_SECONDS = 10.0
#: After a failure the cache is left alone this long, so that a cache that is down costs one
#: failed call per worker now and then, not one (with its timeout) per request.
BYPASS_SECONDS = 5.0


def derivative_key(identifier: str, page: int, info: ImageInfo, request: str, settings: str, extra: str = "") -> Key:
    """The name of a derivative: the image (source key and version, page), the canonical request
    (the same for every URL and API version that asks for the same pixels), the settings that
    change bytes, and ``extra`` for anything else that does (a delegate's overlay or redactions)."""
    parts = [info.key, str(page), info.version, settings, request, extra]
    return Key(identifier, hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40])


def info_key(identifier: str, page: int) -> Key:
    return Key(identifier, f"page{page}", INFO)


class CacheFacade:
    def __init__(
        self, cache: Cache | None, *, infos: bool = True, resolve_first: bool = False, purge_missing: bool = False, in_worker: bool = False
    ) -> None:
        #: The derivative cache, if enabled.
        self.cache = cache
        #: Whether it lives in this worker's memory (HeapCache): only the worker can purge it.
        self.in_worker = in_worker
        #: Whether there is one.
        self.derivatives = cache is not None
        self.infos = Infos() if infos else None
        self.resolve_first = resolve_first
        self.purge_missing = purge_missing
        # A derivative nobody waits for any more is not finished: its render stops.
        self.flights: SingleFlight[Hit] = SingleFlight(stop_unwanted=True)
        self._purge_token: str | None = None
        self._purge_checked = 0.0
        self._logged = 0.0
        self._down_until = 0.0

    def _usable(self) -> bool:
        return self.cache is not None and time.monotonic() >= self._down_until

    # --- infos ------------------------------------------------------------------------------

    async def info(self, identifier: str, page: int) -> ImageInfo | None:
        """What is known of a page of an image without asking its source; None when nothing is,
        or when the source must be asked first."""
        if self.resolve_first:
            return None
        await self._follow_purges()
        if self.infos is not None:
            known = self.infos.get(identifier, page)
            if known is not None:
                TALLY.lookup(INFO, True)
                return known
        shared = await self._shared_info(identifier, page)
        TALLY.lookup(INFO, shared is not None)
        if shared is not None and self.infos is not None:
            self.infos.put(identifier, page, shared)
        return shared

    async def seen(self, identifier: str, page: int, info: ImageInfo) -> None:
        """An image was just located and opened: remember its info. One that is not the version
        last seen has what was cached of it purged (with ``resolve_first``)."""
        known = self.infos.get(identifier, page) if self.infos is not None else None
        if known == info:
            return
        if known is None:
            known = await self._shared_info(identifier, page)
        if known is not None and self.resolve_first and (known.key, known.version) != (info.key, info.version):
            log.info("%r changed at its source: purging what was cached of it", identifier)
            await self.purge(identifier)
        if self.infos is not None:
            self.infos.put(identifier, page, info)
        if known != info:
            await self._put(info_key(identifier, page), info.to_json())

    async def missing(self, identifier: str) -> None:
        """The source has no image by this identifier (any more)."""
        if self.purge_missing:
            await self.purge(identifier)

    async def _shared_info(self, identifier: str, page: int) -> ImageInfo | None:
        if not self._usable():
            return None
        hit = await self._get(info_key(identifier, page))
        if hit is None:
            return None
        try:
            return ImageInfo.from_json(hit.read())
        except (OSError, ValueError, KeyError, TypeError, IndexError) as e:
            self._failed("reading an info", e, down=False)
            return None

    async def _follow_purges(self) -> None:
        """Forget the infos in memory once something was purged (by another worker, or by
        ``casaba cache purge``), checking at most every ``PURGE_CHECK_SECONDS``."""
        if self.infos is None or self.cache is None or not self._usable():
            return
        now = time.monotonic()
        if now - self._purge_checked < PURGE_CHECK_SECONDS:
            return
        self._purge_checked = now
        try:
            token = await self.cache.purged()
        except Exception as e:
            self._failed("checking for purges", e)
            return
        if self._purge_token is not None and token != self._purge_token:
            self.infos.clear()
        self._purge_token = token

    # --- derivatives ------------------------------------------------------------------------

    async def lookup(self, key: Key) -> Hit | None:
        hit = await self._get(key)
        TALLY.lookup(DERIVATIVE, hit is not None)
        return hit

    async def produce(self, key: Key, make: Callable[[], Awaitable[bytes]]) -> Hit:
        """The derivative, made by ``make`` unless another worker made it meanwhile, and kept."""
        return await self.flights.run(key.name, partial(self._produce, key, make))

    async def _produce(self, key: Key, make: Callable[[], Awaitable[bytes]]) -> Hit:
        async with self._locked(key):
            hit = await self._get(key)
            if hit is not None:
                return hit
            body = await make()
            await self._put(key, body)
        return Hit(len(body), body=body)

    @asynccontextmanager
    async def _locked(self, key: Key) -> AsyncIterator[None]:
        assert self.cache is not None
        if not self._usable():
            yield
            return
        lock = self.cache.lock(key)
        try:
            async with asyncio.timeout(LOCK_WAIT_SECONDS):
                await lock.__aenter__()
        except TimeoutError as e:
            # Made twice rather than waited for without end.
            self._failed("waiting for another worker making a derivative", e, down=False)
            held = False
        except Exception as e:
            self._failed("locking", e)
            held = False
        else:
            held = True
        try:
            yield
        finally:
            if held:
                try:
                    await lock.__aexit__(None, None, None)
                except Exception as e:
                    self._failed("unlocking", e)

    # --- purging ----------------------------------------------------------------------------

    async def purge(self, identifier: str) -> int:
        """Everything cached of one image, in this worker and in the derivative cache."""
        if self.infos is not None:
            self.infos.clear()
        if self.cache is None:
            return 0
        try:
            removed = await self.cache.purge(identifier)
            self._purge_token = await self.cache.purged()
        except Exception as e:
            self._failed("purging", e)
            return 0
        return removed

    async def forget(self, purges: Sequence[Purge]) -> None:
        """Purges announced to every worker (``purge_signal``): the infos in memory go, and
        what they name of a cache in this worker's memory."""
        if self.infos is not None:
            self.infos.clear()
        if self.cache is None or not self.in_worker:
            return
        for purge in purges:
            if purge.what == ITEM and purge.identifier is not None:
                await self.cache.purge(purge.identifier)
            elif purge.what == ALL:
                await self.cache.purge_all()
            elif purge.what == EXPIRED:
                await self.cache.purge_expired()

    # --- guarded access ---------------------------------------------------------------------

    async def _get(self, key: Key) -> Hit | None:
        if not self._usable():
            return None
        assert self.cache is not None
        try:
            return await self.cache.get(key)
        except Exception as e:
            self._failed("reading", e)
            return None

    async def _put(self, key: Key, body: bytes) -> None:
        if not self._usable():
            return
        assert self.cache is not None
        try:
            await self.cache.put(key, body)
        except Exception as e:
            self._failed("writing", e)

    def _failed(self, what: str, e: Exception, down: bool = True) -> None:
        now = time.monotonic()
        if down:
            self._down_until = now + BYPASS_SECONDS
        if now - self._logged >= LOG_EVERY_SECONDS:
            self._logged = now
            log.warning("derivative cache: %s failed (%s: %s); carrying on without it", what, type(e).__name__, e)

    async def close(self) -> None:
        if self.cache is not None:
            await self.cache.close()
