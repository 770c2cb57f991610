"""What a worker remembers of images' infos.

``Infos``: each image's ``ImageInfo`` (size, tiles, the source's version), a few hundred bytes
each, so that info.json is answered and derivatives are found in the derivative cache without
opening the image or, unless ``cache.server.resolve_first``, asking its source. Infos are also
kept in the derivative cache, so that other workers and nodes find derivatives without opening.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from casaba.caches.lru import Lru

#: Infos kept per worker (Cantaloupe keeps 5 % of the heap at 4 KiB each; these are ~300 bytes).
INFO_CAPACITY = 16384


@dataclass(frozen=True)
class ImageInfo:
    """One page of an image as last seen: what names its derivatives and answers info.json."""

    #: The source's key (path, URL, bucket and key) and version (mtime and size, ETag, ...).
    key: str
    version: str
    #: The source's modification time (Last-Modified), if it has one.
    modified_ns: int | None
    width: int
    height: int
    tile: tuple[int, int] | None
    #: How many pages (images) the source holds.
    pages: int = 1

    def to_json(self) -> bytes:
        fields = {"key": self.key, "version": self.version, "modified_ns": self.modified_ns}
        return json.dumps({**fields, "width": self.width, "height": self.height, "tile": self.tile, "pages": self.pages}).encode()

    @classmethod
    def from_json(cls, data: bytes) -> ImageInfo:
        d = json.loads(data)
        tile = (int(d["tile"][0]), int(d["tile"][1])) if d["tile"] else None
        modified = int(d["modified_ns"]) if d["modified_ns"] is not None else None
        return cls(str(d["key"]), str(d["version"]), modified, int(d["width"]), int(d["height"]), tile, int(d["pages"]))


class Infos:
    """Infos by identifier and page, the least recently used forgotten first."""

    def __init__(self, capacity: int = INFO_CAPACITY) -> None:
        self._entries: Lru[tuple[str, int], ImageInfo] = Lru(capacity)

    def get(self, identifier: str, page: int) -> ImageInfo | None:
        return self._entries.get((identifier, page))

    def put(self, identifier: str, page: int, info: ImageInfo) -> None:
        self._entries.put((identifier, page), info)

    def clear(self) -> None:
        self._entries = Lru(self._entries.capacity)
