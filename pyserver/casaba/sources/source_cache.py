"""The source cache (``CacheStrategy``): remote images downloaded once into the ``source/`` folder
of ``FilesystemCache.pathname`` and served from there as local files; swept with the other local
copies (``copies``)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from casaba.filelock import FileLock
from casaba.singleflight import SingleFlight
from casaba.sources.base import RemoteImage, complete
from casaba.sources.copies import Copies

#: Lock stripes guarding downloads into the source cache across worker processes.
LOCK_STRIPES = 256


class SourceCache:
    """Remote images downloaded once, each under a name made from its key and version, written
    to a temporary name and renamed into place. Concurrent requests in a worker share one
    download; workers take a file lock (one of ``LOCK_STRIPES``) so that they do too."""

    def __init__(self, copies: Copies) -> None:
        self.copies = copies
        self.folder = copies.root / "source"
        self.flights: SingleFlight[Path] = SingleFlight()

    def path_for(self, located: RemoteImage) -> Path:
        digest = hashlib.sha256(f"{located.key}\0{located.version}".encode()).hexdigest()
        return self.folder / digest[:2] / digest

    async def fetch(self, located: RemoteImage) -> Path:
        path = self.path_for(located)
        if self.copies.used(path):
            return path
        return await self.flights.run(path.name, lambda: self._download(located, path))

    async def _download(self, located: RemoteImage, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = self.folder / f"{int(path.name[:4], 16) % LOCK_STRIPES:03d}.lock"
        async with FileLock(lock):
            if path.exists():  # another worker fetched it meanwhile
                return path
            part = path.with_name(f".{path.name}.{os.getpid()}.part")
            try:
                with open(part, "wb") as f:
                    await located.object.download(f)
                    complete(f.tell(), located)
                os.replace(part, path)
            finally:
                part.unlink(missing_ok=True)
        self.copies.added()
        return path
