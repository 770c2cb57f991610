"""Opened images, kept per worker so their parsed structure (levels, tile tables, file handle)
is reused: a bounded LRU keyed by path and page, checked against the file's current version."""

from __future__ import annotations

from collections import OrderedDict

from casaba import _core
from casaba.sources.base import SourceImage


class OpenedImages:
    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, int], tuple[int, int, _core.Image]] = OrderedDict()

    def get(self, source: SourceImage, page: int) -> _core.Image | None:
        key = (str(source.path), page)
        entry = self._entries.get(key)
        if entry is None or entry[:2] != (source.modified_ns, source.size):
            return None
        self._entries.move_to_end(key)
        return entry[2]

    def put(self, source: SourceImage, page: int, image: _core.Image) -> None:
        key = (str(source.path), page)
        self._entries[key] = (source.modified_ns, source.size, image)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
