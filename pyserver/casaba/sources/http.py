"""HttpSource. Cantaloupe's BasicLookupStrategy: URL = url_prefix + identifier + url_suffix, with
the configured Basic credentials; ScriptLookupStrategy: the URL, credentials and headers the
delegate names (``locate_url``).

One pooled ``httpx.AsyncClient`` per worker. Every request has a deadline
(``HttpSource.request_timeout``); the origin's failures become 404, 403, 502 or 504 with messages
that never name the URL or the credentials (the log does name the URL, its credentials masked
by the log's formatter: ``logs.masking``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from contextlib import asynccontextmanager
from email.utils import parsedate_to_datetime
from typing import Any, AsyncIterator, BinaryIO
from urllib.parse import quote

import httpx

from casaba.errors import BadGateway, Forbidden, GatewayTimeout, HttpError, NotFound
from casaba.sources.base import RangesIgnored, RemoteImage, SourceChanged, escapes, missing

log = logging.getLogger("casaba.sources.http")

#: Characters of an identifier kept as they are in the URL; '?', '#', '%' and spaces are encoded.
URL_SAFE = "/:@!$&'()*+,;=~"
DOWNLOAD_PIECE = 1 << 20
#: Redirects of the origin followed for one request.
MAX_REDIRECTS = 5


class RedirectRefused(BadGateway):
    def __init__(self) -> None:
        super().__init__("The image's source redirected to a place this server does not fetch from.")


def internal(host: str) -> bool:
    """Whether ``host`` is an address of this machine or of a private, link-local (cloud
    metadata) or reserved network, written as such."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved or address.is_unspecified or address.is_multicast


def same_origin(url: str, prefix: str) -> bool:
    try:
        a, b = httpx.URL(url), httpx.URL(prefix)
    except httpx.InvalidURL:
        return False
    return (a.scheme, a.host, a.port, a.userinfo) == (b.scheme, b.host, b.port, b.userinfo)


async def check_redirect(response: httpx.Response) -> None:
    """An origin's redirect is followed to http(s) only, never from https to http, and to an
    internal address only on the same host: an origin (or an identifier it echoes into a
    Location) cannot send this server to fetch from its own network."""
    if not response.has_redirect_location:
        return
    here = response.request.url
    there = here.join(response.headers["location"])
    if there.scheme not in ("http", "https") or (here.scheme == "https" and there.scheme == "http"):
        log.warning("%s redirected to %s: not followed (scheme)", here, there)
        raise RedirectRefused()
    if there.host != here.host and internal(there.host):
        log.warning("%s redirected to %s: not followed (an internal address)", here, there)
        raise RedirectRefused()


class HttpSource:
    def __init__(
        self,
        url_prefix: str,
        url_suffix: str = "",
        *,
        username: str = "",
        secret: str = "",
        timeout: float = 30.0,
        allow_insecure: bool = False,
        send_head_requests: bool = True,
    ) -> None:
        self.prefix = url_prefix
        self.suffix = url_suffix
        self.timeout = timeout
        self.send_head_requests = send_head_requests
        self.client = httpx.AsyncClient(
            auth=httpx.BasicAuth(username, secret) if username else None,
            verify=not allow_insecure,
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            event_hooks={"response": [check_redirect]},
        )

    def url_for(self, identifier: str) -> str:
        if escapes(identifier):
            raise NotFound(missing(identifier))
        url = self.prefix + quote(identifier, safe=URL_SAFE) + self.suffix
        # A prefix without a path ("https://origin") followed by "@elsewhere/x" names another
        # host: an identifier is only ever a path under the prefix's origin.
        if self.prefix and not same_origin(url, self.prefix):
            raise NotFound(missing(identifier))
        return url

    async def locate(self, identifier: str) -> RemoteImage:
        return await self.locate_url(self.url_for(identifier), identifier)

    async def locate_url(
        self,
        url: str,
        identifier: str,
        *,
        headers: dict[str, str] | None = None,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        send_head_request: bool | None = None,
    ) -> RemoteImage:
        """The object at ``url``, asked for with ``headers`` (sent with every later read too) and
        ``auth`` (the configured credentials unless given; None for none)."""
        extra = dict(headers or {})
        if self.send_head_requests if send_head_request is None else send_head_request:
            method, first = "HEAD", extra
        else:
            # For origins (such as pre-signed URLs) that refuse HEAD: one byte tells the size.
            method, first = "GET", {**extra, "range": "bytes=0-0"}
        async with self.exchange(method, url, first, auth) as r:
            if r.status_code in (404, 410):
                raise NotFound(missing(identifier))
            check(r, url)
            # Read to the end (nothing, or one byte) so the connection goes back to the pool; a
            # whole image sent by an origin that ignores Range is left unread.
            if method == "HEAD" or r.status_code == 206:
                await r.aread()
            if r.status_code == 206:
                size = total_from_content_range(r.headers.get("content-range", ""))
            else:
                size = int(r.headers.get("content-length", "-1"))
        if size < 0:
            log.warning("%s %s: no usable Content-Length or Content-Range", method, url)
            raise BadGateway("The image's source did not say how large the image is.")
        etag = r.headers.get("etag")
        last_modified = r.headers.get("last-modified")
        return RemoteImage(
            key=url,
            size=size,
            version=etag or last_modified or f"size {size}",
            modified_ns=parse_http_date(last_modified),
            content_type=r.headers.get("content-type", ""),
            object=HttpObject(self, url, etag, last_modified, extra, auth),
            source="HttpSource",
        )

    @asynccontextmanager
    async def exchange(
        self, method: str, url: str, headers: dict[str, str], auth: Any = httpx.USE_CLIENT_DEFAULT
    ) -> AsyncIterator[httpx.Response]:
        """One request with the source's deadline, its body left unread; transport failures
        become 502 and 504."""
        try:
            async with asyncio.timeout(self.timeout):
                async with self.client.stream(method, url, headers=headers, auth=auth) as response:
                    yield response
        except HttpError:
            raise
        except (TimeoutError, httpx.TimeoutException):
            log.warning("%s %s: no answer within %g s", method, url, self.timeout)
            raise GatewayTimeout(f"The image's source did not answer within {self.timeout:g} s.") from None
        except httpx.HTTPError as e:
            log.warning("%s %s: %s", method, url, e)
            raise BadGateway("The image's source could not be reached.") from None

    async def check(self) -> None:
        """The origin answers at the URL prefix (any answer below 500: a prefix need not be an
        image); nothing to check when the delegate names every URL."""
        if not self.prefix:
            return
        async with self.exchange("HEAD", self.prefix, {}) as r:
            await r.aread()
        if r.status_code >= 500:
            raise BadGateway(f"The image's source answered HTTP {r.status_code}.")

    async def close(self) -> None:
        await self.client.aclose()


