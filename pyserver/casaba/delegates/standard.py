"""What a request meets when no delegate is configured: the same steps as with delegates
(``DelegateManager`` and ``DelegateCall``), answered from the configuration at no cost. The
request path asks these objects, never whether there are delegates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from casaba.delegates.answers import NO_DECISIONS, Decisions
from casaba.http import Request
from casaba import meta_identifier
from casaba.meta_identifier import MetaIdentifier
from casaba.iiif.params import ImageRequest, Resolved, Version
from casaba.sources.base import Source, SourceImage


class StandardCall:
    """A request's steps without delegates: the standard meta-identifier, the configured source,
    everything allowed, nothing added. One instance serves every request."""

    #: Image requests have nothing more to ask once the image is open.
    asks_image = False

    def __init__(self, source: Source, delimiter: str) -> None:
        self.delimiter = delimiter
        #: The image for an identifier: the configured source's answer.
        self.locate: Callable[[str], Awaitable[SourceImage]] = source.locate

    async def meta_identifier(self, text: str) -> MetaIdentifier:
        return meta_identifier.parse(text, self.delimiter)

    async def serialize(self, meta: MetaIdentifier) -> str:
        return meta_identifier.serialize(meta, self.delimiter)

    async def pre_authorize(self) -> None:
        return None

    async def extra_info_keys(self, version: Version, width: int, height: int, pages: int) -> dict[str, Any]:
        return {}

    async def image_decisions(
        self, req: ImageRequest, resolved: Resolved, region: tuple[int, int, int, int], full: tuple[int, int], pages: int
    ) -> Decisions:
        return NO_DECISIONS


class NoDelegates:
    """The delegate manager of a worker that has none."""

    #: Answers depend on the request only, never on who asks: they may be remembered.
    per_request = False

    def __init__(self, source: Source, delimiter: str) -> None:
        self.sources = source
        self._call = StandardCall(source, delimiter)

    def start(self, request: Request, base: str, relocate: Callable[[str], str], info: tuple[Version, str] | None = None) -> StandardCall:
        return self._call

    async def close(self) -> None:
        await self.sources.close()
