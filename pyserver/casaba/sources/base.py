"""The Source protocol: turning an identifier into where an image's bytes are.

A source answers ``locate(identifier)`` with either a ``LocalImage`` (a file the core opens by
path) or a ``RemoteImage`` (an object elsewhere, with its size, its version and a ranged reader).
What happens next (reading ranges, downloading, the source cache) is decided in
``casaba.sources.retrieval``, the same way for every remote source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple, Protocol

from casaba.errors import BadGateway, HttpError


class LocalImage(NamedTuple):
    """A file on this machine (a named tuple: one is made for every request, and a tuple is the
    cheapest immutable value to make)."""

    path: Path
    #: Modification time in nanoseconds and size in bytes: a change in either is a new version.
    modified_ns: int
    size: int

    @property
    def key(self) -> str:
        return str(self.path)

    @property
    def version(self) -> str:
        return f"{self.modified_ns}:{self.size}"


class RemoteObject(Protocol):
    """The bytes of one remote image, as its source reads them."""

    async def read(self, offset: int, length: int) -> bytes:
        """Exactly ``length`` bytes from ``offset``. Raises ``RangesIgnored`` when the origin
        answers a ranged request with the whole object, and ``SourceChanged`` when the object is
        no longer the version it was located as."""
        ...

    async def download(self, file: BinaryIO) -> None:
        """Write the whole object into ``file``."""
        ...


@dataclass(frozen=True)
class RemoteImage:
    """An object on a web server or in a bucket."""

    #: Names the object for caches (its URL, or bucket and key). Never shown to clients.
    key: str
    size: int
    #: What changes when the object does: the ETag, else Last-Modified, else the size.
    version: str
    #: Last-Modified in nanoseconds, when the origin says.
    modified_ns: int | None
    #: The origin's Content-Type: a hint only, as formats are recognised by their bytes.
    content_type: str
    object: RemoteObject
    #: The kind of source ("HttpSource", "S3Source"): whose chunking and timeout keys apply.
    source: str = ""


SourceImage = LocalImage | RemoteImage


class Source(Protocol):
    async def locate(self, identifier: str) -> SourceImage:
        """The image for ``identifier``, checked to exist now; raises ``NotFound`` when there is
        none, ``Forbidden`` when the origin refuses, ``BadGateway`` or ``GatewayTimeout`` when it
        fails or is too slow. Messages never name the origin, the bucket, the key or credentials."""
        ...

    async def check(self) -> None:
        """Whether images can be read from it now, for the health check: raises an ``HttpError``
        whose message says what fails (never naming the origin, bucket or credentials)."""
        ...

    async def close(self) -> None:
        """Release connection pools; called once when the worker stops."""
        ...


class RangesIgnored(BadGateway):
    """The origin sent the whole object where a range was asked for. Opening an image catches it
    and downloads instead; met later (an origin that stopped serving ranges), it is a 502."""


class SourceChanged(HttpError):
    """The object changed between being located and being read."""

    status = 503

    def __init__(self) -> None:
        super().__init__("The image changed at its source while it was being read; try again.", [("retry-after", "1")])


def complete(written: int, located: RemoteImage) -> None:
    """A download of ``located`` that wrote ``written`` bytes holds all of it, or it is a 502."""
    if written != located.size:
        raise BadGateway("The image's source sent fewer or more bytes than it announced.")


def missing(identifier: str) -> str:
    """The public message for an identifier that names no image."""
    return f"No image has the identifier {identifier!r}."


def escapes(identifier: str) -> bool:
    """Whether an identifier could step outside a source's prefix (``..`` segments, NUL)."""
    return "\0" in identifier or ".." in identifier.replace("\\", "/").split("/")
