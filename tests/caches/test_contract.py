"""The derivative Cache contract (casaba.testing.check_cache), run by every cache Casaba has, each
against a real store: a folder, a Redis server and moto's S3 server."""

import asyncio

import pytest

from casaba.caches.disk import FilesystemCache
from casaba.caches.redis import RedisCache
from casaba.caches.s3 import S3Cache
from casaba.testing import check_cache

from .conftest import CACHE_BUCKET


@pytest.mark.parametrize("depth, name_length", [(3, 2), (0, 2), (1, 4)])
def test_filesystem_cache_keeps_the_contract(tmp_path, depth, name_length):
    def make(ttl=0):
        return FilesystemCache(tmp_path, depth=depth, name_length=name_length, ttl=ttl, max_size=64 << 20)

    asyncio.run(check_cache(make(), expiring=make(ttl=1)))


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
