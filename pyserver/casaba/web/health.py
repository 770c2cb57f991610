"""``/health`` (``endpoint.health.enabled``), as Cantaloupe answers it: ``{"color": "GREEN"}`` with
200 while the server can serve; with ``endpoint.health.dependency_check``, the configured source is
read from and the derivative cache written to, read and purged, and a failure is a 500 whose
``color`` is ``RED`` and whose ``message`` names the dependency and what failed, in words that
never name a path, a host, a bucket or a credential."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from casaba.caches.base import INFO, Key
from casaba.errors import HttpError, NotFound
from casaba.http import Request, Response
from casaba.serving.iiif import IiifService
from casaba.web.pages import get_only

log = logging.getLogger("casaba.health")

COLORS = ["GREEN", "YELLOW", "RED"]
#: Seconds a check may take before it counts as failed.
DEADLINE = 10.0
PROBE = b"casaba health check"


async def source_check(iiif: IiifService) -> None:
    await iiif.delegates.sources.check()


async def cache_check(iiif: IiifService) -> None:
    cache = iiif.caches.cache
    if cache is None:
        return
    probe = Key(f"casaba-health-{uuid.uuid4().hex}", uuid.uuid4().hex, INFO)
    try:
        await cache.put(probe, PROBE)
        hit = await cache.get(probe)
        if hit is None or hit.read() != PROBE:
            raise RuntimeError("what was written could not be read back")
    finally:
        await cache.purge(probe.identifier)


def public(what: str, e: BaseException) -> str:
    """What failed, for the answer: an HTTP error's public message, else only the error's kind
    (its text may name a path or a host)."""
    if isinstance(e, HttpError):
        return f"{what}: {e.message}"
    if isinstance(e, TimeoutError):
        return f"{what}: no answer within {DEADLINE:g} s"
    return f"{what}: {type(e).__name__}"


async def failures(iiif: IiifService) -> list[str]:
    """What fails, by dependency, checked at once."""
    source_kind = iiif.settings.source.static
    cache_kind = iiif.settings.server_cache.derivative or "derivative cache"
    checks = [(f"{source_kind}", source_check(iiif)), (cache_kind, cache_check(iiif))]
    results = await asyncio.gather(*(asyncio.wait_for(check, DEADLINE) for _, check in checks), return_exceptions=True)
    found = []
    for (what, _), result in zip(checks, results):
        if isinstance(result, BaseException):
            log.warning("health: %s failed: %r", what, result)
            found.append(public(what, result))
    return found


async def health(iiif: IiifService, request: Request, parts: list[str]) -> Response:
    settings = iiif.settings.health
    if not settings.enabled or len(parts) > 2 and parts[2]:
        raise NotFound("Not found.")
    get_only(request)
    failed = await failures(iiif) if settings.dependency_check else []
    body: dict[str, Any] = {"color": "RED" if failed else "GREEN", "message": "; ".join(failed) or None, "possibleColors": COLORS}
    headers = [("content-type", "application/json;charset=UTF-8"), ("cache-control", "no-cache")]
    return Response(500 if failed else 200, headers, json.dumps(body).encode())
