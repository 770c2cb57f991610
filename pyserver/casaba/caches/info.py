"""Opened images, kept per worker so their parsed structure (levels, tile tables, file handle)
is reused: keyed by path and page, and valid only for the file version they were opened from."""

from __future__ import annotations

from casaba import _core
from casaba.caches.lru import Lru
from casaba.sources.base import SourceImage


class OpenedImages:
    def __init__(self, capacity: int = 256) -> None:
        self._entries: Lru[tuple[str, int], tuple[SourceImage, _core.Image]] = Lru(capacity)

    def get(self, source: SourceImage, page: int) -> _core.Image | None:
        entry = self._entries.get((str(source.path), page))
        if entry is None or entry[0] != source:
            return None
        return entry[1]

    def put(self, source: SourceImage, page: int, image: _core.Image) -> None:
        self._entries.put((str(source.path), page), (source, image))
