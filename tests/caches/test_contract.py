"""The derivative Cache contract (casaba.testing.check_cache), run by every cache Casaba has, each
against a real store: a folder, the worker's memory, a Redis server and moto's S3 server."""

import asyncio

import pytest

from casaba.caches.disk import FilesystemCache
from casaba.caches.heap import HeapCache
from casaba.caches.redis import RedisCache
from casaba.caches.s3 import S3Cache
from casaba.caches.base import Key
from casaba.testing import check_cache

from .conftest import CACHE_BUCKET


@pytest.mark.parametrize("depth, name_length", [(3, 2), (0, 2), (1, 4)])
def test_filesystem_cache_keeps_the_contract(tmp_path, depth, name_length):
    def make(ttl=0):
        return FilesystemCache(tmp_path, depth=depth, name_length=name_length, ttl=ttl, max_size=64 << 20)

    asyncio.run(check_cache(make(), expiring=make(ttl=1)))


def test_heap_cache_keeps_the_contract():
    async def run():
        # Expiry is checked on a cache of its own: each HeapCache is its own store.
        await check_cache(HeapCache(64 << 20), expiring=HeapCache(64 << 20, ttl=1))

    asyncio.run(run())


def test_heap_cache_keeps_to_its_target_size_least_recently_used_first():
    async def run():
        cache = HeapCache(10_000)
        keys = [Key("a.tif", f"{n:040x}") for n in range(30)]
        for key in keys[:10]:
            await cache.put(key, bytes(1_000))
        assert cache.kept() == 10_000
        assert await cache.get(keys[0]) is not None  # now the most recently used
        await cache.put(keys[10], bytes(2_500))
        assert cache.kept() <= 10_000
        assert await cache.get(keys[0]) is not None
        assert [await cache.get(k) for k in keys[1:4]] == [None, None, None]
        await cache.put(keys[11], bytes(10_001))  # larger than the whole cache: not kept
        assert await cache.get(keys[11]) is None and await cache.get(keys[0]) is not None

    asyncio.run(run())


def test_redis_cache_keeps_the_contract(redis_port):
    async def run():
        await check_cache(RedisCache(port=redis_port, database=1), expiring=RedisCache(port=redis_port, database=1, ttl=1))

    asyncio.run(run())


def test_s3_cache_keeps_the_contract(s3_cache_bucket):
    def make(ttl=0):
        return S3Cache(
            CACHE_BUCKET, "contract/", endpoint=s3_cache_bucket.endpoint, region="us-east-1", access_key_id="test", secret_key="test", ttl=ttl
        )

    async def run():
        await check_cache(make(), expiring=make(ttl=1))

    asyncio.run(run())
