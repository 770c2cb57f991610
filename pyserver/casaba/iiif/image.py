"""The IIIF endpoints, in the order a request meets them: parse, ask the delegates (if any)
whether the request may go on, the image's info (kept, or from opening the image), ask them again
with what is known then, resolve the request, the derivative cache, plan, render, respond.
What is cached, and when the source is asked first, is the business of ``casaba.caches``."""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from dataclasses import dataclass
from concurrent.futures import Executor
from email.utils import formatdate, parsedate_to_datetime
from functools import cached_property, lru_cache, partial
from typing import Any
from urllib.parse import quote

from casaba import _core, __version__
from casaba.caches.base import Hit, Key
from casaba.caches.client import cache_control
from casaba.caches.facade import CacheFacade, derivative_key
from casaba.caches.info import ImageInfo, OpenedImages
from casaba.caches.lru import Lru
from casaba.delegates.answers import NO_DECISIONS, Decisions
from casaba.delegates.manager import DelegateCall, DelegateManager
from casaba.errors import NotFound, Redirect
from casaba.caches.disk import FilesystemCache
from casaba.http import CORS_HEADERS, Request, Response
from casaba.iiif.answers import Answers, CachedFile, Document, Planned, request_key
from casaba.iiif import meta_identifier, scale_constraint
from casaba.iiif.disposition import QUERY_ARG, content_disposition
from casaba.iiif.info import PROFILES, ImageFacts, info
from casaba.iiif.meta_identifier import MetaIdentifier
from casaba.iiif.params import MEDIA_TYPES, ImageRequest, Limits, Resolved, Version, canonical, parse_image_request, resolve
from casaba.settings import Settings
from casaba.singleflight import SingleFlight
from casaba.sources.base import LocalImage, Source, SourceImage
from casaba.sources.retrieval import Handle, Retrieval

CONTENT_TYPES = MEDIA_TYPES
#: Characters RFC 3986 allows in a path segment stay as they are in ids; '/' is encoded.
PATH_SEGMENT_SAFE = "!$&'()*+,;=:@"


@dataclass(frozen=True)
class Opened:
    """An image ready for requests: where it is, which page, and its opened structure."""

    located: SourceImage
    page: int
    handle: Handle

    @property
    def image(self) -> _core.Image:
        return self.handle.image

    @cached_property
    def info(self) -> ImageInfo:
        image, located = self.handle.image, self.located
        return ImageInfo(located.key, located.version, located.modified_ns, image.width, image.height, image.tile_size, image.pages)


@dataclass(frozen=True)
class Prepared:
    """A resolved image request: what to make (``region`` in the stored image's pixels), its
    response headers, ETag and cache key."""

    resolved: Resolved
    region: tuple[int, int, int, int]
    headers: tuple[tuple[str, str], ...]
    etag: str
    key: Key


@lru_cache(maxsize=8192)
def parse_request(identifier: str, params: tuple[str, ...], version: Version) -> ImageRequest:
    """Parsing is pure, and viewers ask the same tiles again and again."""
    return parse_image_request(identifier, params, version)


