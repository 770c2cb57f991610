"""The RSGI application Granian runs: one route table, one error handler.

Granian hands the app a percent-decoded path, so an identifier's encoded slashes (``%2F``) arrive
as ``/``. IIIF paths are therefore read from the right: the last four segments of an image request
are region, size, rotation and quality.format (a last segment with a dot, after at least four
others), ``info.json`` ends an information request, and
everything between the version prefix and those is the identifier.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from casaba import _core, metrics
from casaba.caches.client import ERRORS as ERROR_CACHE_CONTROL
from casaba.delegates.loading import configure_from_environment, delegate_classes
from casaba.errors import BadRequest, MethodNotAllowed, NotFound, reason_of, to_http_error
from casaba.http import CONNECTION, PREFLIGHT_HEADERS, Request, Response, send
from casaba.iiif.params import Version
from casaba.serving import generation
from casaba.serving.admission import Admission, Threads
from casaba.serving.iiif import IiifService
from casaba.serving.live import Watcher
from casaba.serving.stopping import Deadlines
from casaba.settings import Settings
from casaba.web.admin.endpoint import admin
from casaba.web.health import health
from casaba.web.landing import landing
from casaba.web.static import static
from casaba.web.tasks import tasks_endpoint

log = logging.getLogger("casaba")

#: Seconds between a worker's moves of its counts to the files every worker's are read from.
FLUSH_SECONDS = 1.0
#: Threads that open and render images read from a web server or bucket. They mostly wait on the
#: network, so there are more of them than cores, and a slow origin cannot take the pixel threads.
REMOTE_THREADS = 32


def error_response(exc: BaseException, scope: Any) -> Response:
    err = to_http_error(exc)
    if err.status >= 500:
        metrics.TALLY.failed(err.status, scope.method, scope.path, reason_of(exc, err))
    headers = [("content-type", err.content_type), ("cache-control", ERROR_CACHE_CONTROL), *err.headers]
    return Response(err.status, headers, err.body())


class App:
    def __init__(self, settings: Settings, delegates: Sequence[tuple[str, type]] | None = None) -> None:
        """``delegates`` are the configured delegate classes, found from ``settings`` if not given."""
        _core.set_decoded_tile_cache_size(settings.decoded_tiles.max_size)
        # Now, in the worker: its start is its metrics' start.
        metrics.shared()
        pixel_threads = os.cpu_count() or 2
        self.threads = Threads(
            ThreadPoolExecutor(max_workers=pixel_threads, thread_name_prefix="casaba-pixels"),
            ThreadPoolExecutor(max_workers=REMOTE_THREADS, thread_name_prefix="casaba-remote"),
            Admission(pixel_threads, settings.overload),
        )
        found = delegate_classes(settings) if delegates is None else list(delegates)
        #: What the settings make, read once by each request: swapping it for one made of other
        #: settings changes the answers of the requests that start after.
        self.iiif = generation.build(settings, found, self.threads)
        #: Keeps ``iiif`` in step with the configuration file, from when Granian starts the loop.
        self.watcher = Watcher(settings.path, lambda: self.iiif, self._publish) if settings.path else None
        self.deadlines = Deadlines()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def settings(self) -> Settings:
        return self.iiif.settings

    def _publish(self, iiif: IiifService) -> None:
        self.iiif = iiif

    def __rsgi_init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Granian calls this in each worker before it serves; the tasks run once the loop does.
        self._tasks.append(loop.create_task(self.count()))
        self._tasks.append(loop.create_task(self.deadlines.watch()))
        if self.watcher is not None:
            self._tasks.append(loop.create_task(self.watcher.run()))

    async def count(self) -> None:
        """Move this worker's counts to the shared files, with its memory and its cache's size,
        every ``FLUSH_SECONDS``."""
        while True:
            try:
                metrics.TALLY.flush()
                cache = self.iiif.caches.cache
                metrics.sample_worker(await asyncio.to_thread(cache.kept) if cache is not None else None)
            except Exception:
                log.exception("counting what this worker did failed")
            await asyncio.sleep(FLUSH_SECONDS)

    def __rsgi_del__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Granian calls this once its loop has stopped: the loop can still run the closing.
        for task in self._tasks:
            task.cancel()
        metrics.TALLY.flush()
        closings = [generation.close(self.iiif)]
        if self.watcher is not None:
            closings.insert(0, self.watcher.close())
        for closing in closings:
            try:
                loop.run_until_complete(closing)
            except Exception:
                log.exception("closing the sources or the derivative cache failed")
        self.threads.pixels.shutdown(wait=False, cancel_futures=True)
        self.threads.remote.shutdown(wait=False, cancel_futures=True)

    async def __call__(self, scope: Any, proto: Any) -> None:
        if scope.proto != "http":
            return
        started = time.perf_counter()
        CONNECTION.set(proto)
        iiif = self.iiif
        iiif.active += 1
        try:
            purged = iiif.purges.poll()
            if purged:
                await iiif.forget(purged)
            # A request worked out before is answered from the scope as it comes.
            response = await iiif.again(scope)
            if response is None:
                response = await self.deadlines.bound(route(iiif, Request.from_scope(scope, proto)), iiif.settings.overload.deadline)
        except Exception as exc:  # every failure becomes an HTTP answer, never a dead worker
            response = error_response(exc, scope)
        finally:
            iiif.active -= 1
        if iiif.access is not None:
            iiif.access(scope, response)
        send(proto, scope, response)
        metrics.TALLY.request(endpoint_of(scope.path), response.status, time.perf_counter() - started)


Endpoint = Callable[[IiifService, Request, list[str]], Awaitable[Response]]


async def iiif_endpoint(iiif: IiifService, request: Request, parts: list[str]) -> Response:
    """``/iiif/{2,3}/...``: the IIIF endpoints of the enabled versions."""
    if len(parts) < 3 or parts[2] not in ("2", "3"):
        raise NotFound("Not found.")
    version = Version(parts[2])
    if version not in iiif.versions:
        raise NotFound(f"The IIIF Image API {version.value} endpoint is not enabled.")
    if request.method == "OPTIONS":
        return Response(204, list(PREFLIGHT_HEADERS))
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed("Only GET, HEAD and OPTIONS are allowed.", [("allow", "GET, HEAD, OPTIONS")])
    return await route_iiif(iiif, request, version, parts[3:])


#: The route table, by the path's first segment.
ENDPOINTS: dict[str, Endpoint] = {"iiif": iiif_endpoint, "": landing, "health": health, "static": static, "tasks": tasks_endpoint, "admin": admin}


def endpoint_of(path: str) -> str:
    """What the counts call a request's endpoint: ``iiif3-image``, ``iiif2-info``, ..., the route
    table's names (``landing`` for ``/``), or ``other``."""
    parts = path.split("/", 4)
    first = parts[1] if len(parts) > 1 else ""
    if first == "iiif" and len(parts) > 3 and parts[2] in ("2", "3"):
        return f"iiif{parts[2]}-{'info' if path.endswith('/info.json') else 'image'}"
    if first == "":
        return "landing"
    return first if first in ENDPOINTS else "other"


