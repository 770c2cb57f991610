"""Opened images, kept per worker so their parsed structure (levels, tile tables, file handle or
remote reader and its chunks) is reused: a bounded LRU keyed by the image's key (path, URL, or
bucket and key) and page, valid while the source reports the same version."""

from __future__ import annotations

from collections import OrderedDict

from casaba.sources.base import SourceImage
from casaba.sources.retrieval import Handle


class OpenedImages:
    def __init__(self, capacity: int = 256) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, int], tuple[str, Handle]] = OrderedDict()

    def get(self, source: SourceImage, page: int) -> Handle | None:
        key = (source.key, page)
        entry = self._entries.get(key)
        if entry is None or entry[0] != source.version:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, source: SourceImage, page: int, handle: Handle) -> None:
        key = (source.key, page)
        self._entries[key] = (source.version, handle)
        self._entries.move_to_end(key)
        while len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
