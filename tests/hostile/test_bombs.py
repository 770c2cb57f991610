"""Decompression bombs, asked of a real server (Granian, one worker, the default limits): every
file of `bombs.py` gets its info, the whole image, a scaled whole and a small region.

Each answer is the status `bombs.py` states, within a few seconds, with a one-line message that
names no path; the worker answers an ordinary request after each; and no process of the server
ever holds more than `PEAK_MIB` resident. Before ``processor.max_decode_pixels`` the same files
took 3.9 GB (a GIF's 30000x30000 screen), 5.2 GB (a 20000x20000 PNG of zeros) and 9.5 GB and 19 s
(a 30000x30000 TIFF of deflated strips) to answer with a 200.
"""

import tempfile
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image as PILImage

from casaba.testing import running_server

from .bombs import LIMIT, OK, REQUESTS, build

#: Seconds an answer may take: a refusal is immediate; the slowest answers decode a JPEG's
#: missing data at 1/8 scale (8188x8188) before finding it ends, 1.6 to 3.7 s on a loaded machine.
SECONDS = 8
#: Resident memory no process of the server may reach. The worker idles at about 60 MiB; the
#: most a request may then hold is set by ``processor.max_decode_pixels`` (2^27): a JPEG whose
#: scans the decoder must buffer, 6 bytes a pixel of it (the 12000x12000 multi-scan file: about
#: 920 MiB). The bombs asked for 3.9 to 9.5 GB before that limit.
PEAK_MIB = 1024
MAX_MESSAGE = 200


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("bombs")


@pytest.fixture(scope="module")
def cases(folder):
    return {c.identifier or c.name: c for c in build(folder)}


@pytest.fixture(scope="module")
def served(folder, cases):
    """Every request of every bomb, asked once of one server: (status, seconds, message, whether
    the worker then answered an ordinary request) by (identifier, request); and the server's
    processes' peak resident memory afterwards, in MiB."""
    PILImage.new("RGB", (64, 48), (10, 20, 30)).save(folder / "ordinary.png")
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/"}
    answers = {}
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=60) as client:
        for identifier, case in cases.items():
            for request in REQUESTS:
                started = time.monotonic()
                answer = client.get(case.url(request))
                seconds = time.monotonic() - started
                alive = client.get("/iiif/3/ordinary.png/full/32,/0/default.jpg").status_code == 200
                message = "" if answer.status_code == 200 else answer.text
                answers[identifier, request] = (answer.status_code, seconds, message, alive)
        peaks = {pid: peak_mib(pid) for pid in server_processes(int(base.rsplit(":", 1)[1]))}
    return answers, peaks


def server_processes(port):
    """The pids of the ``casaba serve`` listening on `port` and of all its descendants."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            ppid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
            parents[int(entry.name)] = (ppid, cmdline)
    found = {pid for pid, (_, cmd) in parents.items() if b"serve" in cmd and str(port).encode() in cmd}
    while grown := {pid for pid, (ppid, _) in parents.items() if ppid in found} - found:
        found |= grown
    return found


def peak_mib(pid):
    """A process's peak resident memory (``VmHWM``), as benchmarks/memory.py reads it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM for {pid}")


def pytest_generate_tests(metafunc):
    if "case_request" in metafunc.fixturenames:
        with tempfile.TemporaryDirectory() as tmp:
            identifiers = [c.identifier or c.name for c in build(Path(tmp))]
        metafunc.parametrize("case_request", [(i, r) for i in identifiers for r in REQUESTS], ids=lambda v: f"{v[0]}:{v[1]}")


def test_a_bomb_is_answered_as_stated_quickly_and_the_worker_survives(served, cases, folder, case_request):
    identifier, request = case_request
    case = cases[identifier]
    status, seconds, message, alive = served[0][case_request]
    what = f"{identifier} ({case.claims}) {REQUESTS[request]}"
    assert status == case.expect[request], f"{what}: {status} {message!r}"
    assert seconds < SECONDS, f"{what}: {seconds:.1f} s"
    assert alive, f"{what}: the worker did not answer the next request"
    if status != OK:
        assert len(message) <= MAX_MESSAGE and message.count("\n") <= 1, f"{what}: a long message {message!r}"
        assert str(folder) not in message and "Traceback" not in message, f"{what}: {message!r}"
    if status == LIMIT:
        assert "exceeds" in message, f"{what}: a 403 that does not say which limit: {message!r}"


def test_the_servers_memory_stays_bounded(served):
    _, peaks = served
    assert peaks, "no process of the server was found"
    assert max(peaks.values()) < PEAK_MIB, f"peak resident memory by pid: {peaks}"
