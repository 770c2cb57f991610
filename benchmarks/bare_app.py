"""The floor of any RSGI server here: a bare Granian app answering every request with the same
12 KB body and nothing else (``/file``: the same bytes sent from a file by ``response_file``, as
a FilesystemCache hit is), for the cache-hit benchmark to compare with.

    granian --interface rsgi --loop uvloop benchmarks.bare_app:app
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

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
