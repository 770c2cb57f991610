"""Answers remembered by their request: a derivative of a local image made from its plan (a
stored JPEG tile sent as it is; with no derivative cache, one rendered again each time), the
info.json of a local image, and a derivative sent from a FilesystemCache file. A repeated
request is then answered from the raw request with a dictionary lookup and a stat, without
parsing, resolving, authorizing or planning it again (about half the Python a request costs).

An answer is used only while what it rests on holds, checked as the full path checks it: for a
planned derivative or an info.json, the source file's version (a stat, as locating it does) and
the opened image it was made from (still the one opened for that version, and not replaced by a
pyramid built of it since: the pyramid's tiles are the ones to advertise); for a cached
derivative, its cache file (a stat, its expiry, and a use recorded for the LRU bound, as a cache
hit does). Anything else, and every request the full path must see
(delegates configured, HEAD, conditional requests, ``resolve_first``), takes the full path.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

from casaba import _core
from casaba.caches.disk import FilesystemCache
from casaba.caches.info import OpenedImages
from casaba.caches.lru import Lru
from casaba.sources.base import LocalImage
from casaba.sources.retrieval import Handle

#: Answers remembered per worker; each is a few hundred bytes (no pixels, no open files).
CAPACITY = 8192
#: The request headers an answer's bytes or headers depend on (the public base URI, and for
#: info.json the media type asked for).
KEYED_HEADERS = ("host", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-path", "accept")

Key = tuple[str, ...]
#: Response headers, and the body or the path of a file whose content is the body.
Sendable = tuple[list[tuple[str, str]], bytes | None, str | None]


@dataclass(frozen=True, slots=True)
class Render:
    """Response headers, and the pixel work that makes the body: for the pixel threads."""

    headers: list[tuple[str, str]]
    image: _core.Image
    plan: _core.Plan


class Headers(Protocol):
    def get(self, name: str) -> Any: ...


def request_key(path: str, query: str, scheme: str, headers: Headers) -> Key | None:
    """What identifies a GET for this memory, or None when it must take the full path."""
    if headers.get("if-none-match") is not None or headers.get("if-modified-since") is not None:
        return None
    return (path, query, scheme, *(headers.get(name) or "" for name in KEYED_HEADERS))


@dataclass(frozen=True, slots=True)
class Planned:
    """A derivative of a local image: its plan, on the opened image of one version."""

    source: LocalImage
    page: int
    handle: weakref.ref[Handle]
    plan: _core.Plan
    headers: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Document:
    """An info.json of a local image, for one version of it and the image opened for it (its
    tiles are a pyramid's once one is built)."""

    source: LocalImage
    page: int
    handle: weakref.ref[Handle]
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True, slots=True)
class CachedFile:
    """A derivative in a FilesystemCache file."""

    cache: FilesystemCache
    path: str
    size: int
    headers: list[tuple[str, str]]


class Answers:
    def __init__(self, opened: OpenedImages) -> None:
        self.opened = opened
        self._entries: Lru[Key, Planned | Document | CachedFile] = Lru(CAPACITY)

    def remember(self, key: Key, answer: Planned | Document | CachedFile) -> None:
        self._entries.put(key, answer)

    def forget(self, key: Key) -> None:
        self._entries.pop(key)

    def answer(self, key: Key) -> Sendable | Render | None:
        """Headers and either the body or a file to send, or the rendering that makes the body,
        if the answer still holds. A stored tile is read here: that takes microseconds, less
        than handing it to a thread."""
        found = self._entries.get(key)
        if found is None:
            return None
        sendable = self._check(found)
        if sendable is None:
            self.forget(key)
        return sendable

    def _check(self, found: Planned | Document | CachedFile) -> Sendable | Render | None:
        if isinstance(found, CachedFile):
            hit = found.cache.hit_at(found.path)
            if hit is None or hit.size != found.size:
                return None
            return found.headers, None, found.path
        source = found.source
        try:
            st = os.stat(source.path)
        except OSError:
            return None
        if (st.st_mtime_ns, st.st_size) != (source.modified_ns, source.size):
            return None
        handle = found.handle()
        if handle is None or self.opened.get(source, found.page) is not handle or handle.superseded():
            return None
        if isinstance(found, Document):
            return found.headers, found.body, None
        if not found.plan.passthrough:
            return Render(found.headers, handle.image, found.plan)
        return found.headers, handle.image.render(found.plan), None
