"""The Cache protocol: where derivatives (images made) and images' infos are kept, on this
machine (``disk.FilesystemCache``) or shared by many nodes (``redis.RedisCache``,
``s3.S3Cache``).

An entry is named by a ``Key``: the image's identifier (so that everything made of one image can
be purged together), a kind (``image`` or ``info``) and a name made from everything else that
changes the bytes (``facade`` makes the names). An entry appears whole or not at all: a reader
never sees one half-written, also when its writer is killed. Entries are never rewritten with
other bytes under the same name (the name covers the source's version and the settings), so a
file handed to the HTTP server to send cannot change under it.
"""

from __future__ import annotations

import hashlib
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

IMAGE = "image"
INFO = "info"
KINDS = (IMAGE, INFO)


@lru_cache(maxsize=65536)
def identifier_hash(identifier: str) -> str:
    """What stands for an identifier in file names and object keys: any identifier fits, and
    every entry of one image shares it (Cantaloupe's FilesystemCache hashes with MD5 too)."""
    return hashlib.md5(identifier.encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Key:
    #: The image's identifier, without a page number.
    identifier: str
    #: Lower-case letters and digits only: it becomes part of file names and object keys.
    name: str
    kind: str = IMAGE


@dataclass(frozen=True, slots=True)
class Hit:
    """A cached entry: a local file holding exactly its bytes (sent from there), or the bytes."""

    size: int
    path: str | None = None
    body: bytes | None = None

    def read(self) -> bytes:
        if self.body is not None:
            return self.body
        assert self.path is not None
        with open(self.path, "rb") as f:
            return f.read()


class Cache(Protocol):
    """What every derivative cache does. Errors (a server away, a full disk) are raised as they
    come; the facade logs them and carries on as if the entry were not there."""

    async def get(self, key: Key) -> Hit | None:
        """The entry, unless absent or older than the cache's time to live."""
        ...

    async def put(self, key: Key, body: bytes) -> None:
        """Keep ``body`` under ``key``: it appears whole, or not at all."""
        ...

    def lock(self, key: Key) -> AbstractAsyncContextManager[None]:
        """Held while one key's entry is made, so that workers (and, where the cache can, other
        nodes) asking for it at the same time make it once."""
        ...

    async def purge(self, identifier: str) -> int:
        """Remove every entry of one image (all its pages); returns how many went."""
        ...

    async def purge_all(self) -> int:
        """Remove every entry."""
        ...

    async def purge_expired(self) -> int:
        """Remove the entries older than the time to live (and leftovers of killed writers)."""
        ...

    def kept(self) -> int | None:
        """Bytes of entries kept, when the cache can tell without reading its whole store (None:
        a store shared by many nodes that bounds its size itself). Called off the event loop."""
        ...

    async def purged(self) -> str:
        """A token that changes whenever something is purged, so that workers drop what they
        remember of infos."""
        ...

    async def close(self) -> None:
        """Release connections and files; called once when the worker stops."""
        ...
