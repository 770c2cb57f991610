"""The floor of any RSGI server here: a bare Granian app answering every request with the same
12 KB body and nothing else (``/file``: the same bytes sent from a file by ``response_file``, as
a FilesystemCache hit is), run as ``casaba serve`` runs Granian (RSGI, uvloop). The cache-hit
benchmark and the load harness's ceiling rows compare with it.

    granian --interface rsgi --loop uvloop benchmarks.bare_app:app
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from casaba.testing import free_port, stop, wait_for_port

BODY = bytes(range(256)) * 48  # 12 KB
HEADERS = [("content-type", "image/jpeg"), ("content-length", str(len(BODY)))]
_fd, FILE = tempfile.mkstemp(prefix="casaba-bare-")
os.write(_fd, BODY)
os.close(_fd)


async def app(scope: Any, protocol: Any) -> None:
    if scope.path == "/file":
        protocol.response_file(200, HEADERS, FILE)
    else:
        protocol.response_bytes(200, HEADERS, BODY)


@contextmanager
def serving(workers: int = 1) -> Iterator[str]:
    """This app under Granian with ``workers`` workers on a free loopback port; yields its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "granian", "--interface", "rsgi", "--host", "127.0.0.1", "--port", str(port),
           "--workers", str(workers), "--loop", "uvloop", "benchmarks.bare_app:app"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path(__file__).parent.parent)
    try:
        wait_for_port(port, proc, 30)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(proc)
