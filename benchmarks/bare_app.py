"""The floor of any RSGI server here: a bare Granian app answering every request with the same
12 KB body and nothing else, for the cache-hit benchmark to compare with.

    granian --interface rsgi benchmarks.bare_app:app
"""

from __future__ import annotations

from typing import Any

BODY = bytes(range(256)) * 48  # 12 KB
HEADERS = [("content-type", "image/jpeg"), ("content-length", str(len(BODY)))]


async def app(scope: Any, protocol: Any) -> None:
    protocol.response_bytes(200, HEADERS, BODY)
