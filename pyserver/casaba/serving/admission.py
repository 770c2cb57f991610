"""How much pixel work a worker takes on, so that under load it answers some requests at once
with ``503 Service Unavailable`` (and ``Retry-After``) instead of letting every answer wait
behind a queue that only grows.

A worker makes as many images at once as it has pixel threads. Up to ``overload.queue`` more
may wait for a thread, each at most ``overload.max_wait`` seconds; and the images being made
hold at most ``overload.memory`` bytes of pixels (estimated from each one's plan: the region
read and the output). Past any of these a request is refused: it costs the client one quick
answer, and the requests admitted are answered in about the time they take unloaded, times
the queue's length over the threads. Cheap work is never refused: a cached derivative, a tile
sent as stored, info.json.

Waiting requests are served in the order they came; one that is cancelled (its client left, its
deadline passed: ``stopping.py``) gives its place up. An image larger than the whole memory
budget is made when it is the only one (otherwise it could never be).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from contextlib import asynccontextmanager
from dataclasses import dataclass

from casaba import _core
from casaba.errors import HttpError
from casaba.settings.keys import OverloadSettings

#: Seconds a refused client is asked to wait before asking again.
RETRY_AFTER = 1


class Overloaded(HttpError):
    status = 503

    def __init__(self, why: str) -> None:
        super().__init__(f"The server is busy ({why}); try again in a moment.", [("retry-after", str(RETRY_AFTER))])


class Admission:
    """One worker's pixel work: ``threads`` images made at once, and what ``configure`` allows
    beyond that."""

    def __init__(self, threads: int, settings: OverloadSettings) -> None:
        self.threads = threads
        self.running = 0
        #: Bytes of pixels held by the images being made.
        self.held = 0
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()
        self.configure(settings)

    def configure(self, settings: OverloadSettings) -> None:
        """Take the limits of ``settings`` (settings change while the worker serves)."""
        self.queue = settings.queue if settings.queue is not None else 2 * self.threads
        self.max_wait = settings.max_wait
        self.memory = settings.memory

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def _fits(self, cost: int) -> bool:
        return self.running < self.threads and (self.held + cost <= self.memory or self.running == 0)

    @asynccontextmanager
    async def slot(self, cost: int) -> AsyncIterator[None]:
        """Held while an image of ``cost`` bytes of pixels is made; raises ``Overloaded`` when
        the worker takes on no more."""
        if not self._waiting and self._fits(cost):
            self._take(cost)
        else:
            await self._wait(cost)
        try:
            yield
        finally:
            self.running -= 1
            self.held -= cost
            self._grant()

    async def _wait(self, cost: int) -> None:
        if len(self._waiting) >= self.queue:
            raise Overloaded(f"{self.running} images being made and {len(self._waiting)} waiting")
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (cost, turn)
        self._waiting.append(entry)
        try:
            async with asyncio.timeout(self.max_wait):
                await turn
        except BaseException as e:
            # Given its turn as it timed out, was cancelled or its client left: give it back.
            if turn.done() and not turn.cancelled():
                self.running -= 1
                self.held -= cost
                self._grant()
            else:
                turn.cancel()
                self._waiting.remove(entry)
            if isinstance(e, TimeoutError):
                raise Overloaded(f"no pixel thread came free within {self.max_wait:g} s") from None
            raise

    def _take(self, cost: int) -> None:
        self.running += 1
        self.held += cost

    def _grant(self) -> None:
        """Give their turns to the first waiting requests that fit, in order."""
        while self._waiting and self._fits(self._waiting[0][0]):
            cost, turn = self._waiting.popleft()
            self._take(cost)
            turn.set_result(None)


def pixel_bytes(planned: _core.Plan) -> int:
    """What making ``planned`` holds at most, about: the region read and the output, at four
    bytes a pixel."""
    _, _, w, h = planned.read
    ow, oh = planned.output_size
    return 4 * (w * h + ow * oh)


@dataclass(frozen=True)
class Threads:
    """A worker's threads, shared by its generations: the pixel threads (with how much work
    they take on) and the threads for reading remote images, which mostly wait on the network."""

    pixels: Executor
    remote: Executor
    admission: Admission
