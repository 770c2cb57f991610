"""The IIIF endpoints, in the order a request meets them: parse, ask the delegates (if any)
whether the request may go on, locate the image, open it (or take it from the opened-image
cache), ask them again with what is known then, resolve the request, plan, render, respond."""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from concurrent.futures import Executor
from email.utils import formatdate, parsedate_to_datetime
from functools import lru_cache, partial
from urllib.parse import quote

from casaba import _core, __version__
from casaba.caches.info import OpenedImages
from casaba.caches.lru import Lru
from casaba.delegates.answers import NO_DECISIONS, Decisions
from casaba.delegates.manager import DelegateCall, DelegateManager
from casaba.errors import Redirect
from casaba.http import Request, Response
from casaba.iiif import meta_identifier, scale_constraint
from casaba.iiif.disposition import QUERY_ARG, content_disposition
from casaba.iiif.info import PROFILES, ImageFacts, info
from casaba.iiif.meta_identifier import MetaIdentifier
from casaba.iiif.params import MEDIA_TYPES, ImageRequest, Limits, Resolved, Version, canonical, parse_image_request, resolve
from casaba.settings import Settings
from casaba.settings.keys import TIF_COMPRESSIONS
from casaba.singleflight import SingleFlight
from casaba.sources.base import Source, SourceImage
from casaba.sources.retrieval import Handle, Retrieval

CONTENT_TYPES = MEDIA_TYPES
#: Characters RFC 3986 allows in a path segment stay as they are in ids; '/' is encoded.
PATH_SEGMENT_SAFE = "!$&'()*+,;=:@"
DELIMITER_KEY = "meta_identifier.transformer.StandardMetaIdentifierTransformer.delimiter"


@dataclass(frozen=True)
class Opened:
    """An image ready for requests: where it is, which page, and its opened structure."""

    located: SourceImage
    page: int
    handle: Handle
    #: A scale constraint n:d: the image is served as a virtual image n/d its size.
    scale: tuple[int, int] | None = None

    @property
    def image(self) -> _core.Image:
        return self.handle.image

    @property
    def size(self) -> tuple[int, int]:
        """The size clients see: the image's, or the reduced one under a scale constraint."""
        return scale_constraint.virtual_size(self.image.width, self.image.height, self.scale)


@dataclass(frozen=True)
class Prepared:
    """A resolved image request: its plan, response headers and ETag."""

    plan: _core.Plan
    headers: tuple[tuple[str, str], ...]
    etag: str


@lru_cache(maxsize=8192)
def parse_request(identifier: str, params: tuple[str, ...], version: Version) -> ImageRequest:
    """Parsing is pure, and viewers ask the same tiles again and again."""
    return parse_image_request(identifier, params, version)


