"""The memory of requests already worked out, in front of the request path's steps: a repeated
request skips parsing, resolving and planning (its parameters, its meta-identifier, its
derivative's region, headers, ETag and cache key), and takes the remaining steps as a fresh one
does, which check that the image is still the one it was worked out against. Used only where
answers depend on the request alone (no delegates)."""

from __future__ import annotations

from typing import Generic, TypeVar

from casaba.caches.lru import Lru
from casaba.http import Request

#: Requests remembered per worker; each is a few hundred bytes (no pixels, no open files).
CAPACITY = 8192
#: The request headers an answer depends on besides its path and query: the public base URI,
#: and for info.json the media type asked for.
KEYED_HEADERS = ("host", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-path", "accept")

T = TypeVar("T")


def request_key(request: Request) -> tuple[str, ...]:
    get = request.headers.get
    return (request.path, request.query_string, request.scheme, *[get(name) or "" for name in KEYED_HEADERS])


class Answers(Generic[T]):
    def __init__(self, capacity: int = CAPACITY) -> None:
        self._entries: Lru[tuple[str, ...], T] = Lru(capacity)

    def get(self, request: Request) -> T | None:
        return self._entries.get(request_key(request))

    def remember(self, request: Request, asked: T) -> None:
        self._entries.put(request_key(request), asked)

    def forget(self, request: Request) -> None:
        self._entries.pop(request_key(request))
