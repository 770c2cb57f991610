"""A worker's admission of pixel work: as many at once as threads, a bounded queue served in
order, a bounded wait, a memory budget (an image larger than all of it made alone), and a turn
given back whatever ends the wait."""

import asyncio

import pytest

from casaba.serving.admission import Admission, Overloaded
from casaba.settings.keys import OverloadSettings


def admission(threads=2, queue=2, max_wait=1.0, memory=1000):
    return Admission(threads, OverloadSettings(queue=queue, max_wait=max_wait, memory=memory))


async def hold(gate, cost, release, log, name):
    async with gate.slot(cost):
        log.append(f"+{name}")
        await release.wait()
        log.append(f"-{name}")


def test_the_threads_then_the_queue_then_503():
    async def main():
        gate, release, log = admission(), asyncio.Event(), []
        tasks = [asyncio.create_task(hold(gate, 1, release, log, n)) for n in "abcd"]
        await asyncio.sleep(0.01)
        assert log == ["+a", "+b"] and gate.waiting == 2
        with pytest.raises(Overloaded) as refused:
            async with gate.slot(1):
                pass
        assert refused.value.status == 503 and ("retry-after", "1") in refused.value.headers
        release.set()
        await asyncio.gather(*tasks)
        # The waiting ones came in order, each once a thread was free.
        assert log.index("+c") > log.index("-a") and log.index("+c") < log.index("+d")
        assert (gate.running, gate.held, gate.waiting) == (0, 0, 0)

    asyncio.run(main())


def test_a_wait_past_max_wait_is_503_and_leaves_no_trace():
    async def main():
        gate, release, log = admission(threads=1, max_wait=0.05), asyncio.Event(), []
        first = asyncio.create_task(hold(gate, 1, release, log, "a"))
        await asyncio.sleep(0.01)
        with pytest.raises(Overloaded, match="within 0.05 s"):
            async with gate.slot(1):
                pass
        assert gate.waiting == 0
        release.set()
        await first
        async with gate.slot(1):
            assert gate.running == 1

    asyncio.run(main())


def test_the_memory_budget_holds_back_big_images_but_one_alone_is_made():
    async def main():
        gate, release, log = admission(threads=4, memory=1000), asyncio.Event(), []
        big = asyncio.create_task(hold(gate, 800, release, log, "big"))
        await asyncio.sleep(0.01)
        other = asyncio.create_task(hold(gate, 300, release, log, "other"))
        await asyncio.sleep(0.01)
        assert log == ["+big"] and gate.waiting == 1
        release.set()
        await asyncio.gather(big, other)
        assert log == ["+big", "-big", "+other", "-other"]
        release.clear()
        huge = asyncio.create_task(hold(gate, 5000, release, log, "huge"))
        await asyncio.sleep(0.01)
        assert log[-1] == "+huge", "an image over the whole budget is made when it is alone"
        release.set()
        await huge

    asyncio.run(main())


def test_a_cancelled_wait_gives_its_place_back():
    async def main():
        gate, release, log = admission(threads=1), asyncio.Event(), []
        first = asyncio.create_task(hold(gate, 1, release, log, "a"))
        await asyncio.sleep(0.01)
        waiting = asyncio.create_task(hold(gate, 1, release, log, "b"))
        await asyncio.sleep(0.01)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        assert gate.waiting == 0
        release.set()
        await first
        assert (gate.running, gate.held) == (0, 0) and "+b" not in log

    asyncio.run(main())


def test_limits_follow_the_settings():
    gate = admission(threads=3, queue=None)
    assert gate.queue == 6
    gate.configure(OverloadSettings(queue=1, max_wait=0.5, memory=10))
    assert (gate.queue, gate.max_wait, gate.memory) == (1, 0.5, 10)
