"""Overload on a real server: far more uncached renders than a worker's pixel threads and queue
take are answered 200 or 503 with Retry-After (never left waiting), cheap requests are still
served meanwhile, and the server answers at once when the load stops."""

import asyncio
import threading
import time

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import running_server

CLIENTS = 24


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("overload")
    rng = np.random.default_rng(7)
    # Noise: every render decodes and encodes the whole of it, tens of milliseconds each.
    Image.fromarray(rng.integers(0, 255, (2400, 3200, 3), dtype=np.uint8)).save(folder / "noise.png", compress_level=1)
    Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(folder / "small.png")
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "overload.queue": "1",
        "overload.max_wait": "0.5",
    }
    with running_server(settings, workers=1) as base:
        yield base


async def storm(base):
    """``CLIENTS`` different full-size renders at once, and a small info.json among them."""
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=CLIENTS + 1)) as client:
        renders = [client.get(f"/iiif/3/noise.png/full/{3200 - n},/0/default.jpg") for n in range(CLIENTS)]

        async def cheap():
            await asyncio.sleep(0.05)
            return await client.get("/iiif/3/small.png/info.json")

        *answers, info = await asyncio.gather(*renders, cheap())
    return answers, info


def test_past_the_threads_and_queue_requests_are_refused_at_once_with_retry_after(busy):
    started = time.monotonic()
    answers, info = asyncio.run(storm(busy))
    statuses = sorted(a.status_code for a in answers)
    assert set(statuses) <= {200, 503}, statuses
    refused = [a for a in answers if a.status_code == 503]
    assert refused, "nothing was refused: the load did not exceed the worker"
    assert statuses.count(200) >= 2, "the threads' and the queue's requests are served"
    for answer in refused:
        assert answer.headers["retry-after"] == "1"
        assert answer.text.startswith("The server is busy") and len(answer.text) < 200
    assert info.status_code == 200, "info.json is not pixel work: never refused"
    assert time.monotonic() - started < 30
    # Load gone: served at once.
    quiet = httpx.get(f"{busy}/iiif/3/noise.png/full/640,/0/default.jpg", timeout=30)
    assert quiet.status_code == 200


def test_a_refusal_is_quick(busy):
    """Refused requests do not wait for the work ahead of them (only up to overload.max_wait)."""
    times: list[tuple[int, float]] = []

    def one(n):
        begun = time.monotonic()
        r = httpx.get(f"{busy}/iiif/3/noise.png/full/{2000 - n},/0/default.jpg", timeout=60)
        times.append((r.status_code, time.monotonic() - begun))

    threads = [threading.Thread(target=one, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refusals = [seconds for status, seconds in times if status == 503]
    assert refusals and max(refusals) < 0.5 + 2.0, times


@pytest.fixture(scope="module")
def patient(tmp_path_factory):
    folder = tmp_path_factory.mktemp("patient")
    rng = np.random.default_rng(8)
    Image.fromarray(rng.integers(0, 255, (2400, 3200, 3), dtype=np.uint8)).save(folder / "noise.png", compress_level=1)
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/", "overload.queue": "64", "overload.max_wait": "60"}
    with running_server(settings, workers=1) as base:
        yield base


def test_requests_whose_clients_left_give_their_place_in_the_queue(patient):
    def render(n, timeout=60.0):
        return httpx.get(f"{patient}/iiif/3/noise.png/full/{3200 - n},/0/default.jpg", timeout=timeout)

    began = time.monotonic()
    assert render(0).status_code == 200
    alone = time.monotonic() - began

    async def crowd():
        async with httpx.AsyncClient(timeout=60) as client:
            busy = [asyncio.create_task(client.get(f"{patient}/iiif/3/noise.png/full/{3100 - n},/0/default.jpg")) for n in range(4)]
            await asyncio.sleep(0.05)
            # Twenty that give up at once: were they made, the last would wait for all of them.
            async with httpx.AsyncClient(timeout=0.2) as impatient:
                gave_up = await asyncio.gather(*(impatient.get(f"{patient}/iiif/3/noise.png/full/{3000 - n},/0/default.jpg") for n in range(20)), return_exceptions=True)
            assert all(isinstance(g, httpx.TimeoutException) for g in gave_up)
            began = time.monotonic()
            last = await client.get(f"{patient}/iiif/3/noise.png/full/2500,/0/default.jpg")
            waited = time.monotonic() - began
            await asyncio.gather(*busy)
            return last.status_code, waited

    status, waited = asyncio.run(crowd())
    assert status == 200
    # Behind at most the four being made (two threads): about two renders, not twelve.
    assert waited < 6 * alone + 1.0, (waited, alone)
