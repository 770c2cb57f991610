"""S3Source, on AWS or any S3-compatible store (a custom endpoint uses path-style addressing).
Cantaloupe's BasicLookupStrategy: key = path_prefix + identifier + path_suffix in one bucket;
ScriptLookupStrategy: the bucket and key the delegate names (``locate_object``).

One pooled aiobotocore client per worker, made on first use. Empty credentials leave them to the
standard AWS chain (environment, shared files, instance roles). Failures become 404, 403, 502 or
504 with messages that never name the endpoint, bucket, key or credentials (the log names the
bucket and key).
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, AsyncIterator, BinaryIO

import aiohttp
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    NoCredentialsError,
    ReadTimeoutError,
)

from casaba.errors import BadGateway, Forbidden, GatewayTimeout, HttpError, NotFound, ServerError
from casaba.sources.base import RemoteImage, SourceChanged, escapes, missing

log = logging.getLogger("casaba.sources.s3")

DOWNLOAD_PIECE = 1 << 20
NOT_FOUND = {"404", "NoSuchKey", "NotFound", "NoSuchBucket"}
REFUSED = {"403", "401", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled", "ExpiredToken"}


def client_options(endpoint: str, region: str, access_key_id: str, secret_key: str, timeout: float) -> dict[str, Any]:
    """How to make an S3 client (for S3Source and S3Cache): a custom endpoint is addressed
    path-style; no credentials means the standard AWS chain."""
    options: dict[str, Any] = {
        "region_name": region or None,
        "endpoint_url": endpoint or None,
        "config": AioConfig(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"mode": "standard", "total_max_attempts": 2},
            max_pool_connections=64,
            s3={"addressing_style": "path"} if endpoint else {},
        ),
    }
    if access_key_id or secret_key:
        options.update(aws_access_key_id=access_key_id, aws_secret_access_key=secret_key)
    return options


class LazyClient:
    """One aiobotocore S3 client, made on first use (by one of the requests that arrive at once)
    and kept until ``close``; for S3Source and S3Cache."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self._client: Any = None
        self._stack = AsyncExitStack()
        self._starting = asyncio.Lock()

    async def get(self) -> Any:
        if self._client is None:
            async with self._starting:
                if self._client is None:
                    self._client = await self._stack.enter_async_context(get_session().create_client("s3", **self.options))
        return self._client

    async def close(self) -> None:
        await self._stack.aclose()
        self._client = None


