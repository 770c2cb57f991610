"""The Source protocol: turning an identifier into the bytes of an image."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class SourceImage:
    """Where an identifier's image is, and what identifies its current version."""

    path: Path
    #: Modification time in nanoseconds and size in bytes: a change in either is a new version.
    modified_ns: int
    size: int


class Source(Protocol):
    async def locate(self, identifier: str) -> SourceImage:
        """The image for ``identifier``; raises ``NotFound`` when there is none."""
        ...
