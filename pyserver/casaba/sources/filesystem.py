"""FilesystemSource. Cantaloupe's BasicLookupStrategy: path = prefix + identifier + suffix, never
outside the prefix's folder; ScriptLookupStrategy: the path the delegate names (``locate_path``)."""

from __future__ import annotations

import os
import stat
from functools import lru_cache
from pathlib import Path

from casaba.errors import NotFound, ServerError
from casaba.sources.base import LocalImage, escapes, missing


class FilesystemSource:
    def __init__(self, prefix: str, suffix: str = "") -> None:
        self.prefix = prefix
        self.suffix = suffix
        # Identifiers may name files below the prefix's folder, never above it.
        self._root = os.path.normpath(os.path.dirname(prefix) or ".")

    @lru_cache(maxsize=8192)  # noqa: B019 (one source per worker, alive as long as the worker)
    def path_for(self, identifier: str) -> Path:
        if escapes(identifier):
            raise NotFound(missing(identifier))
        path = os.path.normpath(self.prefix + identifier + self.suffix)
        try:
            inside = os.path.commonpath([self._root, path]) == self._root
        except ValueError:
            inside = False
        if not inside:
            raise NotFound(missing(identifier))
        return Path(path)

    async def locate(self, identifier: str) -> LocalImage:
        return self.file(self.path_for(identifier), identifier)

    async def locate_path(self, path: Path, identifier: str) -> LocalImage:
        return self.file(path, identifier)

    @staticmethod
    def file(path: Path, identifier: str) -> LocalImage:
        """The file at ``path``; a 404 naming ``identifier`` when there is none."""
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            raise NotFound(missing(identifier)) from None
        if not stat.S_ISREG(st.st_mode):
            raise NotFound(missing(identifier))
        return LocalImage(path, st.st_mtime_ns, st.st_size)

    async def check(self) -> None:
        if not (os.path.isdir(self._root) and os.access(self._root, os.R_OK | os.X_OK)):
            raise ServerError("The image folder cannot be read.")

    async def close(self) -> None:
        pass
