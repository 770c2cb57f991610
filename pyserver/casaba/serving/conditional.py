"""HTTP validators of IIIF answers: ETag and Last-Modified sent with each, and the 304 answered
to a client whose copy is current."""

from __future__ import annotations

from email.utils import formatdate, parsedate_to_datetime

from casaba.http import Headers, Response


def validators(modified_ns: int | None, etag: str, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """ETag, Last-Modified (the source's) and ``extra`` (Cache-Control), for a 200 or a 304."""
    if modified_ns is None:
        return [("etag", etag), *extra]
    return [("etag", etag), ("last-modified", formatdate(modified_ns // 1_000_000_000, usegmt=True)), *extra]


def not_modified(headers: Headers, modified_ns: int | None, etag: str, extra: list[tuple[str, str]]) -> Response | None:
    """A 304 when the client's copy (by ETag, else by date) is current, as the request's headers say."""
    if_none_match = headers.get("if-none-match")
    if if_none_match:
        tags = [t.strip() for t in if_none_match.split(",")]
        if etag in tags or "*" in tags or f"W/{etag}" in tags:
            return Response(304, validators(modified_ns, etag, extra))
        return None
    since = headers.get("if-modified-since")
    try:
        if since and modified_ns is not None and modified_ns // 1_000_000_000 <= parsedate_to_datetime(since).timestamp():
            return Response(304, validators(modified_ns, etag, extra))
    except (TypeError, ValueError):
        pass
    return None