async def route(iiif: IiifService, request: Request) -> Response:
    """The endpoint the path's first segment names, given the path's segments."""
    parts = request.path.split("/")
    endpoint = ENDPOINTS.get(parts[1]) if len(parts) > 1 else None
    if endpoint is None:
        raise NotFound("Not found.")
    if "." in parts or ".." in parts:
        # Clients remove them before asking (RFC 3986, 5.2.4); one that did not asks for nothing.
        raise BadRequest("The path has '.' or '..' segments: they name no identifier and no part of a request.")
    return await endpoint(iiif, request, parts)


async def route_iiif(iiif: IiifService, request: Request, version: Version, rest: list[str]) -> Response:
    if rest and rest[-1] == "":
        rest = rest[:-1]
    if len(rest) >= 2 and rest[-1] == "info.json":
        identifier, handler = rest[:-1], "info"
    elif len(rest) >= 5 and "." in rest[-1]:
        identifier, handler = rest[:-4], "image"
    else:
        identifier, handler = rest, "redirect"
    ident = iiif.identifier("/".join(identifier))
    if not ident:
        raise NotFound("No identifier was given.")
    if handler == "info":
        return await iiif.info(request, version, ident)
    if handler == "image":
        return await iiif.image(request, version, ident, rest[-4:])
    return await iiif.redirect(request, version, ident)


def create_app() -> App:
    """The factory Granian calls in each worker."""
    return App(*configure_from_environment())
