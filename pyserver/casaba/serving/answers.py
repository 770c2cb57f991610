"""The memory of requests already worked out, in front of the request path's steps: a repeated
request skips parsing, resolving and planning (its parameters, its meta-identifier, its
derivative's region, headers, ETag and cache key), and takes the remaining steps as a fresh one
does, which check that the image is still the one it was worked out against. Used only where
answers depend on the request alone (no delegates)."""

from __future__ import annotations

from casaba.http import Headers

#: Requests remembered per worker; each is a few hundred bytes (no pixels, no open files).
CAPACITY = 8192

#: What names a request for this memory.
Key = tuple[str, ...]


def request_key(path: str, query: str, scheme: str, headers: Headers) -> Key:
    """The request's path, query and scheme, and the headers an answer depends on besides them:
    those of the public base URI, and for info.json the media type asked for."""
    get = headers.get
    return (
        path,
        query,
        scheme,
        get("host") or "",
        get("x-forwarded-host") or "",
        get("x-forwarded-proto") or "",
        get("x-forwarded-port") or "",
        get("x-forwarded-path") or "",
        get("accept") or "",
    )
