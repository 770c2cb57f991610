"""Where a request's image comes from: located through the request's delegate call (a stat, a
HEAD), then the image opened for that version reused, or opened once for every request waiting
on it; and the image's info, kept (so that a cached derivative or an info.json opens nothing) or
from opening it. Every request, fresh or remembered, takes these steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Protocol

from casaba import _core
from casaba.caches.facade import CacheFacade
from casaba.caches.info import ImageInfo
from casaba.caches.lru import Lru
from casaba.errors import NotFound
from casaba.meta_identifier import MetaIdentifier
from casaba.singleflight import SingleFlight
from casaba.sources.base import SourceImage
from casaba.sources.retrieval import Handle, Retrieval

#: Opened images kept per worker: their parsed structure, file handle or remote reader and chunks.
OPENED_CAPACITY = 256


class Locates(Protocol):
    """What finds an image for an identifier: the request's delegate call."""

    @property
    def locate(self) -> Callable[[str], Awaitable[SourceImage]]: ...


@dataclass(frozen=True, eq=False)
class Opened:
    """An image ready for requests: where it is, which page, its opened structure and its info.
    Each is opened once for an image's version, and is only ever itself (compared by identity)."""

    located: SourceImage
    page: int
    handle: Handle
    info: ImageInfo = field(init=False)

    def __post_init__(self) -> None:
        image, located = self.handle.image, self.located
        info = ImageInfo(located.key, located.version, located.modified_ns, image.width, image.height, image.tile_size, image.pages)
        object.__setattr__(self, "info", info)

    @property
    def image(self) -> _core.Image:
        return self.handle.image


class OpenedImages:
    """Opened images by the image's key (path, URL, or bucket and key) and page, each valid while
    its source reports the version it was opened for and no pyramid has replaced it."""

    def __init__(self, capacity: int = OPENED_CAPACITY) -> None:
        self._entries: Lru[tuple[str, int], tuple[str, Opened]] = Lru(capacity)

    def get(self, located: SourceImage, page: int) -> Opened | None:
        entry = self._entries.get((located.key, page))
        if entry is None or entry[0] != located.version or entry[1].handle.superseded():
            return None
        return entry[1]

    def put(self, opened: Opened) -> None:
        self._entries.put((opened.located.key, opened.page), (opened.located.version, opened))

    def clear(self) -> None:
        self._entries.clear()


class Opener:
    def __init__(self, retrieval: Retrieval, caches: CacheFacade) -> None:
        self.retrieval = retrieval
        self.caches = caches
        self.opened = OpenedImages()
        self._opening: SingleFlight[Opened] = SingleFlight()

    async def open(self, meta: MetaIdentifier, call: Locates) -> Opened:
        """The image a meta-identifier names, as its source has it now."""
        try:
            located = await call.locate(meta.identifier)
        except NotFound:
            await self.caches.missing(meta.identifier)
            raise
        opened = self.opened.get(located, meta.page)
        if opened is None:
            # Concurrent first requests for an image open (or download) it once.
            flight = f"{located.key}\0{located.version}\0{meta.page}"
            opened = await self._opening.run(flight, partial(self._open, located, meta.page))
        return opened

    async def _open(self, located: SourceImage, page: int) -> Opened:
        handle = await self.retrieval.open(located, page)
        opened = Opened(located, page, handle)
        if handle.reusable:
            self.opened.put(opened)
        return opened

    async def info(self, meta: MetaIdentifier, call: Locates) -> tuple[ImageInfo, Opened | None]:
        """The info of the image (page) a meta-identifier names, as the caches keep it (so that
        a cached derivative or an info.json opens nothing), else from opening the image."""
        known = await self.caches.info(meta.identifier, meta.page)
        if known is not None and not self._pyramid_since(known, meta.page):
            return known, None
        opened = await self.open(meta, call)
        # The caches had no info, or one from before a pyramid was built: they learn this one.
        await self.caches.seen(meta.identifier, meta.page, opened.info)
        return opened.info, opened

    def _pyramid_since(self, info: ImageInfo, page: int) -> bool:
        """Whether ``info`` was kept of an untiled image whose pyramid has been built since: then
        the pyramid's tiles are the ones to advertise (a stat, for large untiled images only)."""
        pyramids = self.retrieval.pyramids
        if pyramids is None or info.tile is not None or info.width * info.height < pyramids.min_pixels:
            return False
        return pyramids.path_for(info.key, info.version, page).exists()
