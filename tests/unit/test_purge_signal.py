"""The purge signal the workers of one server share: each announcement seen once by every worker
(the announcing one too), in order, no sooner than its next look; none replayed to a worker
started after it; a worker that missed too many forgets everything; announcements from many
workers at once each get a generation of their own."""

import asyncio
import time

from casaba.caches.purge_signal import ALL, CHECK_SECONDS, EXPIRED, INFOS, ITEM, KEPT, Purge, PurgeSignal


def look(signal):
    """The signal's news once its next look is due."""
    time.sleep(CHECK_SECONDS + 0.02)
    return signal.poll()


def test_every_worker_sees_each_purge_once_in_order(tmp_path):
    first, second = PurgeSignal(tmp_path), PurgeSignal(tmp_path)
    assert look(second) == ()
    asyncio.run(first.announce(ITEM, "scan.tif"))
    asyncio.run(first.announce(INFOS))
    assert second.poll() == ()  # looked too recently
    expected = (Purge(1, ITEM, "scan.tif"), Purge(2, INFOS))
    assert look(first) == expected
    assert second.poll() == expected  # the sleep above made its look due too
    assert look(first) == () and second.poll() == ()


def test_a_worker_started_later_is_not_told_of_earlier_purges(tmp_path):
    asyncio.run(PurgeSignal(tmp_path).announce(ALL))
    later = PurgeSignal(tmp_path)
    assert look(later) == ()
    asyncio.run(later.announce(EXPIRED))
    assert look(later) == (Purge(2, EXPIRED),)


def test_a_worker_that_missed_too_many_forgets_everything(tmp_path):
    behind, busy = PurgeSignal(tmp_path), PurgeSignal(tmp_path)

    async def many():
        for n in range(KEPT + 1):
            await busy.announce(ITEM, f"{n}.tif")

    asyncio.run(many())
    assert look(behind) == (Purge(KEPT + 1, ALL),)


def test_announcements_at_once_get_generations_of_their_own(tmp_path):
    workers = [PurgeSignal(tmp_path) for _ in range(3)]

    async def at_once():
        return await asyncio.gather(*(w.announce(ITEM, f"{n}.tif") for n in range(12) for w in workers))

    made = asyncio.run(at_once())
    assert sorted(p.generation for p in made) == list(range(1, 37))
    assert [p.generation for p in look(workers[0])] == list(range(1, 37))
