"""Which source serves a request's image, and where in it: ``source.static`` or the delegate's
``source`` answer (``source.delegate = true``); then the source's BasicLookupStrategy (prefix
and suffix) or its ScriptLookupStrategy (``filesystemsource_pathname``,
``httpsource_resource_info``, ``s3source_object_info``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from casaba.delegates.answers import DelegateError
from casaba.errors import NotFound
from casaba.logs.masking import masked
from casaba.settings import Settings, SettingsError
from casaba.settings.load import check_together
from casaba.sources import KINDS, source_of_kind
from casaba.sources.base import Source, SourceImage, missing

if TYPE_CHECKING:
    from casaba.delegates.manager import DelegateCall


class SourceRouter:
    """The sources of one worker, each made on first use from its keys, and the way to the one
    that serves a request. Also a plain ``Source`` (``source.static`` by its basic lookup) for
    callers without a request."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.static = settings.source.static
        self.choose = settings.source.delegate
        self.scripted = {kind for kind in KINDS if settings.source_of(kind).lookup_strategy == "ScriptLookupStrategy"}
        #: Whether any request needs the delegate to find its image.
        self.asks_delegate = self.choose or self.static in self.scripted
        self._sources: dict[str, Source] = {}
        #: S3Sources for other endpoints or credentials than the configured ones.
        self._other_stores: dict[tuple[str, str, str, str], Source] = {}

    def of_kind(self, kind: str) -> Source:
        source = self._sources.get(kind)
        if source is None:
            if kind not in self.scripted and kind != self.static:
                # The configuration was checked for source.static only.
                try:
                    check_together(replace(self.settings, source=replace(self.settings.source, static=kind)))
                except SettingsError as e:
                    raise DelegateError(f"source answered {kind}, which cannot serve: {e}") from None
            source = self._sources[kind] = source_of_kind(self.settings, kind)
        return source

    async def locate(self, identifier: str) -> SourceImage:
        return await self.of_kind(self.static).locate(identifier)

    async def check(self) -> None:
        await self.of_kind(self.static).check()

    async def locate_for(self, call: DelegateCall, identifier: str) -> SourceImage:
        kind = self.static
        if self.choose:
            kind = await call.first("source")
            if kind not in KINDS:
                raise DelegateError(f"source answered {kind!r}; expected one of {', '.join(KINDS)}")
        source = self.of_kind(kind)
        if kind not in self.scripted:
            return await source.locate(identifier)
        if kind == "FilesystemSource":
            return await self._file(call, source, identifier)
        if kind == "HttpSource":
            return await self._url(call, source, identifier)
        return await self._object(call, source, identifier)

    async def _file(self, call: DelegateCall, source: Any, identifier: str) -> SourceImage:
        pathname = await call.first("filesystemsource_pathname")
        if pathname is None:
            raise NotFound(missing(identifier))
        if not isinstance(pathname, str) or not pathname:
            raise DelegateError(f"filesystemsource_pathname answered {pathname!r}; expected a path or None")
        located: SourceImage = await source.locate_path(Path(pathname), identifier)
        return located

    async def _url(self, call: DelegateCall, source: Any, identifier: str) -> SourceImage:
        info = await call.first("httpsource_resource_info")
        if info is None:
            raise NotFound(missing(identifier))
        where = "httpsource_resource_info"
        if isinstance(info, str):
            info = {"uri": info}
        if not isinstance(info, dict):
            raise DelegateError(f"{where} answered {type(info).__name__}; expected a URL, a dict with uri, or None")
        uri, username, secret = info.get("uri"), info.get("username"), info.get("secret")
        headers, head = info.get("headers") or {}, info.get("send_head_request", True)
        if not isinstance(uri, str) or not uri.startswith(("http://", "https://")):
            shown = masked(uri) if isinstance(uri, str) else type(uri).__name__
            raise DelegateError(f"{where} answered the uri {shown!r}; expected an http:// or https:// URL")
        if not (isinstance(headers, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items())):
            raise DelegateError(f"{where} answered headers that are not a dict of strings")
        if not isinstance(head, bool) or not all(isinstance(v, (str, type(None))) for v in (username, secret)):
            raise DelegateError(f"{where} answered a send_head_request, username or secret of the wrong type")
        auth = httpx.BasicAuth(username, secret or "") if username else None
        located: SourceImage = await source.locate_url(uri, identifier, headers=headers, auth=auth, send_head_request=head)
        return located

    async def _object(self, call: DelegateCall, source: Any, identifier: str) -> SourceImage:
        info = await call.first("s3source_object_info")
        if info is None:
            raise NotFound(missing(identifier))
        where = "s3source_object_info"
        if not isinstance(info, dict) or not all(isinstance(info.get(k), str) and info[k] for k in ("bucket", "key")):
            # Named by its keys, never shown: it may hold a secret access key.
            shown = f"a dict with the keys {', '.join(map(str, info))}" if isinstance(info, dict) else type(info).__name__
            raise DelegateError(f"{where} answered {shown}; expected a dict with bucket and key, or None")
        others = [info.get(k) or "" for k in ("endpoint", "region", "access_key_id", "secret_access_key")]
        if not all(isinstance(v, str) for v in others):
            raise DelegateError(f"{where} answered an endpoint, region or credential that is not a string")
        if any(others):
            source = self._store(*others)
        located: SourceImage = await source.locate_object(info["bucket"], info["key"], identifier)
        return located

    def _store(self, endpoint: str, region: str, key_id: str, secret: str) -> Source:
        from casaba.sources.s3 import S3Source

        key = (endpoint, region, key_id, secret)
        store = self._other_stores.get(key)
        if store is None:
            s = self.settings.s3_source
            store = self._other_stores[key] = S3Source(
                "",
                endpoint=endpoint or s.endpoint,
                region=region or s.region,
                access_key_id=key_id or s.access_key_id,
                secret_key=secret or s.secret_key,
                timeout=s.request_timeout,
            )
        return store

    async def close(self) -> None:
        for source in [*self._sources.values(), *self._other_stores.values()]:
            await source.close()

