"""Purges announced to every worker of one server, so that each forgets what it keeps in its
own memory: the infos, the remembered answers, the opened images and, with a HeapCache, the
entries purged.

A purge of a shared derivative cache (FilesystemCache, RedisCache, S3Cache) reaches every worker
and node through the cache itself (its purge token, followed by ``facade``); a worker's memory is
out of the cache's reach, and out of the worker's that ran the purge. So the purge is also
announced here: a generation counter, with the last purges, in a small JSON file in a folder the
server's workers share (``casaba serve`` makes it and names it in ``CASABA_WORKERS_FOLDER``),
replaced atomically under a file lock. Each worker reads the file at most every
``CHECK_SECONDS``, before a request, and forgets what the purges since its last look name (a
worker that missed more than ``KEPT`` forgets everything). A request that starts
``CHECK_SECONDS`` after an announcement sees the purge, in every worker.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from casaba.filelock import FileLock

log = logging.getLogger("casaba.caches")

#: A worker looks for new purges at most this often.
CHECK_SECONDS = 0.25
#: Purges the file remembers for workers that have not looked since.
KEPT = 64

#: What a purge names: one image's entries, everything, the expired entries, the infos in memory.
ITEM, ALL, EXPIRED, INFOS = "item", "all", "expired", "infos"
NOTHING: tuple[Purge, ...] = ()


@dataclass(frozen=True)
class Purge:
    generation: int
    what: str
    #: The image's identifier (without a page), for ``ITEM``.
    identifier: str | None = None


class PurgeSignal:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "purges.json"
        # Purges announced before this worker started concern memory it never had.
        self._seen = self._read()[0]
        self._next_check = time.monotonic() + CHECK_SECONDS

    async def announce(self, what: str, identifier: str | None = None) -> Purge:
        """Tell every worker of this server (this one too) to forget what ``what`` names."""
        async with FileLock(self.folder / "purges.lock"):
            generation, kept = self._read()
            purge = Purge(generation + 1, what, identifier)
            state = {"generation": purge.generation, "purges": [asdict(p) for p in [*kept, purge][-KEPT:]]}
            temp = self.folder / f".purges.{os.getpid()}.{secrets.token_hex(4)}"
            temp.write_text(json.dumps(state))
            os.replace(temp, self.path)
        return purge

    def poll(self) -> tuple[Purge, ...]:
        """The purges announced since this worker last looked, oldest first; nothing unless
        ``CHECK_SECONDS`` have passed since then (a clock read is all most requests pay)."""
        now = time.monotonic()
        if now < self._next_check:
            return NOTHING
        self._next_check = now + CHECK_SECONDS
        try:
            generation, kept = self._read()
        except (OSError, ValueError, KeyError, TypeError) as e:
            log.warning("reading the purge signal failed (%s: %s)", type(e).__name__, e)
            return NOTHING
        if generation == self._seen:
            return NOTHING
        missed = [p for p in kept if p.generation > self._seen]
        if not missed or missed[0].generation != self._seen + 1:
            missed = [Purge(generation, ALL)]
        self._seen = generation
        return tuple(missed)

    def _read(self) -> tuple[int, list[Purge]]:
        try:
            state = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return 0, []
        return int(state["generation"]), [Purge(int(p["generation"]), str(p["what"]), p["identifier"]) for p in state["purges"]]
