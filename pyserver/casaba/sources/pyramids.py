"""Tiled pyramids of large untiled images, built once in the background and served in their
place: a plain 100-megapixel JPEG costs a full decode per thumbnail and an entropy-decoding pass
over every row above a tile, while the same image as a pyramidal TIFF costs a few stored tiles.

The first request for such an image is served from the original and starts a build (one at a
time per worker, at low CPU priority, in a separate process so its memory is not the worker's).
Baseline JPEG, PNG, uncompressed TIFF, TIFF of small tiles or strips and JPEG 2000 are read a band
of rows at a time, so a build's memory grows with the image's width, not its area; other images
(and images stored upside down or turned) are decoded whole.
Pyramids live in the ``pyramids/`` folder of ``FilesystemCache.pathname``, named by the image's
key, version and page, written under a temporary name and renamed into place; a file lock keeps
workers from building the same one twice. Later requests are served from the pyramid.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from casaba import _core

if TYPE_CHECKING:
    from casaba.settings import Settings
    from casaba.sources.copies import Copies

log = logging.getLogger("casaba.pyramids")

#: Formats that may have no tiles of their own to read from. An untiled JPEG 2000 has levels, but
#: OpenJPEG reads the headers of every packet of a tile to decode any part of it: for a 256x256
#: region of an untiled 12000x10000 JPEG 2000 that is some 35 of its 45 ms.
UNTILED_FORMATS = frozenset({"jpeg", "png", "gif", "webp", "tiff", "jp2"})


def pyramids_from_settings(settings: Settings, copies: Copies | None) -> Pyramids | None:
    if not (settings.pyramids.enabled and copies):
        return None
    return Pyramids(copies, settings.pyramids.min_pixels, settings.pyramids.max_pixels)


class Pyramids:
    def __init__(self, copies: Copies, min_pixels: int, max_pixels: int) -> None:
        self.copies = copies
        self.folder = copies.root / "pyramids"
        self.min_pixels = min_pixels
        self.max_pixels = max_pixels
        self._building: set[Path] = set()
        #: Builds that failed (an image too large to decode whole, a broken file): not retried
        #: by this worker, so a failing build costs once, not once per request.
        self._failed: set[Path] = set()
        self._one_at_a_time = asyncio.Semaphore(1)
        self._tasks: set[asyncio.Task[None]] = set()

    def wanted(self, image: _core.Image) -> bool:
        """Whether `image` is large (but not beyond the bound: a header can declare billions of
        pixels that a build would then spend hours on), untiled, and of a kind a JPEG pyramid
        can hold."""
        return (
            image.format in UNTILED_FORMATS
            and image.tile_size is None
            and self.min_pixels <= image.width * image.height <= self.max_pixels
            and image.channels in (1, 3)
        )

    def path_for(self, key: str, version: str, page: int) -> Path:
        digest = hashlib.sha256(f"{key}\0{version}\0{page}".encode()).hexdigest()
        return self.folder / digest[:2] / f"{digest}.tif"

    def build_later(self, source: Path, target: Path, page: int) -> None:
        """Start building `target` from `source` unless it is built, being built or failed."""
        if target in self._building or target in self._failed or target.exists():
            return
        self._building.add(target)
        task = asyncio.get_running_loop().create_task(self._build(source, target, page))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _build(self, source: Path, target: Path, page: int) -> None:
        try:
            async with self._one_at_a_time:
                if target.exists():
                    return
                target.parent.mkdir(parents=True, exist_ok=True)
                cmd = ["nice", "-n", "10", sys.executable, "-m", "casaba", "pyramid", str(source), str(target), "--page", str(page)]
                proc = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
                _, err = await proc.communicate()
                if proc.returncode == 0:
                    self.copies.added()
                else:
                    self._failed.add(target)
                    log.warning("building a pyramid failed (%s): %s", proc.returncode, err.decode(errors="replace").strip()[-500:])
        except Exception:
            self._failed.add(target)
            log.exception("building a pyramid failed")
        finally:
            self._building.discard(target)


def build(source: Path, target: Path, page: int = 1, tile: int = 256, quality: int = 90) -> bool:
    """Build `target` from `source` (unless another process is at it or has done it): whole,
    upright, as a tiled pyramidal JPEG TIFF. Returns whether this call built it."""
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.with_suffix(".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        if target.exists():
            return False
        part = target.with_name(f".{target.name}.{os.getpid()}.part")
        try:
            _core.Image.open(str(source), page=page).write_pyramid(str(part), tile=tile, quality=quality)
            os.replace(part, target)
        finally:
            part.unlink(missing_ok=True)
    return True
