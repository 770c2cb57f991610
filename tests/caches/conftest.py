"""Stores for the cache tests, all real and on loopback: a folder, a Redis server (Debian's
redis-server, started here on a free port) and moto's S3 server (the source tests' fixtures,
with a bucket of its own for the cache). The source tests' images serve as sources."""

import shutil
import signal
import subprocess
import tempfile
from contextlib import contextmanager

import pytest

from casaba.testing import free_port, stop, wait_for_port

from ..sources.conftest import folder, moto, pictures  # noqa: F401 (fixtures shared with the source tests)

CACHE_BUCKET = "casaba-cache"


class RedisProcess:
    """A throwaway redis-server on a loopback port, nothing saved to disk, that a test may stop
    and start again on the same port (empty again: a server that lost its memory)."""

    def __init__(self, folder):
        self.program = shutil.which("redis-server")
        if self.program is None:
            pytest.fail("redis-server is missing: run `make test-deps` (Debian: redis-server)")
        self.folder = folder
        self.port = free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.program, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", self.folder],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, self.proc, 20)

    def stop(self):
        if self.proc.poll() is None:
            # A test may have frozen it (SIGSTOP): woken, it ends at once.
            self.proc.send_signal(signal.SIGCONT)
        stop(self.proc)


@contextmanager
def redis_server():
    """A throwaway ``RedisProcess``, running; yields it."""
    with tempfile.TemporaryDirectory(prefix="casaba-redis-") as tmp:
        redis = RedisProcess(tmp)
        redis.start()
        try:
            yield redis
        finally:
            redis.stop()


@pytest.fixture(scope="session")
def redis_port():
    with redis_server() as redis:
        yield redis.port


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