class S3Source:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        suffix: str = "",
        *,
        endpoint: str = "",
        region: str = "",
        access_key_id: str = "",
        secret_key: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.suffix = suffix
        self.endpoint = endpoint
        self.timeout = timeout
        self._client = LazyClient(client_options(endpoint, region, access_key_id, secret_key, timeout))

    async def client(self) -> Any:
        return await self._client.get()

    def key_for(self, identifier: str) -> str:
        if escapes(identifier):
            raise NotFound(missing(identifier))
        return self.prefix + identifier + self.suffix

    async def locate(self, identifier: str) -> RemoteImage:
        return await self.locate_object(self.bucket, self.key_for(identifier), identifier)

    async def locate_object(self, bucket: str, key: str, identifier: str) -> RemoteImage:
        """The object ``key`` in ``bucket``; a 404 naming ``identifier`` when there is none."""
        async with self.call("HEAD", key, identifier, bucket=bucket):
            client = await self.client()
            head = await client.head_object(Bucket=bucket, Key=key)
        etag = head.get("ETag")
        modified = head.get("LastModified")
        return RemoteImage(
            key=f"s3:{self.endpoint}/{bucket}/{key}",
            size=int(head["ContentLength"]),
            version=etag or str(modified),
            modified_ns=int(modified.timestamp()) * 1_000_000_000 if modified else None,
            content_type=head.get("ContentType", ""),
            object=S3Object(self, bucket, key, etag),
            source="S3Source",
        )

    @asynccontextmanager
    async def call(
        self, what: str, key: str, identifier: str | None = None, deadline: bool = True, bucket: str | None = None
    ) -> AsyncIterator[None]:
        """One call, with the source's deadline unless told otherwise; S3's and the network's
        failures become client errors. ``identifier`` is given when locating, for a 404 that
        names it."""
        bucket = self.bucket if bucket is None else bucket
        try:
            async with asyncio.timeout(self.timeout if deadline else None):
                yield
        except HttpError:
            raise
        except ClientError as e:
            error = e.response.get("Error", {})
            code = str(error.get("Code", ""))
            status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            log.warning("%s s3://%s/%s: %s (HTTP %s)", what, bucket, key, code, status)
            if code in NOT_FOUND or status == 404:
                raise NotFound(missing(identifier) if identifier is not None else "The image is no longer at its source.") from None
            if code in REFUSED or status in (401, 403):
                raise Forbidden("The image's source refused access.") from None
            if code in ("PreconditionFailed", "412") or status == 412:
                raise SourceChanged() from None
            raise BadGateway(f"The image's source answered HTTP {status}.") from None
        except (TimeoutError, ConnectTimeoutError, ReadTimeoutError):
            log.warning("%s s3://%s/%s: no answer within %g s", what, bucket, key, self.timeout)
            raise GatewayTimeout(f"The image's source did not answer within {self.timeout:g} s.") from None
        except NoCredentialsError:
            log.error("S3Source has no credentials: set S3Source.access_key_id and S3Source.secret_key, or the AWS chain")
            raise ServerError("The server has no credentials for its image source.") from None
        except (BotoCoreError, OSError) as e:
            log.warning("%s s3://%s/%s: %s", what, bucket, key, e)
            raise BadGateway("The image's source could not be reached.") from None
        except aiohttp.ClientError as e:
            # Raised by aiobotocore's HTTP client while a body is read, outside botocore's own
            # errors: the answer stopped before its announced length, or the connection broke.
            log.warning("%s s3://%s/%s: %s", what, bucket, key, e)
            raise BadGateway("The image's source broke off its answer.") from None

    async def check(self) -> None:
        """The bucket can be reached; nothing to check when the delegate names every bucket."""
        if not self.bucket:
            return
        try:
            async with self.call("HEAD bucket", ""):
                client = await self.client()
                await client.head_bucket(Bucket=self.bucket)
        except NotFound:
            raise BadGateway("The image source's bucket does not exist.") from None

    async def close(self) -> None:
        await self._client.close()


class S3Object:
    """One located object's bytes, read only while it is the version located (IfMatch)."""

    def __init__(self, source: S3Source, bucket: str, key: str, etag: str | None) -> None:
        self.source = source
        self.bucket = bucket
        self.key = key
        self.conditions = {"IfMatch": etag} if etag else {}

    async def read(self, offset: int, length: int) -> bytes:
        s = self.source
        async with s.call("GET", self.key, bucket=self.bucket):
            client = await s.client()
            answer = await client.get_object(
                Bucket=self.bucket, Key=self.key, Range=f"bytes={offset}-{offset + length - 1}", **self.conditions
            )
            async with answer["Body"] as body:
                data: bytes = await body.read()
        if len(data) != length:
            log.warning("GET s3://%s/%s: asked for %d bytes at %d, got %d", self.bucket, self.key, length, offset, len(data))
            raise BadGateway("The image's source answered a range request with other bytes.")
        return data

    async def download(self, file: BinaryIO) -> None:
        s = self.source
        # The answer has a deadline; the body only the client's per-read one, as a large object
        # may take longer than one.
        async with s.call("GET", self.key, deadline=False, bucket=self.bucket):
            client = await s.client()
            answer = await asyncio.wait_for(client.get_object(Bucket=self.bucket, Key=self.key, **self.conditions), s.timeout)
            async with answer["Body"] as body:
                async for piece in body.iter_chunks(DOWNLOAD_PIECE):
                    file.write(piece)