class IiifService:
    """Everything one worker needs to answer IIIF requests."""

    def __init__(
        self,
        settings: Settings,
        source: Source,
        executor: Executor,
        retrieval: Retrieval,
        caches: CacheFacade,
        delegates: DelegateManager | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.executor = executor
        self.retrieval = retrieval
        self.caches = caches
        self.delegates = delegates
        self.cache_control = cache_control(settings)
        self.opened = OpenedImages()
        self.prepared: Lru[tuple[ImageRequest, Version, str, ImageInfo, tuple[int, int] | None, Decisions], Prepared] = Lru(4096)
        # By derivative key: it names the pixels asked for, whatever the URL or API version.
        self.plans: Lru[tuple[Key, Handle], _core.Plan] = Lru(4096)
        # Delegates are asked on every request: then nothing is answered from memory.
        self.answers = Answers(self.opened) if delegates is None else None
        self.opening: SingleFlight[Handle] = SingleFlight()
        self.limits = Limits(settings.iiif.max_pixels, settings.iiif.max_scale)
        # What else, besides the request and the source's version, changes a derivative's bytes.
        self.encoding: dict[str, Any] = {
            "jpeg_quality": settings.processor.jpg_quality,
            "jpeg_progressive": settings.processor.jpg_progressive,
            "webp_quality": settings.processor.webp_quality,
            "tiff_compression": settings.processor.tiff_compression,
            "background": settings.processor.background_color,
            "downscale_filter": settings.processor.downscale_filter,
            "upscale_filter": settings.processor.upscale_filter,
        }
        self._settings_tag = "|".join([__version__, *map(str, self.encoding.values())])

    def identifier(self, segment: str) -> str:
        sub = self.settings.iiif.slash_substitute
        return segment.replace(sub, "/") if sub else segment

    def public_id(self, request: Request, version: Version, identifier: str) -> str:
        base = request.base_uri(self.settings.iiif.base_uri)
        return f"{base}/iiif/{version.value}/{quote(identifier, safe=PATH_SEGMENT_SAFE)}"

    async def begin(self, request: Request, version: Version, identifier: str, suffix: str) -> tuple[MetaIdentifier, DelegateCall | None]:
        """The meta-identifier (a 301 to its normal form), and with delegates the request's
        call, pre-authorized. ``suffix`` follows the identifier in this request's path."""
        call = None
        query = f"?{request.query_string}" if request.query_string else ""
        if self.delegates is None:
            meta = meta_identifier.parse(identifier, self.settings.meta_identifier.delimiter)
        else:
            info_of = (version, self.public_id(request, version, identifier)) if suffix == "/info.json" else None
            base = request.base_uri(self.settings.iiif.base_uri)
            call = self.delegates.start(request, base, lambda text: self.public_id(request, version, text) + suffix + query, info_of)
            meta = await call.meta_identifier(identifier)
        normal = meta_identifier.normalized(meta)
        if normal != meta:
            text = await call.serialize(normal) if call else meta_identifier.serialize(normal, self.settings.meta_identifier.delimiter)
            raise Redirect(301, self.public_id(request, version, text) + suffix + query)
        if call:
            await call.pre_authorize()
        return meta, call

    async def open(self, meta: MetaIdentifier, call: DelegateCall | None = None) -> Opened:
        # Opening asks the source (a stat, a HEAD) whether the image is still the version opened
        # before.
        try:
            located = await (call.locate(meta.identifier) if call else self.source.locate(meta.identifier))
        except NotFound:
            await self.caches.missing(meta.identifier)
            raise
        handle = self.opened.get(located, meta.page)
        if handle is not None and handle.superseded():
            handle = None
        if handle is None:
            # Concurrent first requests for an image open (or download) it once.
            flight = f"{located.key}\0{located.version}\0{meta.page}"
            handle = await self.opening.run(flight, partial(self._open, located, meta.page))
        opened = Opened(located, meta.page, handle)
        await self.caches.seen(meta.identifier, meta.page, opened.info)
        return opened

    async def _open(self, located: SourceImage, page: int) -> Handle:
        handle = await self.retrieval.open(located, page)
        if handle.reusable:
            self.opened.put(located, page, handle)
        return handle

    async def redirect(self, request: Request, version: Version, identifier: str) -> Response:
        location = self.public_id(request, version, identifier) + "/info.json"
        return Response(303, [("location", location)])

    async def image_info(self, meta: MetaIdentifier, call: DelegateCall | None) -> tuple[ImageInfo, Opened | None]:
        """The info of the image (page) a meta-identifier names: kept (with a derivative cache,
        so that a hit opens nothing), or from opening the image."""
        kept = await self.caches.info(meta.identifier, meta.page)
        if kept is not None and not self._pyramid_since(kept, meta.page):
            return kept, None
        opened = await self.open(meta, call)
        return opened.info, opened

    def _pyramid_since(self, info: ImageInfo, page: int) -> bool:
        """Whether `info` was kept of an untiled image whose pyramid has been built since: then
        the pyramid's tiles are the ones to advertise (a stat, for large untiled images only)."""
        pyramids = self.retrieval.pyramids
        if pyramids is None or info.tile is not None or info.width * info.height < pyramids.min_pixels:
            return False
        return pyramids.path_for(info.key, info.version, page).exists()

    async def info(self, request: Request, version: Version, identifier: str) -> Response:
        meta, call = await self.begin(request, version, identifier, "/info.json")
        image, opened = await self.image_info(meta, call)
        body = info(
            version,
            self.public_id(request, version, identifier),
            ImageFacts(*scale_constraint.virtual_size(image.width, image.height, meta.scale), image.tile),
            scale_constraint.limits(self.limits, meta.scale),
            self.settings.iiif.min_size,
            self.settings.iiif.min_tile_size,
        )
        extra = await call.extra_info_keys(version, image.width, image.height, image.pages) if call else {}
        body.update(extra)
        profile = PROFILES[version]
        media_type = negotiate(request.header("accept"), profile.media_type)
        links = [f'<{profile.level2}>;rel="profile"']
        if media_type == "application/json":
            links.append(f'<{profile.context}>;rel="http://www.w3.org/ns/json-ld#context";type="application/ld+json"')
        # The media type follows the Accept header, so shared caches must key on it.
        headers = [("content-type", media_type), ("link", ", ".join(links)), ("vary", "Accept")]
        image_id = body.get("id") or body["@id"]
        extra_tag = (json.dumps(extra, sort_keys=True, default=str),) if extra else ()
        etag = self._etag(image, meta, "info", version.value, image_id, media_type, *extra_tag)
        cached = not_modified(request, image.modified_ns, etag, self.cache_control)
        if cached:
            return cached
        payload = json.dumps(body, separators=(",", ":")).encode()
        headers += validators(image.modified_ns, etag, self.cache_control)
        if self.answers is not None and request.method == "GET" and opened is not None and isinstance(opened.located, LocalImage):
            key = request_key(request.path, request.query_string, request.scheme, request.headers)
            if key is not None:
                self.answers.remember(key, Document(opened.located, opened.page, weakref.ref(opened.handle), [*headers, *CORS_HEADERS], payload))
        return Response(200, headers, payload)

    async def image(self, request: Request, version: Version, identifier: str, params: list[str]) -> Response:
        req = parse_request(identifier, tuple(params), version)
        meta, call = await self.begin(request, version, identifier, "/" + "/".join(params))
        base = request.base_uri(self.settings.iiif.base_uri)
        if self.caches.derivatives:
            image, opened = await self.image_info(meta, call)
        else:
            opened = await self.open(meta, call)
            image = opened.info
        prepared = await self.prepare(req, version, base, image, meta, call)
        cached = not_modified(request, image.modified_ns, prepared.etag, self.cache_control)
        if cached:
            return cached
        hit = await self.caches.lookup(prepared.key) if self.caches.derivatives else None
        if hit is None:
            if opened is None:
                opened = await self.open(meta, call)
                if opened.info != image:  # changed at its source since its info was kept
                    image = opened.info
                    prepared = await self.prepare(req, version, base, image, meta, call)
            hit = await self.make(opened, prepared)
        headers = [*prepared.headers, *validators(image.modified_ns, prepared.etag, self.cache_control)]
        disposition = content_disposition(request.query.get(QUERY_ARG), identifier, req.format)
        if disposition:
            headers.append(("content-disposition", disposition))
        if self.answers is not None and request.method == "GET":
            self.remember(request, opened, prepared, hit, headers)
        if hit.path is not None:
            return Response(200, headers, file=hit.path, file_size=hit.size)
        return Response(200, headers, hit.read())

    def remember(self, request: Request, opened: Opened | None, prepared: Prepared, hit: Hit, headers: list[tuple[str, str]]) -> None:
        """Keep the answer for the request's repeats, if it is one answers.py can check."""
        assert self.answers is not None
        key = request_key(request.path, request.query_string, request.scheme, request.headers)
        if key is None:
            return
        cache = self.caches.cache
        if hit.path is not None and isinstance(cache, FilesystemCache) and not self.caches.resolve_first:
            sent = [*headers, *CORS_HEADERS, ("content-length", str(hit.size))]
            self.answers.remember(key, CachedFile(cache, hit.path, hit.size, sent))
        elif opened is not None and isinstance(opened.located, LocalImage) and hit.path is None:
            plan = self.plans.get((prepared.key, opened.handle))
            # A derivative cache is asked before rendering: only stored tiles (never cached) skip it.
            if plan is not None and (plan.passthrough or not self.caches.derivatives):
                planned = Planned(opened.located, opened.page, weakref.ref(opened.handle), plan, [*headers, *CORS_HEADERS])
                self.answers.remember(key, planned)

    async def make(self, opened: Opened, prepared: Prepared) -> Hit:
        """Plan and render a derivative, through the derivative cache when there is one."""
        image = opened.image
        plan = self.plans.get((prepared.key, opened.handle))
        if plan is None:
            r = prepared.resolved
            plan = image.plan(prepared.region, r.size, mirror=r.mirror, rotation=r.rotation, quality=r.quality, format=r.format, **self.encoding)
            self.plans.put((prepared.key, opened.handle), plan)
        if plan.passthrough and not opened.handle.remote:
            # A stored tile sent as it is takes microseconds: a thread hand-off would cost more,
            # and so would a cache entry.
            body = image.render(plan)
            return Hit(len(body), body=body)
        # Remote reads wait on the network: their own threads, never the loop's.
        executor = self.retrieval.executor if opened.handle.remote else self.executor
        render = partial(asyncio.get_running_loop().run_in_executor, executor, image.render, plan)
        if self.caches.derivatives:
            return await self.caches.produce(prepared.key, render)
        body = await render()
        return Hit(len(body), body=body)

    def resolve(self, req: ImageRequest, image: ImageInfo, scale: tuple[int, int] | None) -> tuple[Resolved, tuple[int, int, int, int]]:
        """The request in the pixels clients see, and its region in the stored image's."""
        size = scale_constraint.virtual_size(image.width, image.height, scale)
        resolved = resolve(req, *size, scale_constraint.limits(self.limits, scale))
        return resolved, scale_constraint.full_region(resolved.region, size, (image.width, image.height))

    async def prepare(
        self, req: ImageRequest, version: Version, base: str, image: ImageInfo, meta: MetaIdentifier, call: DelegateCall | None
    ) -> Prepared:
        """Everything about an image request that depends only on it, the image, the base URI
        and the delegates' decisions (asked here: they may refuse the request)."""
        decisions = NO_DECISIONS
        if call and call.asks_image:
            resolved, region = self.resolve(req, image, meta.scale)
            decisions = await call.image_decisions(req, resolved, region, (image.width, image.height), image.pages)
        key = (req, version, base, image, meta.scale, decisions)
        prepared = self.prepared.get(key)
        if prepared is None:
            prepared = self._prepare(req, version, base, image, meta, decisions)
            self.prepared.put(key, prepared)
        return prepared

    def _prepare(self, req: ImageRequest, version: Version, base: str, image: ImageInfo, meta: MetaIdentifier, decisions: Decisions) -> Prepared:
        decisions.refuse_unsupported()
        resolved, region = self.resolve(req, image, meta.scale)
        size = scale_constraint.virtual_size(image.width, image.height, meta.scale)
        canonical_params = canonical(req, resolved, *size, version)
        canonical_uri = f"{base}/iiif/{version.value}/{quote(req.identifier, safe=PATH_SEGMENT_SAFE)}/{canonical_params}"
        headers = (
            ("content-type", CONTENT_TYPES[resolved.format]),
            ("link", f'<{PROFILES[version].level2}>;rel="profile", <{canonical_uri}>;rel="canonical"'),
        )
        decided = repr(decisions) if decisions != NO_DECISIONS else ""
        # Every API version asking for the same pixels shares one derivative.
        pixels = canonical(req, resolved, *size, Version.V3)
        scale = f"{meta.scale[0]}:{meta.scale[1]}" if meta.scale else ""
        key = derivative_key(meta.identifier, meta.page, image, pixels, self._settings_tag, f"{scale}\0{decided}")
        return Prepared(resolved, region, headers, self._etag(image, meta, canonical_params, decided), key)

    def _etag(self, image: ImageInfo, meta: MetaIdentifier, *parts: str) -> str:
        scale = f"{meta.scale[0]}:{meta.scale[1]}" if meta.scale else ""
        key = "\0".join([image.key, str(meta.page), image.version, self._settings_tag, scale, *parts])
        return '"' + hashlib.sha1(key.encode()).hexdigest()[:32] + '"'


def negotiate(accept: str, default: str) -> str:
    """info.json's media type: JSON-LD or plain JSON, as the client asks, else the version's default."""
    if "application/ld+json" in accept:
        return default if default.startswith("application/ld+json") else "application/ld+json"
    if "application/json" in accept:
        return "application/json"
    return default


def validators(modified_ns: int | None, etag: str, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """ETag, Last-Modified (the source's) and ``extra`` (Cache-Control), for a 200 or a 304."""
    if modified_ns is None:
        return [("etag", etag), *extra]
    return [("etag", etag), ("last-modified", formatdate(modified_ns // 1_000_000_000, usegmt=True)), *extra]


def not_modified(request: Request, modified_ns: int | None, etag: str, extra: list[tuple[str, str]]) -> Response | None:
    """A 304 when the client's copy (by ETag, else by date) is current."""
    if_none_match = request.header("if-none-match")
    if if_none_match:
        tags = [t.strip() for t in if_none_match.split(",")]
        if etag in tags or "*" in tags or f"W/{etag}" in tags:
            return Response(304, validators(modified_ns, etag, extra))
        return None
    since = request.header("if-modified-since")
    try:
        if since and modified_ns is not None and modified_ns // 1_000_000_000 <= parsedate_to_datetime(since).timestamp():
            return Response(304, validators(modified_ns, etag, extra))
    except (TypeError, ValueError):
        pass
    return None
