"""Purging, for operators (``casaba cache purge``, and the task API in ``web/tasks.py``):
one image's entries, everything, or what has expired. Running workers notice within a second
(they watch the cache's purge token) and forget the infos they keep in memory."""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from casaba.caches import cache_from_settings
from casaba import meta_identifier
from casaba.settings import Settings
from casaba.sources import copies_from_settings


class NothingToPurge(Exception):
    """No cache is configured for what was asked."""


@dataclass(frozen=True)
class Purged:
    derivatives: int = 0
    sources: int = 0


async def purge(settings: Settings, *, identifier: str | None = None, everything: bool = False, expired: bool = False) -> Purged:
    """Exactly one of: ``identifier`` (every page of that image), ``everything`` (the derivative
    cache, downloaded sources and pyramids), ``expired`` (derivatives older than
    cache.server.derivative.ttl_seconds, sources and pyramids unused for
    cache.server.source.ttl_seconds or past cache.server.source.max_size)."""
    # A HeapCache lives in the workers' memory, out of this process's reach.
    in_workers = settings.server_cache.derivative == "HeapCache"
    cache = None if in_workers else cache_from_settings(settings, configured=True)
    copies = copies_from_settings(settings)
    if cache is None and not (copies is not None and (everything or expired)):
        if in_workers:
            raise NothingToPurge("HeapCache keeps derivatives in each worker's memory: restart the server to empty it")
        raise NothingToPurge("no derivative cache is configured (cache.server.derivative)")
    removed = 0
    if cache is not None:
        try:
            if identifier is not None:
                removed = await cache.purge(meta_identifier.parse(identifier, settings.meta_identifier.delimiter).identifier)
            elif everything:
                removed = await cache.purge_all()
            elif expired:
                removed = await cache.purge_expired()
        finally:
            await cache.close()
    local = 0
    if copies is not None and everything:
        local = sum(purge_folder(folder) for folder in copies.folders)
    elif copies is not None and expired:
        swept = copies.sweep()
        local = swept.expired + swept.evicted
    return Purged(removed, local)


def purge_folder(folder: Path) -> int:
    """Empty a folder at once (renamed away, then deleted); returns how many files went."""
    if not folder.is_dir():
        return 0
    trash = folder.with_name(f".{folder.name}-purged-{secrets.token_hex(4)}")
    os.rename(folder, trash)
    removed = sum(len(names) for _, _, names in os.walk(trash))
    shutil.rmtree(trash, ignore_errors=True)
    return removed
