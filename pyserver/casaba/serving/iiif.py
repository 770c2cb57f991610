"""The IIIF endpoints as one sequence of steps, the same for every request:

1. **ask**: parse the parameters (``params``), the meta-identifier and pre-authorization
   (``begin``, through the request's delegate call), the image's info (``opening``), then for an
   image request authorization, the delegates' decisions and the overlay (``overlays``),
   resolved into a ``Prepared`` derivative (``derivatives``); for info.json, the document;
2. **answer**: the image's info as it is now (kept, or from the source), a 304 to a current
   client, the derivative from the cache or made (a stored tile read as it is, else rendered:
   ``derivatives``), and the response.

What the first step works out depends only on the request and the image's info. Without
delegates it is remembered by request (``answers``), so a repeated request starts at step 2,
which checks the image's info again exactly as a fresh request does: a rule of step 2 is written
once and holds for every answer."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from casaba.caches.client import cache_control
from casaba.caches.facade import CacheFacade
from casaba.caches.info import ImageInfo
from casaba.caches.purge_signal import Purge, PurgeSignal
from casaba.delegates.answers import NO_DECISIONS
from casaba.delegates.manager import DelegateCall, DelegateManager
from casaba.delegates.standard import NoDelegates, StandardCall
from casaba.errors import Redirect
from casaba.http import Headers, Request, RequestLine, Response
from casaba import meta_identifier
from casaba.iiif import scale_constraint
from casaba.caches.lru import Lru
from casaba.serving import answers
from casaba.serving.admission import Threads
from casaba.serving.answers import request_key
from casaba.serving.conditional import not_modified, validators
from casaba.serving.derivatives import PATH_SEGMENT_SAFE, Derivatives, Prepared, etag
from casaba.iiif.disposition import QUERY_ARG, content_disposition
from casaba.iiif.info import PROFILES, ImageFacts, info
from casaba.meta_identifier import MetaIdentifier
from casaba.overlays.choice import Overlays
from casaba.overlays.plugins import overlay_plugin_classes
from casaba.serving.opening import Opened, Opener
from casaba.iiif.params import ImageRequest, Limits, Version, parse_image_request
from casaba.logs.access import AccessLog
from casaba.settings import Settings
from casaba.sources.base import SourceChanged
from casaba.sources.retrieval import Retrieval

Call = DelegateCall | StandardCall


@lru_cache(maxsize=8192)
def parse_request(identifier: str, params: tuple[str, ...], version: Version) -> ImageRequest:
    """Parsing is pure, and viewers ask the same tiles again and again."""
    return parse_image_request(identifier, params, version)


@dataclass(frozen=True, slots=True)
class ImageAsk:
    """An image request worked out against one info of its image."""

    meta: MetaIdentifier
    call: Call
    image: ImageInfo
    prepared: Prepared
    #: Every response header but CORS and the length.
    headers: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class InfoAsk:
    """An info.json request answered from one info of its image."""

    meta: MetaIdentifier
    call: Call
    image: ImageInfo
    etag: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


class IiifService:
    """Everything one worker needs to answer IIIF requests, for one generation of the settings."""

    def __init__(
        self,
        settings: Settings,
        delegates: DelegateManager | NoDelegates,
        threads: Threads,
        retrieval: Retrieval,
        caches: CacheFacade,
        purges: PurgeSignal,
        access: AccessLog | None = None,
    ) -> None:
        """``threads`` are the worker's, shared by its generations; ``purges``
        tells every worker of the server of a purge; ``access`` logs each request (None: off)."""
        self.settings = settings
        self.access = access
        self.delegates = delegates
        self.threads = threads
        self.retrieval = retrieval
        self.caches = caches
        #: Requests being answered with this generation (``app``), so that it is closed only
        #: once none are (``serving.live``).
        self.active = 0
        self.purges = purges
        #: The generation that replaced this one in the worker (``serving.live``), if any: how a
        #: request that changed the settings sees its own worker switch.
        self.successor: IiifService | None = None
        self.cache_control = cache_control(settings)
        self.limits = Limits(settings.iiif.max_pixels, settings.iiif.max_scale)
        self.versions = {v for v in Version if settings.iiif.serves(v.value)}
        self.opener = Opener(retrieval, caches)
        plugins = [(name, cls(settings)) for name, cls in overlay_plugin_classes(settings)]
        self.derivatives = Derivatives(self.limits, settings.processor, threads, caches, plugins)
        self.overlays = Overlays(settings.overlays)
        # Delegates may answer each request differently: then nothing is remembered.
        self.answers: Lru[answers.Key, ImageAsk | InfoAsk] | None = None if delegates.per_request else Lru(answers.CAPACITY)

    async def forget(self, purges: Sequence[Purge]) -> None:
        """After purges announced by any worker: what this worker remembers goes (the images'
        infos, the answers worked out, the opened images), and what they name of a cache in its
        memory."""
        if self.answers is not None:
            self.answers.clear()
        self.opener.opened.clear()
        self.derivatives.forget()
        await self.caches.forget(purges)

    def identifier(self, segment: str) -> str:
        sub = self.settings.iiif.slash_substitute
        return segment.replace(sub, "/") if sub else segment

    def public_id(self, request: Request, version: Version, identifier: str) -> str:
        base = request.base_uri(self.settings.iiif.base_uri)
        return f"{base}/iiif/{version.value}/{quote(identifier, safe=PATH_SEGMENT_SAFE)}"

    async def redirect(self, request: Request, version: Version, identifier: str) -> Response:
        location = self.public_id(request, version, identifier) + "/info.json"
        return Response(303, [("location", location)])

    async def again(self, request: RequestLine) -> Response | None:
        """The answer to a request worked out before, if its image is still the one it was
        worked out against; else None, and the request takes every step."""
        if self.answers is None or request.method not in ("GET", "HEAD"):
            return None
        headers = request.headers  # (Granian makes a new one each time it is asked)
        asked = self.answers.get(request_key(request.path, request.query_string, request.scheme, headers))
        if isinstance(asked, ImageAsk):
            image, opened = await self._image_info(asked.meta, asked.call)
            if image is asked.image or image == asked.image:
                return await self._answer_image(headers, asked, opened)
        elif isinstance(asked, InfoAsk):
            image, _ = await self.opener.info(asked.meta, asked.call)
            if image is asked.image or image == asked.image:
                return self._answer_info(headers, asked)
        return None

    # --- info.json -------------------------------------------------------------------------

    async def info(self, request: Request, version: Version, identifier: str) -> Response:
        meta, call = await self.begin(request, version, identifier, "/info.json")
        image, _ = await self.opener.info(meta, call)
        asked = await self._ask_info(request, version, identifier, meta, call, image)
        if self.answers is not None:
            self.answers.put(request_key(request.path, request.query_string, request.scheme, request.headers), asked)
        return self._answer_info(request.headers, asked)

    async def _ask_info(self, request: Request, version: Version, identifier: str, meta: MetaIdentifier, call: Call, image: ImageInfo) -> InfoAsk:
        body = info(
            version,
            self.public_id(request, version, identifier),
            ImageFacts(*scale_constraint.virtual_size(image.width, image.height, meta.scale), image.tile),
            scale_constraint.limits(self.limits, meta.scale),
            self.settings.iiif.min_size,
            self.settings.iiif.min_tile_size,
        )
        extra = await call.extra_info_keys(version, image.width, image.height, image.pages)
        body.update(extra)
        profile = PROFILES[version]
        media_type = negotiate(request.header("accept"), profile.media_type)
        links = [f'<{profile.level2}>;rel="profile"']
        if media_type == "application/json":
            links.append(f'<{profile.context}>;rel="http://www.w3.org/ns/json-ld#context";type="application/ld+json"')
        image_id = body.get("id") or body["@id"]
        extra_tag = (json.dumps(extra, sort_keys=True, default=str),) if extra else ()
        tag = etag(image, meta, self.derivatives.settings_tag, "info", version.value, image_id, media_type, *extra_tag)
        # The media type follows the Accept header, so shared caches must key on it.
        headers = (
            ("content-type", media_type),
            ("link", ", ".join(links)),
            ("vary", "Accept"),
            *validators(image.modified_ns, tag, self.cache_control),
        )
        return InfoAsk(meta, call, image, tag, headers, json.dumps(body, separators=(",", ":")).encode())

    def _answer_info(self, headers: Headers, asked: InfoAsk) -> Response:
        cached = not_modified(headers, asked.image.modified_ns, asked.etag, self.cache_control)
        return cached or Response(200, list(asked.headers), asked.body)

    # --- images ----------------------------------------------------------------------------

    async def image(self, request: Request, version: Version, identifier: str, params: Sequence[str]) -> Response:
        req = parse_request(identifier, tuple(params), version)
        meta, call = await self.begin(request, version, identifier, "/" + "/".join(params))
        base = request.base_uri(self.settings.iiif.base_uri)
        # A second time only when the image changed at its source since its info was kept.
        for _ in range(2):
            image, opened = await self._image_info(meta, call)
            asked = await self._ask_image(request, req, version, base, meta, call, image)
            response = await self._answer_image(request.headers, asked, opened)
            if response is not None:
                return response
        raise SourceChanged()

    async def _image_info(self, meta: MetaIdentifier, call: Call) -> tuple[ImageInfo, Opened | None]:
        """The image's info as an image request must see it: kept only with a derivative cache
        (a cached derivative is then sent without opening anything), else from the source."""
        if self.caches.derivatives:
            return await self.opener.info(meta, call)
        opened = await self.opener.open(meta, call)
        return opened.info, opened

    async def _ask_image(
        self, request: Request, req: ImageRequest, version: Version, base: str, meta: MetaIdentifier, call: Call, image: ImageInfo
    ) -> ImageAsk:
        """Authorization and the delegates' decisions (which may refuse the request), then the
        request resolved against ``image``."""
        decisions = NO_DECISIONS
        if call.asks_image:
            resolved, region = self.derivatives.resolve(req, image, meta.scale)
            decisions = await call.image_decisions(req, resolved, region, (image.width, image.height), image.pages)
        overlay = await self.overlays.choose(dict(decisions.overlay) if decisions.overlay else None)
        prepared = self.derivatives.prepare(req, version, base, image, meta, decisions, overlay)
        headers = [*prepared.headers, *validators(image.modified_ns, prepared.etag, self.cache_control)]
        disposition = content_disposition(request.query.get(QUERY_ARG), req.identifier, req.format)
        if disposition:
            headers.append(("content-disposition", disposition))
        asked = ImageAsk(meta, call, image, prepared, tuple(headers))
        if self.answers is not None:
            self.answers.put(request_key(request.path, request.query_string, request.scheme, request.headers), asked)
        return asked

    async def _answer_image(self, headers: Headers, asked: ImageAsk, opened: Opened | None) -> Response | None:
        """The answer, from the derivative cache or made of ``opened`` (opened here if need be);
        None when the image turns out not to be the one ``asked`` was worked out against (its
        info was kept from before it changed: the caches are told)."""
        prepared = asked.prepared
        cached = not_modified(headers, asked.image.modified_ns, prepared.etag, self.cache_control)
        if cached:
            return cached
        asks_cache = self.caches.derivatives and not self.derivatives.stored(prepared)
        hit = await self.caches.lookup(prepared.key) if asks_cache else None
        if hit is None:
            if opened is None:
                opened = await self.opener.open(asked.meta, asked.call)
                if opened.info is not asked.image and opened.info != asked.image:
                    await self.caches.seen(asked.meta.identifier, asked.meta.page, opened.info)
                    return None
            planned = self.derivatives.plan(opened, prepared)
            stored = self.derivatives.stored_tile(opened, prepared, planned)
            if stored is not None:
                return Response(200, list(asked.headers), stored)
            hit = await self.derivatives.render(opened, prepared, planned)
        if hit.path is not None:
            return Response(200, list(asked.headers), file=hit.path, file_size=hit.size)
        return Response(200, list(asked.headers), hit.read())

    # --- the first steps of every request -----------------------------------------------

    async def begin(self, request: Request, version: Version, identifier: str, suffix: str) -> tuple[MetaIdentifier, Call]:
        """The meta-identifier (a 301 to its normal form) and the request's delegate call,
        pre-authorized. ``suffix`` follows the identifier in this request's path."""
        query = f"?{request.query_string}" if request.query_string else ""
        info_of = (version, self.public_id(request, version, identifier)) if suffix == "/info.json" else None
        base = request.base_uri(self.settings.iiif.base_uri)
        call = self.delegates.start(request, base, lambda text: self.public_id(request, version, text) + suffix + query, info_of)
        meta = await call.meta_identifier(identifier)
        normal = meta_identifier.normalized(meta)
        if normal != meta:
            raise Redirect(301, self.public_id(request, version, await call.serialize(normal)) + suffix + query)
        await call.pre_authorize()
        return meta, call


def negotiate(accept: str, default: str) -> str:
    """info.json's media type: JSON-LD or plain JSON, as the client asks, else the version's default."""
    if "application/ld+json" in accept:
        return default if default.startswith("application/ld+json") else "application/ld+json"
    if "application/json" in accept:
        return "application/json"
    return default
