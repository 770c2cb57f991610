"""How a located image becomes an opened ``_core.Image``, the same way for every source.

A local file is opened by path. A remote object is handled as Cantaloupe's
``processor.stream_retrieval_strategy`` says:

- ``StreamStrategy``: TIFF, whose decoder reads only the directories and the tiles a request
  needs, is read through ranged reads, one or two per tile. Everything else, and any image whose
  origin ignores ``Range``, goes to ``processor.fallback_retrieval_strategy``: formats read whole
  (JPEG, PNG, GIF, WebP), and JPEG 2000, which the core can read by ranges but not cheaply (opening
  reads every tile-part header, one request each; OpenJPEG then walks the tile-parts before the
  one it needs unless the file has TLM markers; an untiled file is one tile-part, read whole).
- ``DownloadStrategy``: the object is downloaded to a temporary file for the requests waiting for
  it, and the file is gone when they are done.
- ``CacheStrategy``: the object is downloaded once into the source cache, the ``source/`` folder of
  ``FilesystemCache.pathname``, named by its key and version, and served from there as a local file.
- ``AbortStrategy`` (fallback only): such images are refused with 501.

The format is recognised from the first bytes, never from the name or the origin's Content-Type.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import tempfile
import threading
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from casaba import _core
from casaba.errors import GatewayTimeout, NotImplementedFeature
from casaba.sources.pyramids import Pyramids
from casaba.sources.copies import Copies
from casaba.sources.base import LocalImage, RangesIgnored, RemoteImage, RemoteObject, SourceImage, complete
from casaba.sources.source_cache import SourceCache

#: Formats read through ranged reads: a few for the directories, then only the tiles a request needs.
RANGED_FORMATS = frozenset({"tiff"})
#: Content-Types of formats read whole. The origin's word only spares the first ranged read: a
#: wrong one costs a download, never a wrong answer, as the core recognises formats by their bytes.
WHOLE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Handle:
    """An opened image and how it reads."""

    image: _core.Image
    #: Whether reads go back to the origin (then they must never run on the event loop).
    remote: bool
    #: Whether it may serve later requests (a download-per-request image may not).
    reusable: bool
    #: The pyramid being built to serve in this image's place, once it exists.
    pyramid: Path | None = None

    def superseded(self) -> bool:
        """Whether its pyramid is built: requests should open that instead."""
        return self.pyramid is not None and self.pyramid.exists()


@dataclass(frozen=True)
class Strategy:
    stream: str = "StreamStrategy"
    fallback: str = "DownloadStrategy"
    #: FilesystemCache.pathname; needed by CacheStrategy.
    #: Chunk size and bytes of chunks kept per opened image; 0 for exact, uncached reads.
    chunk_size: int = 64 << 10
    chunk_cache: int = 1 << 20
    #: Deadline of one read, in seconds.
    timeout: float = 30.0


class Retrieval:
    def __init__(
        self,
        strategy: Strategy,
        executor: Executor,
        copies: Copies | None = None,
        pyramids: Pyramids | None = None,
        by_source: Mapping[str, Strategy] | None = None,
        max_decode_pixels: int = 0,
    ) -> None:
        self.strategy = strategy
        #: The most pixels an opened image may be decoded into (0: the core's own bound).
        self.max_decode_pixels = max_decode_pixels
        self.copies = copies
        self.pyramids = pyramids
        #: The strategy of each kind of remote source, when it differs (chunking, deadlines).
        self.by_source = dict(by_source or {})
        #: Threads for opening and rendering images that read remotely: they wait on the network,
        #: so they are not taken from the bounded pixel executor.
        self.executor = executor
        self.cache = SourceCache(copies) if copies else None

    async def open(self, located: SourceImage, page: int) -> Handle:
        if isinstance(located, LocalImage):
            # Reading headers is I/O: the loop's default executor, so that opening an image never
            # waits behind pixel work in the bounded pixel executor.
            return await self._local(located.path, located, page, None)
        strategy = self.by_source.get(located.source, self.strategy)
        how = strategy.stream
        if how == "StreamStrategy" and located.content_type.split(";")[0].strip().lower() in WHOLE_TYPES:
            how = strategy.fallback
        if how == "StreamStrategy":
            head_size = min(located.size, max(strategy.chunk_size, 4096))
            try:
                head = await located.object.read(0, head_size) if head_size else b""
            except RangesIgnored:
                how = strategy.fallback
            else:
                kind = _core.sniff(head[:16])
                # Unrecognised bytes go to the core too, which refuses them from the head alone.
                if kind is None or kind in RANGED_FORMATS:
                    return await self._stream(located, page, head, strategy)
                how = strategy.fallback
        if how == "CacheStrategy":
            assert self.cache is not None, "settings check: CacheStrategy needs FilesystemCache.pathname"
            path = await self.cache.fetch(located)
            try:
                return await self._local(path, located, page, self.executor)
            except _core.ImageIoError:
                if path.exists():
                    raise
                # Swept away between fetching and opening: fetch it again.
                return await self._local(await self.cache.fetch(located), located, page, self.executor)
        if how == "DownloadStrategy":
            return Handle(await self._download(located, page), remote=False, reusable=False)
        raise NotImplementedFeature("This image cannot be read by ranges, and the server is configured not to download it.")

    async def _local(self, path: Path, located: SourceImage, page: int, executor: Executor | None) -> Handle:
        """A local file, or the pyramid built in its place; starts that build if it is wanted."""
        loop = asyncio.get_running_loop()
        pyramids = self.pyramids
        pyramid = pyramids.path_for(located.key, located.version, page) if pyramids else None
        if pyramids is not None and pyramid is not None and pyramids.copies.used(pyramid):
            try:
                image = await loop.run_in_executor(executor, partial(_core.Image.open, str(pyramid), max_decode_pixels=self.max_decode_pixels))
            except _core.ImageIoError:
                pass  # swept away meanwhile: the original serves, and the pyramid is built again
            else:
                return Handle(image, remote=False, reusable=True)
        image = await loop.run_in_executor(executor, partial(_core.Image.open, str(path), page=page, max_decode_pixels=self.max_decode_pixels))
        if pyramids is not None and pyramid is not None and pyramids.wanted(image):
            pyramids.build_later(path, pyramid, page)
            return Handle(image, remote=False, reusable=True, pyramid=pyramid)
        return Handle(image, remote=False, reusable=True)

    async def _stream(self, located: RemoteImage, page: int, head: bytes, s: Strategy) -> Handle:
        reader = BlockingReader(located.object, asyncio.get_running_loop(), s.timeout, head)
        opener = partial(
            _core.Image.open_reader,
            reader,
            located.size,
            page=page,
            max_decode_pixels=self.max_decode_pixels,
            chunk_size=s.chunk_size,
            cache_size=s.chunk_cache,
        )
        image = await asyncio.get_running_loop().run_in_executor(self.executor, opener)
        return Handle(image, remote=True, reusable=True)

    async def _download(self, located: RemoteImage, page: int) -> _core.Image:
        fd, name = tempfile.mkstemp(prefix="casaba-download-")
        try:
            with os.fdopen(fd, "wb") as f:
                await located.object.download(f)
                complete(f.tell(), located)
            # The opened image keeps the file open; its name can go at once.
            opener = partial(_core.Image.open, name, page=page, max_decode_pixels=self.max_decode_pixels)
            return await asyncio.get_running_loop().run_in_executor(self.executor, opener)
        finally:
            os.unlink(name)


class BlockingReader:
    """What the core reads through, from a worker thread: each read runs the source's async read
    on the event loop and waits for it. The first bytes, read when the image was located, are
    answered from memory."""

    def __init__(self, obj: RemoteObject, loop: asyncio.AbstractEventLoop, timeout: float, head: bytes) -> None:
        self.obj = obj
        self.loop = loop
        self.timeout = timeout
        self.head = head
        self._loop_thread = threading.get_ident()

    def read(self, offset: int, length: int) -> bytes:
        end = offset + length
        if end <= len(self.head):
            return self.head[offset:end]
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError("a remote image was read on the event loop's thread, which would wait for itself")
        future = asyncio.run_coroutine_threadsafe(self.obj.read(offset, length), self.loop)
        try:
            # The source's own deadline fires first; this one only guards against a stuck loop.
            return future.result(self.timeout + 5)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise GatewayTimeout(f"The image's source did not answer within {self.timeout:g} s.") from None
