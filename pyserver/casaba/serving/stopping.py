"""Stopping work nobody waits for: a request past its deadline is answered ``503``, and a render
whose client has left (``ClientGone``, a 499 in the logs) or whose request's deadline has passed
is stopped part-way. The core checks its ``Stop`` between chunks, rows, bands and steps, so a
stopped render gives its pixel thread back within one piece of work, and nothing of it is kept.

A request's deadline covers what the server does for it (waiting for a thread, reading the
source, the delegates, rendering), not the sending of the answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from typing import TypeVar

from casaba import _core
from casaba.errors import ClientGone, HttpError
from casaba.http import CONNECTION

T = TypeVar("T")

#: Seconds between two looks for requests past their deadline: how late one may be stopped.
CHECK_SECONDS = 0.1


class DeadlinePassed(HttpError):
    status = 503

    def __init__(self, seconds: float) -> None:
        super().__init__(f"The answer was not made in time: a request may take {seconds:g} s.")


async def in_thread(pool: Executor, work: Callable[[_core.Stop], T]) -> T:
    """``work(stop)`` on ``pool``. When the task awaiting it is cancelled (its client left, its
    deadline passed), the core is told to stop and the thread waited for: once this returns, the
    thread and the pixels it held are free."""
    stop = _core.Stop()
    running = pool.submit(work, stop)
    try:
        return await asyncio.wrap_future(running)
    except asyncio.CancelledError:
        stop.stop()
        ending = asyncio.wrap_future(running)
        await asyncio.wait((ending,))
        if not ending.cancelled():
            # Seen: the StoppedError nobody waits for.
            ending.exception()
        raise


class _Waiting:
    """Whether a request still waits for its work, for the callback its client's leaving runs."""

    def __init__(self, task: asyncio.Task[object]) -> None:
        self.task = task
        self.on = True

    def left(self, disconnected: asyncio.Future[object]) -> None:
        if self.on and not disconnected.cancelled():
            self.task.cancel()


async def unless_client_leaves(work: Awaitable[T]) -> T:
    """``work``, cancelled if the request's client disconnects first (then ``ClientGone``). The
    work runs in the request's own task: a callback cancels it (a task of its own and a race
    would cost a render tens of microseconds)."""
    connection = CONNECTION.get()
    task = asyncio.current_task()
    if connection is None or task is None:
        return await work
    waiting = _Waiting(task)
    disconnected = asyncio.ensure_future(connection.client_disconnect())
    disconnected.add_done_callback(waiting.left)
    try:
        return await work
    except asyncio.CancelledError:
        if not (disconnected.done() and not disconnected.cancelled()):
            raise
        task.uncancel()
        raise ClientGone() from None
    finally:
        waiting.on = False
        disconnected.cancel()


class Deadlines:
    """The requests a worker is making answers for, and when each must be done; ``watch`` (a
    task of each worker) cancels those past it."""

    def __init__(self) -> None:
        self._due: dict[asyncio.Task[object], float] = {}
        self._late: set[asyncio.Task[object]] = set()

    async def bound(self, work: Awaitable[T], seconds: float) -> T:
        """``work`` (awaited in the current task), or ``DeadlinePassed`` after ``seconds``."""
        task = asyncio.current_task()
        if task is None:
            return await work
        self._due[task] = time.monotonic() + seconds
        try:
            return await work
        except asyncio.CancelledError:
            if task not in self._late:
                raise
            task.uncancel()
            raise DeadlinePassed(seconds) from None
        finally:
            del self._due[task]
            self._late.discard(task)

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            now = time.monotonic()
            for task, due in list(self._due.items()):
                if due <= now and task not in self._late:
                    self._late.add(task)
                    task.cancel()
