"""Caches: the Cache protocol (``base``) and its implementations, on this machine (``disk``), in
each worker (``heap``) and shared by many nodes (``redis``, ``s3``); how the endpoints use them (``facade``); what a worker
remembers of images (``info``); ``Cache-Control`` (``client``); a bounded LRU (``lru``)."""

from __future__ import annotations

from pathlib import Path

from casaba.caches.base import Cache
from casaba.caches.facade import CacheFacade
from casaba.settings import Settings


def cache_from_settings(settings: Settings, *, configured: bool = False) -> Cache | None:
    """The derivative cache ``cache.server.derivative`` names, if enabled (or, with
    ``configured``, if named at all: what ``casaba cache purge`` works on)."""
    kind = settings["cache.server.derivative"]
    if not kind or not (settings["cache.server.derivative.enabled"] or configured):
        return None
    ttl = settings["cache.server.derivative.ttl_seconds"] or 0
    if kind == "FilesystemCache":
        from casaba.caches.disk import FilesystemCache

        return FilesystemCache(
            Path(settings["FilesystemCache.pathname"]),
            max_size=settings["FilesystemCache.max_size"],
            ttl=ttl,
            depth=settings["FilesystemCache.dir.depth"],
            name_length=settings["FilesystemCache.dir.name_length"],
        )
    if kind == "HeapCache":
        from casaba.caches.heap import HeapCache

        return HeapCache(settings["HeapCache.target_size"], ttl=ttl)
    if kind == "RedisCache":
        from casaba.caches.redis import RedisCache

        return RedisCache(
            settings["RedisCache.host"],
            settings["RedisCache.port"],
            password=settings["RedisCache.password"],
            database=settings["RedisCache.database"],
            ssl=settings["RedisCache.ssl"],
            ttl=ttl,
        )
    from casaba.caches.s3 import S3Cache

    return S3Cache(
        settings["S3Cache.bucket.name"],
        settings["S3Cache.object_key_prefix"],
        endpoint=settings["S3Cache.endpoint"],
        region=settings["S3Cache.region"],
        access_key_id=settings["S3Cache.access_key_id"],
        secret_key=settings["S3Cache.secret_key"],
        ttl=ttl,
    )


def facade_from_settings(settings: Settings) -> CacheFacade:
    return CacheFacade(
        cache_from_settings(settings),
        infos=settings["cache.server.info.enabled"],
        resolve_first=settings["cache.server.resolve_first"],
        purge_missing=settings["cache.server.purge_missing"],
    )
