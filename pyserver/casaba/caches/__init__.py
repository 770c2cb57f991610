"""Caches: the Cache protocol (``base``) and its implementations, on this machine (``disk``), in
each worker (``heap``) and shared by many nodes (``redis``, ``s3``); how the endpoints use them (``facade``); what a worker
remembers of images (``info``); ``Cache-Control`` (``client``); a bounded LRU (``lru``); purging
(``purge``) and telling every worker of a purge (``purge_signal``)."""

from __future__ import annotations

from pathlib import Path

from casaba.caches.base import Cache
from casaba.caches.facade import CacheFacade
from casaba.settings import Settings


def cache_from_settings(settings: Settings, *, configured: bool = False) -> Cache | None:
    """The derivative cache ``cache.server.derivative`` names, if enabled (or, with
    ``configured``, if named at all: what ``casaba cache purge`` works on)."""
    kind = settings.server_cache.derivative
    if not kind or not (settings.server_cache.derivative_enabled or configured):
        return None
    ttl = settings.server_cache.derivative_ttl_seconds or 0
    if kind == "FilesystemCache":
        from casaba.caches.disk import FilesystemCache

        disk = settings.filesystem_cache
        return FilesystemCache(Path(disk.pathname), max_size=disk.max_size, ttl=ttl, depth=disk.dir_depth, name_length=disk.dir_name_length)
    if kind == "HeapCache":
        from casaba.caches.heap import HeapCache

        return HeapCache(settings.heap_cache.target_size, ttl=ttl)
    if kind == "RedisCache":
        from casaba.caches.redis import RedisCache

        redis = settings.redis_cache
        return RedisCache(redis.host, redis.port, password=redis.password, database=redis.database, ssl=redis.ssl, ttl=ttl)
    from casaba.caches.s3 import S3Cache

    s3 = settings.s3_cache
    return S3Cache(
        s3.bucket_name,
        s3.object_key_prefix,
        endpoint=s3.endpoint,
        region=s3.region,
        access_key_id=s3.access_key_id,
        secret_key=s3.secret_key,
        ttl=ttl,
    )


def facade_from_settings(settings: Settings) -> CacheFacade:
    return CacheFacade(
        cache_from_settings(settings),
        infos=settings.server_cache.info_enabled,
        resolve_first=settings.server_cache.resolve_first,
        purge_missing=settings.server_cache.purge_missing,
        in_worker=settings.server_cache.derivative == "HeapCache",
    )
