"""Opened images, kept per worker so their parsed structure (levels, tile tables, file handle or
remote reader and its chunks) is reused: keyed by the image's key (path, URL, or bucket and key)
and page, valid while the source reports the same version."""

from __future__ import annotations

from casaba.caches.lru import Lru
from casaba.sources.base import SourceImage
from casaba.sources.retrieval import Handle


class OpenedImages:
    def __init__(self, capacity: int = 256) -> None:
        self._entries: Lru[tuple[str, int], tuple[str, Handle]] = Lru(capacity)

    def get(self, source: SourceImage, page: int) -> Handle | None:
        entry = self._entries.get((source.key, page))
        if entry is None or entry[0] != source.version:
            return None
        return entry[1]

    def put(self, source: SourceImage, page: int, handle: Handle) -> None:
        self._entries.put((source.key, page), (source.version, handle))
