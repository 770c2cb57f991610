"""Work nobody waits for is stopped, on a real server reading a tiled TIFF from a slow origin
(each tile its own ranged read, so the origin's log shows how far a render went): a render whose
client leaves, or whose request passes ``overload.deadline``, reads no further tiles; a derivative
another client still waits for is finished; and the server serves on."""

import threading
import time

import httpx
import pytest

from casaba.testing import running_server

from ..sources.conftest import folder, pictures  # noqa: F401 (fixtures shared with the source tests)
from ..sources.helpers import http_settings, ranged
from ..sources.origins import Behaviour, Origin

#: Seconds the origin takes for each ranged read past the file's start.
READ_DELAY = 0.1
#: Level 0 of the 4000x3000 pyramid, 8 x 8 tiles: 64 reads, about 3.2 s on two threads.
LONG = "/iiif/3/pyramid.tif/0,0,2048,2048/max/0/default.jpg"
INFO = "/iiif/3/pyramid.tif/info.json"
#: Time enough for the reads begun when a render was stopped to end.
SETTLE = 4 * READ_DELAY + 0.5


@pytest.fixture
def origin(pictures):
    o = Origin({"pyramid.tif": pictures["pyramid.tif"]}, Behaviour())
    yield o
    o.close()


def settings(origin, tmp_path, **more):
    return http_settings(
        origin,
        **{
            "HttpSource.chunking.enabled": "false",
            "cache.server.derivative.enabled": "true",
            "cache.server.derivative": "FilesystemCache",
            "FilesystemCache.pathname": str(tmp_path / "cache"),
            **more,
        },
    )


def opened_then_slow(client_get, origin):
    """The image opened (its info.json asked for) while the origin is quick; then every read slow."""
    assert client_get(INFO).status_code == 200
    origin.behaviour = Behaviour(read_delays={"": READ_DELAY})


def reads(origin):
    return len(ranged(origin.log))


def kept(tmp_path):
    return [p for p in (tmp_path / "cache").rglob("*") if p.is_file() and "/image/" in str(p)]


def assert_reads_stop(origin):
    """No read begins once those under way when the render stopped have ended; a render left to
    run would read for seconds more."""
    time.sleep(SETTLE)
    stopped_at = reads(origin)
    time.sleep(1.5)
    assert reads(origin) == stopped_at, "the render went on reading tiles"
    return stopped_at


def test_a_render_whose_client_leaves_stops(origin, tmp_path):
    with running_server(settings(origin, tmp_path)) as base:
        opened_then_slow(lambda path: httpx.get(base + path, timeout=30), origin)
        before = reads(origin)
        with pytest.raises(httpx.TimeoutException):
            httpx.get(base + LONG, timeout=0.5)
        stopped_at = assert_reads_stop(origin)
        assert stopped_at - before < 64 // 2, "most tiles were never read"
        assert kept(tmp_path) == [], "nothing of a stopped render is kept"
        # Asked again, it is made whole, and served.
        again = httpx.get(base + LONG, timeout=60)
        assert again.status_code == 200 and again.headers["content-type"] == "image/jpeg"


def test_a_request_past_its_deadline_is_503_and_its_render_stops(origin, tmp_path):
    with running_server(settings(origin, tmp_path, **{"overload.deadline": "1"})) as base:
        opened_then_slow(lambda path: httpx.get(base + path, timeout=30), origin)
        began = time.monotonic()
        late = httpx.get(base + LONG, timeout=30)
        took = time.monotonic() - began
        assert late.status_code == 503, late.text
        assert "may take 1 s" in late.text and late.headers["content-type"].startswith("text/plain")
        assert took < 1 + 1.0, "answered once the deadline passed, not when the render would have ended"
        assert_reads_stop(origin)
        assert kept(tmp_path) == []
        assert httpx.get(base + INFO, timeout=30).status_code == 200


def test_a_derivative_another_client_waits_for_is_finished(origin, tmp_path):
    with running_server(settings(origin, tmp_path)) as base, httpx.Client(base_url=base, timeout=60) as patient:
        opened_then_slow(patient.get, origin)
        answers = []
        waiting = threading.Thread(target=lambda: answers.append(patient.get(LONG)))
        waiting.start()
        time.sleep(0.2)
        with pytest.raises(httpx.TimeoutException):
            httpx.get(base + LONG, timeout=0.3)
        waiting.join()
        assert answers[0].status_code == 200 and answers[0].headers["content-type"] == "image/jpeg"
        assert len(kept(tmp_path)) == 1
