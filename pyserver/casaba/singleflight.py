"""Single flight: concurrent callers asking for the same thing share one piece of work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class _Flight(Generic[T]):
    def __init__(self, future: asyncio.Future[T]) -> None:
        self.future = future
        self.callers = 0


class SingleFlight(Generic[T]):
    """Runs ``make()`` once per key at a time; callers that arrive meanwhile await the same result
    (or exception). A caller that goes away does not cancel the work for the others; with
    ``stop_unwanted``, the last one to go away cancels it (nobody waits for it any more), and a
    caller arriving after that starts the work anew."""

    def __init__(self, stop_unwanted: bool = False) -> None:
        self.stop_unwanted = stop_unwanted
        self._running: dict[str, _Flight[T]] = {}

    async def run(self, key: str, make: Callable[[], Awaitable[T]]) -> T:
        flight = self._running.get(key)
        if flight is None:
            flight = _Flight(asyncio.ensure_future(make()))
            self._running[key] = flight
            flight.future.add_done_callback(lambda f: self._finished(key, f))
        flight.callers += 1
        try:
            return await asyncio.shield(flight.future)
        finally:
            flight.callers -= 1
            if self.stop_unwanted and flight.callers == 0 and not flight.future.done():
                flight.future.cancel()
                self._forget(key, flight.future)

    def _forget(self, key: str, future: asyncio.Future[T]) -> None:
        flight = self._running.get(key)
        if flight is not None and flight.future is future:
            del self._running[key]

    def _finished(self, key: str, future: asyncio.Future[T]) -> None:
        self._forget(key, future)
        # Marks the exception as seen when every caller has gone away before the end.
        if not future.cancelled():
            future.exception()

    def __len__(self) -> int:
        return len(self._running)
