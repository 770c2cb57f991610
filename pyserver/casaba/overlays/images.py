"""Overlay images by where they are: a path (relative to the working folder, as Cantaloupe reads
it), a ``file:`` URI or an http(s) URL, each read or fetched once and kept for the life of the
worker, as Cantaloupe's ImageOverlayCache keeps them."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from casaba.singleflight import SingleFlight

#: The largest overlay image read: a logo, not a scan.
MAX_BYTES = 32 << 20
FETCH_TIMEOUT = 30.0


class OverlayImages:
    def __init__(self) -> None:
        self._kept: dict[str, bytes] = {}
        self._reading: SingleFlight[bytes] = SingleFlight()

    async def get(self, location: str) -> bytes:
        """The image's bytes; ValueError, saying why, when they cannot be had."""
        kept = self._kept.get(location)
        if kept is None:
            kept = await self._reading.run(location, lambda: read(location))
            self._kept[location] = kept
        return kept


async def read(location: str) -> bytes:
    scheme = urlsplit(location).scheme.lower()
    if scheme in ("http", "https"):
        return await fetch(location)
    path = Path(unquote(urlsplit(location).path)) if scheme == "file" else Path(location)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"the overlay image {location} is larger than {MAX_BYTES >> 20} MB")
        return path.read_bytes()
    except OSError as e:
        raise ValueError(f"cannot read the overlay image {location}: {e.strerror}") from None


async def fetch(url: str) -> bytes:
    try:
        async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, follow_redirects=True) as client:
            async with client.stream("GET", url) as response:
                if response.status_code != 200:
                    raise ValueError(f"fetching the overlay image {url} answered {response.status_code}")
                body = bytearray()
                async for piece in response.aiter_bytes():
                    body += piece
                    if len(body) > MAX_BYTES:
                        raise ValueError(f"the overlay image {url} is larger than {MAX_BYTES >> 20} MB")
                return bytes(body)
    except httpx.HTTPError as e:
        raise ValueError(f"cannot fetch the overlay image {url}: {e}") from None