class IiifService:
    """Everything one worker needs to answer IIIF requests."""

    def __init__(
        self, settings: Settings, source: Source, executor: Executor, retrieval: Retrieval, delegates: DelegateManager | None = None
    ) -> None:
        self.settings = settings
        self.source = source
        self.executor = executor
        self.retrieval = retrieval
        self.delegates = delegates
        self.opened = OpenedImages()
        self.prepared: Lru[tuple[ImageRequest, Version, str, Opened, Decisions], Prepared] = Lru(4096)
        self.opening: SingleFlight[Handle] = SingleFlight()
        self.limits = Limits(settings["max_pixels"], settings["max_scale"])
        # What else, besides the request and the source's version, changes a derivative's bytes.
        self.encoding = {
            "jpeg_quality": settings["processor.jpg.quality"],
            "webp_quality": settings["processor.webp.quality"],
            "tiff_compression": TIF_COMPRESSIONS[settings["processor.tif.compression"]],
            "background": settings["processor.background_color"],
        }
        self._settings_tag = "|".join([__version__, *map(str, self.encoding.values())])

    def identifier(self, segment: str) -> str:
        sub = self.settings["slash_substitute"]
        return segment.replace(sub, "/") if sub else segment

    def public_id(self, request: Request, version: Version, identifier: str) -> str:
        base = request.base_uri(self.settings["base_uri"])
        return f"{base}/iiif/{version.value}/{quote(identifier, safe=PATH_SEGMENT_SAFE)}"

    async def begin(self, request: Request, version: Version, identifier: str, suffix: str) -> tuple[MetaIdentifier, DelegateCall | None]:
        """The meta-identifier (a 301 to its normal form), and with delegates the request's
        call, pre-authorized. ``suffix`` follows the identifier in this request's path."""
        call = None
        query = f"?{request.query_string}" if request.query_string else ""
        if self.delegates is None:
            meta = meta_identifier.parse(identifier, self.settings[DELIMITER_KEY])
        else:
            info_of = (version, self.public_id(request, version, identifier)) if suffix == "/info.json" else None
            base = request.base_uri(self.settings["base_uri"])
            call = self.delegates.start(request, base, lambda text: self.public_id(request, version, text) + suffix + query, info_of)
            meta = await call.meta_identifier(identifier)
        normal = meta_identifier.normalized(meta)
        if normal != meta:
            text = await call.serialize(normal) if call else meta_identifier.serialize(normal, self.settings[DELIMITER_KEY])
            raise Redirect(301, self.public_id(request, version, text) + suffix + query)
        if call:
            await call.pre_authorize()
        return meta, call

    async def open(self, meta: MetaIdentifier, call: DelegateCall | None = None) -> Opened:
        # Every request asks the source (a stat, a HEAD) whether the image is still the version
        # opened before.
        located = await (call.locate(meta.identifier) if call else self.source.locate(meta.identifier))
        handle = self.opened.get(located, meta.page)
        if handle is None:
            # Concurrent first requests for an image open (or download) it once.
            flight = f"{located.key}\0{located.version}\0{meta.page}"
            handle = await self.opening.run(flight, partial(self._open, located, meta.page))
        return Opened(located, meta.page, handle, meta.scale)

    async def _open(self, located: SourceImage, page: int) -> Handle:
        handle = await self.retrieval.open(located, page)
        if handle.reusable:
            self.opened.put(located, page, handle)
        return handle

    async def redirect(self, request: Request, version: Version, identifier: str) -> Response:
        location = self.public_id(request, version, identifier) + "/info.json"
        return Response(303, [("location", location)])

    async def info(self, request: Request, version: Version, identifier: str) -> Response:
        meta, call = await self.begin(request, version, identifier, "/info.json")
        opened = await self.open(meta, call)
        image = opened.image
        body = info(
            version,
            self.public_id(request, version, identifier),
            ImageFacts(*opened.size, image.tile_size),
            scale_constraint.limits(self.limits, opened.scale),
            self.settings["endpoint.iiif.min_size"],
            self.settings["endpoint.iiif.min_tile_size"],
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
        etag = self._etag(opened, "info", version.value, image_id, media_type, *extra_tag)
        cached = not_modified(request, opened.located, etag)
        if cached:
            return cached
        payload = json.dumps(body, separators=(",", ":")).encode()
        return Response(200, headers + validators(opened.located, etag), payload)

    async def image(self, request: Request, version: Version, identifier: str, params: list[str]) -> Response:
        req = parse_request(identifier, tuple(params), version)
        meta, call = await self.begin(request, version, identifier, "/" + "/".join(params))
        opened = await self.open(meta, call)
        base = request.base_uri(self.settings["base_uri"])
        decisions = NO_DECISIONS
        if call and call.asks_image:
            resolved, region = self.resolve(req, opened)
            full = (opened.image.width, opened.image.height)
            decisions = await call.image_decisions(req, resolved, region, full, opened.image.pages)
        key = (req, version, base, opened, decisions)
        prepared = self.prepared.get(key)
        if prepared is None:
            prepared = self.prepare(req, version, base, opened, decisions)
            self.prepared.put(key, prepared)
        headers = list(prepared.headers)
        disposition = content_disposition(request.query.get(QUERY_ARG), identifier, req.format)
        if disposition:
            headers.append(("content-disposition", disposition))
        cached = not_modified(request, opened.located, prepared.etag)
        if cached:
            return cached
        image, plan = opened.image, prepared.plan
        if plan.passthrough and not opened.handle.remote:
            # A stored tile sent as it is takes microseconds: a thread hand-off would cost more.
            body = image.render(plan)
        else:
            # Remote reads wait on the network: their own threads, never the loop's.
            executor = self.retrieval.executor if opened.handle.remote else self.executor
            body = await asyncio.get_running_loop().run_in_executor(executor, image.render, plan)
        return Response(200, headers + validators(opened.located, prepared.etag), body)

    def resolve(self, req: ImageRequest, opened: Opened) -> tuple[Resolved, tuple[int, int, int, int]]:
        """The request in the pixels clients see, and its region in the stored image's."""
        image, size = opened.image, opened.size
        resolved = resolve(req, *size, scale_constraint.limits(self.limits, opened.scale))
        return resolved, scale_constraint.full_region(resolved.region, size, (image.width, image.height))

    def prepare(self, req: ImageRequest, version: Version, base: str, opened: Opened, decisions: Decisions = NO_DECISIONS) -> Prepared:
        """Everything about an image request that depends only on it, the image, the base URI
        and the delegates' decisions."""
        decisions.refuse_unsupported()
        image = opened.image
        resolved, region = self.resolve(req, opened)
        canonical_params = canonical(req, resolved, *opened.size, version)
        plan = image.plan(
            region,
            resolved.size,
            mirror=resolved.mirror,
            rotation=resolved.rotation,
            quality=resolved.quality,
            format=resolved.format,
            **self.encoding,
        )
        canonical_uri = f"{base}/iiif/{version.value}/{quote(req.identifier, safe=PATH_SEGMENT_SAFE)}/{canonical_params}"
        headers = (
            ("content-type", CONTENT_TYPES[resolved.format]),
            ("link", f'<{PROFILES[version].level2}>;rel="profile", <{canonical_uri}>;rel="canonical"'),
        )
        decided = (repr(decisions),) if decisions != NO_DECISIONS else ()
        return Prepared(plan, headers, self._etag(opened, canonical_params, *decided))

    def _etag(self, opened: Opened, *parts: str) -> str:
        located = opened.located
        scale = (f"{opened.scale[0]}:{opened.scale[1]}",) if opened.scale else ()
        key = "\0".join([located.key, str(opened.page), located.version, self._settings_tag, *scale, *parts])
        return '"' + hashlib.sha1(key.encode()).hexdigest()[:32] + '"'


def negotiate(accept: str, default: str) -> str:
    """info.json's media type: JSON-LD or plain JSON, as the client asks, else the version's default."""
    if "application/ld+json" in accept:
        return default if default.startswith("application/ld+json") else "application/ld+json"
    if "application/json" in accept:
        return "application/json"
    return default


def validators(located: SourceImage, etag: str) -> list[tuple[str, str]]:
    if located.modified_ns is None:
        return [("etag", etag)]
    return [("etag", etag), ("last-modified", formatdate(located.modified_ns // 1_000_000_000, usegmt=True))]


def not_modified(request: Request, located: SourceImage, etag: str) -> Response | None:
    """A 304 when the client's copy (by ETag, else by date) is current."""
    if_none_match = request.header("if-none-match")
    if if_none_match:
        tags = [t.strip() for t in if_none_match.split(",")]
        if etag in tags or "*" in tags or f"W/{etag}" in tags:
            return Response(304, validators(located, etag))
        return None
    since = request.header("if-modified-since")
    try:
        modified = located.modified_ns
        if since and modified is not None and modified // 1_000_000_000 <= parsedate_to_datetime(since).timestamp():
            return Response(304, validators(located, etag))
    except (TypeError, ValueError):
        pass
    return None
