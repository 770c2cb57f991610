"""Requests and responses over RSGI: header access, the public base URI, CORS, and sending."""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import parse_qsl

from casaba.errors import BadRequest, PayloadTooLarge

CORS_HEADERS = [("access-control-allow-origin", "*")]
PREFLIGHT_HEADERS = [
    ("access-control-allow-methods", "GET, HEAD, OPTIONS"),
    ("access-control-allow-headers", "Authorization, Content-Type, Accept, Range, If-None-Match, If-Modified-Since"),
    ("access-control-max-age", "86400"),
]


#: A host name (letters, digits, hyphens and underscores between dots), an IPv4 address or a
#: bracketed IPv6 one, and a port: what a Host or X-Forwarded-Host may say.
_HOST = re.compile(r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
#: A proxy's path prefix: segments of a URI path's unreserved and sub-delimiter characters (no
#: quotes, no angle brackets, no dot segments).
_PREFIX = re.compile(r"(?:/(?!\.\.?(?:/|$))[A-Za-z0-9._~!$&()*+,;=:@%-]+)*")


#: The RSGI protocol object of the request being answered (each request runs in a task, with a
#: context of its own): work that waits, such as a turn for a pixel thread, stops waiting when
#: its client leaves (``client_disconnect``).
CONNECTION: ContextVar[Any] = ContextVar("connection", default=None)


@lru_cache(maxsize=1024)
def plain_host(host: str) -> bool:
    """Whether ``host`` is a host name (and port): asked of every image request's Host, which
    is nearly always one of a few."""
    return _HOST.fullmatch(host) is not None


class Headers(Protocol):
    def get(self, name: str) -> Any: ...


class RequestLine(Protocol):
    """What names a request and what it may be answered from: a ``Request``, and Granian's scope
    as it comes (a repeated request is answered without making a ``Request``)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def query_string(self) -> str: ...
    @property
    def scheme(self) -> str: ...
    @property
    def headers(self) -> Headers: ...


@dataclass(slots=True)
class Request:
    """One request, as the app reads it (made for every request: plain slots, no checks)."""

    method: str
    #: The path, percent-decoded by the server (Granian decodes before the app sees it).
    path: str
    headers: Any
    scheme: str
    server: str
    #: The client's address as Granian gives it (``ip:port``).
    client: str = ""
    #: The query as sent, undecoded.
    query_string: str = ""
    #: Granian's protocol object, which reads the body (None: a request without one).
    proto: Any = None

    @classmethod
    def from_scope(cls, scope: Any, proto: Any = None) -> Request:
        return cls(
            method=scope.method,
            path=scope.path,
            headers=scope.headers,
            scheme=scope.scheme,
            server=scope.server,
            client=scope.client,
            query_string=scope.query_string,
            proto=proto,
        )

    async def body(self, limit: int) -> bytes:
        """The request's body, read as it streams in and refused (413) past ``limit`` bytes."""
        if self.proto is None:
            return b""
        too_large = PayloadTooLarge(f"The request body is larger than {limit} bytes.")
        declared = self.header("content-length")
        if declared.isdigit() and int(declared) > limit:
            raise too_large
        body = bytearray()
        async for chunk in self.proto:
            body += chunk
            if len(body) > limit:
                raise too_large
        return bytes(body)

    @property
    def query(self) -> dict[str, str]:
        """The query's arguments, decoded."""
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    def header(self, name: str, default: str = "") -> str:
        value = self.headers.get(name)
        return default if value is None else str(value)

    def base_uri(self, configured: str) -> str:
        """Scheme and authority (plus any proxy path) that clients use to reach this server.

        ``base_uri`` wins when configured; else ``X-Forwarded-*`` headers; else the Host header."""
        if configured:
            return configured.rstrip("/")
        first = lambda name: self.header(name).split(",")[0].strip()  # noqa: E731
        # They go into info.json's id and Link headers: a value that is not what it says is
        # refused, never copied there.
        scheme = first("x-forwarded-proto").lower() or self.scheme
        if scheme not in ("http", "https"):
            raise BadRequest("X-Forwarded-Proto must be http or https.")
        forwarded = first("x-forwarded-host")
        host = forwarded or self.header("host") or self.server
        if not plain_host(host):
            raise BadRequest(f"{'X-Forwarded-Host' if forwarded else 'Host'} is not a host name (and port).")
        port = first("x-forwarded-port")
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise BadRequest("X-Forwarded-Port must be a port number.")
        if port and ":" not in host.rsplit("]", 1)[-1]:
            default_port = {"http": "80", "https": "443"}.get(scheme)
            if port != default_port:
                host = f"{host}:{port}"
        path = first("x-forwarded-path").rstrip("/")
        if path and not path.startswith("/"):
            path = "/" + path
        if not _PREFIX.fullmatch(path):
            raise BadRequest("X-Forwarded-Path must be a plain path (letters, digits and -._~!$&()*+,;=:@% between slashes).")
        return f"{scheme}://{host}{path}"


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    #: A file whose whole content is the body (a derivative cache hit), and its size.
    file: str | None = None
    file_size: int = 0


def send(proto: Any, request: RequestLine, response: Response) -> None:
    headers = response.headers + CORS_HEADERS
    if response.status == 304:
        proto.response_empty(response.status, headers)
        return
    # Granian streams a file without saying how long it is: the length is ours to give.
    size = response.file_size if response.file is not None else len(response.body)
    if request.method == "HEAD":
        headers.append(("content-length", str(size)))
        proto.response_empty(response.status, headers)
    elif response.file is not None:
        headers.append(("content-length", str(size)))
        proto.response_file(response.status, headers, response.file)
    else:
        proto.response_bytes(response.status, headers, response.body)
