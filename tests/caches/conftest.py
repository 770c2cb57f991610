"""Stores for the cache tests, all real and on loopback: a folder, a Redis server (Debian's
redis-server, started here on a free port) and moto's S3 server (the source tests' fixtures,
with a bucket of its own for the cache). The source tests' images serve as sources."""

import shutil
import subprocess
import tempfile
from contextlib import contextmanager

import pytest

from casaba.testing import free_port, stop, wait_for_port

from ..sources.conftest import folder, moto, pictures  # noqa: F401 (fixtures shared with the source tests)

CACHE_BUCKET = "casaba-cache"


@contextmanager
def redis_server():
    """A throwaway redis-server on a free loopback port, nothing saved to disk; yields its port."""
    program = shutil.which("redis-server")
    if program is None:
        pytest.fail("redis-server is missing: run `make test-deps` (Debian: redis-server)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="casaba-redis-") as tmp:
        proc = subprocess.Popen(
            [program, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for_port(port, proc, 20)
            yield port
        finally:
            stop(proc)


@pytest.fixture(scope="session")
def redis_port():
    with redis_server() as port:
        yield port


@pytest.fixture(scope="session")
def s3_cache_bucket(moto):
    moto.client().create_bucket(Bucket=CACHE_BUCKET)
    return moto


def s3_cache_settings(moto, prefix="derivatives/"):
    return {
        "S3Cache.endpoint": moto.endpoint,
        "S3Cache.region": "us-east-1",
        "S3Cache.access_key_id": "test",
        "S3Cache.secret_key": "test",
        "S3Cache.bucket.name": CACHE_BUCKET,
        "S3Cache.object_key_prefix": prefix,
    }
