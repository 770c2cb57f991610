"""Settings for a Casaba in front of each origin, and a client for it."""

from contextlib import contextmanager

import httpx

from casaba.testing import running_server

BUCKET = "museum-masters"
PREFIX = "scans/"


@contextmanager
def serving(settings, timeout=30):
    """A real Casaba server with ``settings``, and an HTTP client for it."""
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=timeout) as client:
        yield client


def http_settings(origin, **more):
    return {"source.static": "HttpSource", "HttpSource.BasicLookupStrategy.url_prefix": origin.url, **more}


def s3_settings(endpoint, **more):
    return {
        "source.static": "S3Source",
        "S3Source.endpoint": endpoint,
        "S3Source.region": "us-east-1",
        "S3Source.access_key_id": "test",
        "S3Source.secret_key": "test",
        "S3Source.BasicLookupStrategy.bucket.name": BUCKET,
        "S3Source.BasicLookupStrategy.path_prefix": PREFIX,
        **more,
    }


def ranged(seen):
    """The requests of an origin's log that carried a Range header."""
    return [s for s in seen if s.range]


def whole_gets(seen):
    """The GETs without a Range header: downloads of the whole object."""
    return [s for s in seen if s.method == "GET" and not s.range]
