"""A small HTTP/1.1 load generator for the benchmarks: keep-alive connections on one asyncio loop,
each sending a request, reading the whole answer, and sending the next. Raw sockets keep the
client's own cost to some tens of microseconds a request (httpx costs ~0.3 ms), so that fast
answers such as cache hits are not hidden behind the client. ``read_answer`` reads one answer
off such a connection (for the soak's client too)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence

LENGTH = re.compile(rb"\r\ncontent-length: *(\d+)", re.IGNORECASE)
CHUNKED = re.compile(rb"\r\ntransfer-encoding: *chunked", re.IGNORECASE)
CLOSE = re.compile(rb"\r\nconnection: *close", re.IGNORECASE)


async def read_answer(reader: asyncio.StreamReader, method: str = "GET") -> tuple[int, bool]:
    """Read one answer whole (its body dropped): its status, and whether the server closes the
    connection after it. Answers to HEAD, and 1xx, 204 and 304 answers, end with their head."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    if method != "HEAD" and status >= 200 and status not in (204, 304):
        if m := LENGTH.search(head):
            await reader.readexactly(int(m.group(1)))
        elif CHUNKED.search(head):
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
        else:
            raise RuntimeError(f"an answer without Content-Length or chunks: {head[:200]!r}")
    return status, CLOSE.search(head) is not None


async def _connection(host: str, port: int, requests: Sequence[bytes], statuses: dict[int, int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for request in requests:
            writer.write(request)
            status, _ = await read_answer(reader)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


def hammer(base: str, paths: Sequence[str], connections: int) -> dict[int, int]:
    """Ask for every path in ``paths`` (in order, spread over ``connections`` keep-alive
    connections), each answer read whole; returns how many answers had each status."""
    host, port = base.removeprefix("http://").split(":")
    wire = [f"GET {p} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode() for p in paths]
    statuses: dict[int, int] = {}

    async def run() -> None:
        await asyncio.gather(*(_connection(host, int(port), wire[i::connections], statuses) for i in range(connections)))

    asyncio.run(run())
    return statuses