class HttpObject:
    """One located image's bytes, read only while it is the version located (If-Match)."""

    def __init__(
        self,
        source: HttpSource,
        url: str,
        etag: str | None,
        last_modified: str | None,
        headers: dict[str, str] | None = None,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> None:
        self.source = source
        self.url = url
        self.auth = auth
        self.conditions: dict[str, str] = dict(headers or {})
        if etag and not etag.startswith("W/"):
            self.conditions["if-match"] = etag
        elif last_modified:
            self.conditions["if-unmodified-since"] = last_modified

    async def read(self, offset: int, length: int) -> bytes:
        headers = {"range": f"bytes={offset}-{offset + length - 1}", **self.conditions}
        async with self.source.exchange("GET", self.url, headers, self.auth) as r:
            if r.status_code == 200:
                raise RangesIgnored("The image's source does not serve byte ranges.")
            check(r, self.url)
            data = await r.aread()
            start = r.headers.get("content-range", "").removeprefix("bytes ").split("-")[0]
        if start != str(offset) or len(data) != length:
            log.warning("GET %s: asked for %d bytes at %d, got %d at %s", self.url, length, offset, len(data), start)
            raise BadGateway("The image's source answered a range request with other bytes.")
        return data

    async def download(self, file: BinaryIO) -> None:
        # Only the connection and each read have deadlines: a large image may take longer.
        try:
            async with self.source.client.stream("GET", self.url, headers=self.conditions, auth=self.auth) as r:
                check(r, self.url)
                async for piece in r.aiter_bytes(DOWNLOAD_PIECE):
                    file.write(piece)
        except HttpError:
            raise
        except httpx.TimeoutException:
            log.warning("GET %s: download stalled for %g s", self.url, self.source.timeout)
            raise GatewayTimeout(f"The image's source stopped sending for {self.source.timeout:g} s.") from None
        except httpx.HTTPError as e:
            log.warning("GET %s: %s", self.url, e)
            raise BadGateway("The image's source could not be reached.") from None


def check(r: httpx.Response, url: str) -> None:
    """Raise the client-facing error for an unsuccessful answer from the origin."""
    status = r.status_code
    if status < 300:
        return
    log.warning("%s %s: HTTP %d", r.request.method, url, status)
    if status in (404, 410):
        raise NotFound("The image is no longer at its source.")
    if status in (401, 403):
        raise Forbidden("The image's source refused access.")
    if status == 412:
        raise SourceChanged()
    raise BadGateway(f"The image's source answered HTTP {status}.")


def total_from_content_range(value: str) -> int:
    """The complete length from ``bytes 0-0/1234``; -1 when absent or unknown (``*``)."""
    total = value.rpartition("/")[2]
    return int(total) if total.isdigit() else -1


def parse_http_date(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return int(parsedate_to_datetime(value).timestamp()) * 1_000_000_000
    except (TypeError, ValueError):
        return None
