"""Image requests as derivatives: worked out against the image's info (the region in stored
pixels, response headers, ETag, the derivative cache's key), then made: planned by the core once
per derivative and opened image, a stored tile sent as it is, anything else rendered on the pixel
threads (remote reads on their own) through the derivative cache."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

from casaba import _core, __version__
from casaba.caches.base import Hit, Key
from casaba.caches.facade import CacheFacade, derivative_key
from casaba.caches.info import ImageInfo
from casaba.caches.lru import Lru
from casaba.delegates.answers import NO_DECISIONS, Decisions, Redaction
from casaba.iiif import scale_constraint
from casaba.iiif.info import PROFILES
from casaba.meta_identifier import MetaIdentifier
from casaba.overlays.choice import Chosen
from casaba.overlays.plugins import OverlayPlugin, drawn
from casaba.serving.admission import Threads, pixel_bytes
from casaba.serving.opening import Opened
from casaba.serving.stopping import in_thread, unless_client_leaves
from casaba.iiif.params import MEDIA_TYPES, ImageRequest, Limits, Resolved, Version, canonical, resolve
from casaba.settings.keys import ProcessorSettings

#: Characters RFC 3986 allows in a path segment stay as they are in ids; '/' is encoded.
PATH_SEGMENT_SAFE = "!$&'()*+,;=:@"


@dataclass(frozen=True)
class Prepared:
    """A resolved image request: what to make (``region`` in the stored image's pixels), its
    response headers, ETag and cache key."""

    resolved: Resolved
    region: tuple[int, int, int, int]
    headers: tuple[tuple[str, str], ...]
    etag: str
    key: Key
    overlay: _core.Overlay | None
    #: What overlay plugins are told of the request.
    context: dict[str, Any]
    #: The delegates' redactions, in the full image's pixels.
    redactions: tuple[Redaction, ...] = ()


def etag(image: ImageInfo, meta: MetaIdentifier, settings_tag: str, *parts: str) -> str:
    """An answer's ETag: the image's version and page, the settings that change bytes, the scale
    constraint and ``parts`` (what else names the answer)."""
    scale = f"{meta.scale[0]}:{meta.scale[1]}" if meta.scale else ""
    key = "\0".join([image.key, str(meta.page), image.version, settings_tag, scale, *parts])
    return '"' + hashlib.sha1(key.encode()).hexdigest()[:32] + '"'


def resolve_region(req: ImageRequest, width: int, height: int, scale: tuple[int, int] | None, limits: Limits) -> tuple[Resolved, tuple[int, int, int, int]]:
    """The request in the pixels clients see (of the image ``width`` x ``height`` under the
    scale constraint ``scale``), and its region in the stored image's."""
    size = scale_constraint.virtual_size(width, height, scale)
    resolved = resolve(req, *size, scale_constraint.limits(limits, scale))
    return resolved, scale_constraint.full_region(resolved.region, size, (width, height))


def plan(
    image: _core.Image,
    region: tuple[int, int, int, int],
    resolved: Resolved,
    processor: ProcessorSettings,
    overlay: _core.Overlay | None = None,
    drawn_after: bool = False,
    redactions: tuple[Redaction, ...] = (),
) -> _core.Plan:
    """The core's plan of a derivative, with the configured encoders and filters, the overlay and
    the redactions (in the full image's pixels, as the region is); ``drawn_after`` when plugins
    draw on its pixels before they are encoded."""
    r = resolved
    options = processor.plan_options
    return image.plan(
        region,
        r.size,
        mirror=r.mirror,
        rotation=r.rotation,
        quality=r.quality,
        format=r.format,
        overlay=overlay,
        drawn_after=drawn_after,
        redactions=redactions,
        **options,
    )


class Derivatives:
    def __init__(
        self,
        limits: Limits,
        processor: ProcessorSettings,
        threads: Threads,
        caches: CacheFacade,
        plugins: Sequence[tuple[str, OverlayPlugin]] = (),
    ) -> None:
        self.limits = limits
        self.processor = processor
        self.plugins = plugins
        #: What else, besides the request and the source's version, changes a derivative's bytes.
        self.settings_tag = "|".join([__version__, *map(str, processor.plan_options.values()), *(f"{n}:{p.tag()}" for n, p in plugins)])
        self.threads = threads
        self.caches = caches
        self._prepared: Lru[tuple[ImageRequest, Version, str, ImageInfo, tuple[int, int] | None, Decisions, Chosen | None], Prepared] = Lru(4096)
        # By derivative key: it names the pixels asked for, whatever the URL or API version.
        self._plans: Lru[tuple[str, Opened], _core.Plan] = Lru(4096)
        # Derivatives last made as a stored tile sent as it is: no cache holds them.
        self._stored: Lru[str, bool] = Lru(4096)

    def forget(self) -> None:
        """Drop what was worked out before (after a purge)."""
        self._prepared.clear()
        self._plans.clear()
        self._stored.clear()

    def stored(self, prepared: Prepared) -> bool:
        """Whether the derivative was a stored tile when last made: then no cache is asked for it."""
        return self._stored.get(prepared.key.name) is not None

    def resolve(self, req: ImageRequest, image: ImageInfo, scale: tuple[int, int] | None) -> tuple[Resolved, tuple[int, int, int, int]]:
        return resolve_region(req, image.width, image.height, scale, self.limits)

    def prepare(
        self, req: ImageRequest, version: Version, base: str, image: ImageInfo, meta: MetaIdentifier, decisions: Decisions, overlay: Chosen | None
    ) -> Prepared:
        """Everything about an image request that depends only on it, the image, the base URI,
        the delegates' decisions and the overlay."""
        key = (req, version, base, image, meta.scale, decisions, overlay)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = self._prepare(req, version, base, image, meta, decisions, overlay)
            self._prepared.put(key, prepared)
        return prepared

    def _prepare(
        self, req: ImageRequest, version: Version, base: str, image: ImageInfo, meta: MetaIdentifier, decisions: Decisions, overlay: Chosen | None
    ) -> Prepared:
        decisions.refuse_unsupported()
        resolved, region = self.resolve(req, image, meta.scale)
        size = scale_constraint.virtual_size(image.width, image.height, meta.scale)
        canonical_params = canonical(req, resolved, *size, version)
        canonical_uri = f"{base}/iiif/{version.value}/{quote(req.identifier, safe=PATH_SEGMENT_SAFE)}/{canonical_params}"
        headers = (
            ("content-type", MEDIA_TYPES[resolved.format]),
            ("link", f'<{PROFILES[version].level2}>;rel="profile", <{canonical_uri}>;rel="canonical"'),
        )
        decided = repr(decisions) if decisions != NO_DECISIONS else ""
        if overlay is not None:
            decided += f"\0overlay {overlay.tag}"
        # Every API version asking for the same pixels shares one derivative.
        pixels = canonical(req, resolved, *size, Version.V3)
        scale = f"{meta.scale[0]}:{meta.scale[1]}" if meta.scale else ""
        key = derivative_key(meta.identifier, meta.page, image, pixels, self.settings_tag, f"{scale}\0{decided}")
        tag = etag(image, meta, self.settings_tag, canonical_params, decided)
        context = {
            "identifier": meta.identifier,
            "page_number": meta.page,
            "full_size": (image.width, image.height),
            "region": region,
            "size": resolved.size,
            "rotation": resolved.rotation,
            "mirror": resolved.mirror,
            "quality": resolved.quality,
            "format": resolved.format,
        }
        return Prepared(resolved, region, headers, tag, key, overlay.overlay if overlay else None, context, decisions.redactions)

    def plan(self, opened: Opened, prepared: Prepared) -> _core.Plan:
        """The core's plan, made once per derivative and opened image."""
        planned = self._plans.get((prepared.key.name, opened))
        if planned is None:
            planned = plan(opened.image, prepared.region, prepared.resolved, self.processor, prepared.overlay, bool(self.plugins), prepared.redactions)
            self._plans.put((prepared.key.name, opened), planned)
        return planned

    def stored_tile(self, opened: Opened, prepared: Prepared, planned: _core.Plan) -> bytes | None:
        """The derivative, when its plan sends a tile of a local image as it is stored, read here:
        that takes microseconds, less than a thread hand-off or a cache entry would cost."""
        if not planned.passthrough or opened.handle.remote:
            return None
        if self.caches.derivatives:
            self._stored.put(prepared.key.name, True)
        return opened.image.render(planned)

    async def render(self, opened: Opened, prepared: Prepared, planned: _core.Plan) -> Hit:
        """Render a derivative on the pixel threads (once the worker admits it), through the
        derivative cache when there is one; stopped if its client leaves."""
        made = partial(drawn, opened.image, planned, self.plugins, prepared.context) if self.plugins else partial(opened.image.render, planned)

        async def render() -> bytes:
            if opened.handle.remote:
                # Remote reads wait on the network: their own threads, never the loop's, and
                # no pixel thread's turn.
                return await in_thread(self.threads.remote, made)
            async with self.threads.admission.slot(pixel_bytes(planned)):
                return await in_thread(self.threads.pixels, made)

        if self.caches.derivatives:
            return await unless_client_leaves(self.caches.produce(prepared.key, render))
        body = await unless_client_leaves(render())
        return Hit(len(body), body=body)
