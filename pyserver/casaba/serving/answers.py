"""The memory of requests already worked out, in front of the request path's steps: a repeated
request skips parsing, resolving and planning (its parameters, its meta-identifier, its
derivative's region, headers, ETag and cache key), and takes the remaining steps as a fresh one
does, which check that the image is still the one it was worked out against. Used only where
answers depend on the request alone (no delegates)."""

from __future__ import annotations

from typing import Generic, TypeVar

from casaba.caches.lru import Lru
from casaba.http import RequestLine

#: Requests remembered per worker; each is a few hundred bytes (no pixels, no open files).
CAPACITY = 8192

T = TypeVar("T")


def request_key(request: RequestLine) -> tuple[str, ...]:
    """The request's path, query and scheme, and the headers an answer depends on besides them:
    those of the public base URI, and for info.json the media type asked for."""
    get = request.headers.get
    return (
        request.path,
        request.query_string,
        request.scheme,
        get("host") or "",
        get("x-forwarded-host") or "",
        get("x-forwarded-proto") or "",
        get("x-forwarded-port") or "",
        get("x-forwarded-path") or "",
        get("accept") or "",
    )


class Answers(Generic[T]):
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._entries: Lru[tuple[str, ...], T] = Lru(capacity)

    def get(self, request: RequestLine) -> T | None:
        return self._entries.get(request_key(request))

    def remember(self, request: RequestLine, asked: T) -> None:
        self._entries.put(request_key(request), asked)

    def forget(self, request: RequestLine) -> None:
        self._entries.pop(request_key(request))
