"""An exclusive ``flock`` on a file, shared by the worker processes of one machine and waited for
without blocking the event loop. The kernel releases it when its holder dies, so a killed worker
never leaves one taken."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path


class FileLock:
    """An exclusive ``flock`` on a file, waited for without blocking the event loop."""

    def __init__(self, path: Path, poll: float = 0.02) -> None:
        self.path = path
        self.poll = poll
        self.fd = -1

    async def __aenter__(self) -> None:
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            while not self._acquired():
                await asyncio.sleep(self.poll)
        except BaseException:
            os.close(self.fd)
            raise

    def _acquired(self) -> bool:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    async def __aexit__(self, *exc: object) -> None:
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
