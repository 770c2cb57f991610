"""S3Cache: derivatives and infos as objects in one bucket (on AWS or any S3-compatible store)
that every node points at.

Object keys: ``<object_key_prefix><kind>/<md5 of identifier>/<name>``, so everything of one image
shares a prefix and is purged by listing it. An object appears whole when its PUT completes, so
a reader never sees one half-written. The time to live is checked against each object's
LastModified (a bucket lifecycle rule can remove old objects as well). S3 has no cheap lock:
concurrent misses are made once per machine (a file lock in the temporary folder), and at worst
once per node; their bytes are the same, so the last write wins harmlessly.
"""

from __future__ import annotations

import hashlib
import secrets
import tempfile
import time
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from casaba.caches.base import IMAGE, INFO, Hit, Key, identifier_hash
from casaba.filelock import FileLock
from casaba.sources.s3 import LazyClient, client_options

TIMEOUT = 10.0
LOCK_STRIPES = 1024
# S3 gives LastModified in whole seconds, rounded down: an object may be up to this much younger.
LAST_MODIFIED_STEP = 1.0
ABSENT = {"404", "NoSuchKey", "NotFound"}


class S3Cache:
    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint: str = "",
        region: str = "",
        access_key_id: str = "",
        secret_key: str = "",
        ttl: float = 0,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.ttl = ttl
        self._client = LazyClient(client_options(endpoint, region, access_key_id, secret_key, TIMEOUT))
        # Lock files shared by the workers of this machine that use this bucket and prefix.
        place = hashlib.md5(f"{endpoint}\0{bucket}\0{prefix}".encode(), usedforsecurity=False).hexdigest()[:16]
        self.locks = Path(tempfile.gettempdir()) / f"casaba-s3cache-{place}"
        self.locks.mkdir(exist_ok=True)

    async def client(self) -> Any:
        return await self._client.get()

    def object_key(self, key: Key) -> str:
        return f"{self.prefix}{key.kind}/{identifier_hash(key.identifier)}/{key.name}"

    async def get(self, key: Key) -> Hit | None:
        client = await self.client()
        try:
            answer = await client.get_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as e:
            if str(e.response.get("Error", {}).get("Code")) in ABSENT:
                return None
            raise
        async with answer["Body"] as body:
            if self.ttl and answer["LastModified"].timestamp() < self._oldest_kept():
                return None
            data: bytes = await body.read()
        return Hit(len(data), body=data)

    async def put(self, key: Key, body: bytes) -> None:
        client = await self.client()
        await client.put_object(Bucket=self.bucket, Key=self.object_key(key), Body=body)

    def lock(self, key: Key) -> AbstractAsyncContextManager[None]:
        return FileLock(self.locks / f"{int(key.name[:6], 16) % LOCK_STRIPES:04d}")

    async def _objects(self, prefix: str) -> list[dict[str, Any]]:
        client = await self.client()
        found: list[dict[str, Any]] = []
        async for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            found.extend(page.get("Contents", []))
        return found

    async def _delete(self, objects: list[dict[str, Any]]) -> int:
        client = await self.client()
        for start in range(0, len(objects), 1000):
            batch = [{"Key": o["Key"]} for o in objects[start : start + 1000]]
            await client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        return len(objects)

    async def purge(self, identifier: str) -> int:
        digest = identifier_hash(identifier)
        removed = 0
        for kind in (IMAGE, INFO):
            removed += await self._delete(await self._objects(f"{self.prefix}{kind}/{digest}/"))
        await self._mark_purged()
        return removed

    async def purge_all(self) -> int:
        removed = 0
        for kind in (IMAGE, INFO):
            removed += await self._delete(await self._objects(f"{self.prefix}{kind}/"))
        await self._mark_purged()
        return removed

    async def purge_expired(self) -> int:
        if not self.ttl:
            return 0
        oldest = self._oldest_kept()
        removed = 0
        for kind in (IMAGE, INFO):
            old = [o for o in await self._objects(f"{self.prefix}{kind}/") if o["LastModified"].timestamp() < oldest]
            removed += await self._delete(old)
        if removed:
            await self._mark_purged()
        return removed

    def _oldest_kept(self) -> float:
        """The earliest LastModified of an object still within the time to live."""
        return time.time() - self.ttl - LAST_MODIFIED_STEP

    async def _mark_purged(self) -> None:
        client = await self.client()
        await client.put_object(Bucket=self.bucket, Key=f"{self.prefix}purged", Body=secrets.token_hex(8).encode())

    def kept(self) -> None:
        # The bucket's lifecycle rules bound it; counting would list every object.
        return None

    async def purged(self) -> str:
        client = await self.client()
        try:
            head = await client.head_object(Bucket=self.bucket, Key=f"{self.prefix}purged")
        except ClientError as e:
            if str(e.response.get("Error", {}).get("Code")) in ABSENT:
                return ""
            raise
        return str(head.get("ETag", ""))

    async def close(self) -> None:
        await self._client.close()
