"""Single flight: concurrent callers asking for the same thing share one piece of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """Runs ``make()`` once per key at a time; callers that arrive meanwhile await the same result
    (or exception). A caller that goes away does not cancel the work for the others."""

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Future[T]] = {}

    async def run(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        future = self._running.get(key)
        if future is None:
            future = asyncio.ensure_future(make())
            self._running[key] = future
            future.add_done_callback(lambda f: self._finished(key, f))
        return await asyncio.shield(future)

    def _finished(self, key: str, future: asyncio.Future[T]) -> None:
        self._running.pop(key, None)
        # Marks the exception as seen when every caller has gone away before the end.
        if not future.cancelled():
            future.exception()

    def __len__(self) -> int:
        return len(self._running)
