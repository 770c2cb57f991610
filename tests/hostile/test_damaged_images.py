"""Damaged images, asked of a real server (Granian, one worker, a FilesystemCache for derivatives
and infos): every file of `damaged.py` gets its info, the whole image, a thumbnail and a tile.

A request that reads damaged data is a 5xx with a short message that names no path; nothing of
it is cached (asked again, it fails again; the cache holds no entry of an image that failed
everywhere); the worker answers the next request. A 200 carries exactly the intact file's pixels,
never a picture with its missing part made up.
"""

import io
import tempfile
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image as PILImage

from casaba.caches.base import identifier_hash
from casaba.testing import running_server

from .damaged import ERROR, REQUESTS, SAME, build

#: A public message is one short line.
MAX_MESSAGE = 200


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("damaged")


@pytest.fixture(scope="module")
def cases(folder):
    images = folder / "images"
    images.mkdir()
    return {case.name: case for case in build(images)}


@pytest.fixture(scope="module")
def client(folder, cases):
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder / 'images'}/",
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "FilesystemCache",
        "FilesystemCache.pathname": str(folder / "cache"),
    }
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=60) as c:
        yield c


def url(identifier, request):
    return f"/iiif/3/{identifier}/{REQUESTS[request]}"


def pixels(response):
    return np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGB"))


def same_as_intact(client, case, request, answer):
    """Whether a 200 carries what the intact file's answer carries."""
    intact = client.get(url(case.intact, request))
    assert intact.status_code == 200, f"the intact {case.intact} answered {intact.status_code}"
    if request == "info":
        return (answer.json()["width"], answer.json()["height"]) == (intact.json()["width"], intact.json()["height"])
    return np.array_equal(pixels(answer), pixels(intact))


def cached(folder, identifier, kind):
    """The cache's entries of an image: `kind` is "image" (derivatives) or "info"."""
    root = folder / "cache" / kind
    return sorted(p.name for p in root.rglob(f"{identifier_hash(identifier)}_*")) if root.exists() else []


def assert_refused(folder, answer, what):
    assert 500 <= answer.status_code < 600, f"{what}: {answer.status_code} {answer.text[:200]!r}"
    message = answer.text
    assert len(message) <= MAX_MESSAGE and message.count("\n") <= 1, f"{what}: a long message {message!r}"
    assert str(folder) not in message and "/tmp" not in message, f"{what}: the message names a path: {message!r}"
    assert "Traceback" not in message


def pytest_generate_tests(metafunc):
    """One test per damaged file and request: the files are made once to learn their names."""
    if "case_request" in metafunc.fixturenames:
        with tempfile.TemporaryDirectory() as tmp:
            names = [c.name for c in build(Path(tmp))]
        metafunc.parametrize("case_request", [(n, r) for n in names for r in REQUESTS], ids=lambda v: f"{v[0]}:{v[1]}")


def test_a_damaged_image_is_an_error_or_its_intact_pixels(client, folder, cases, case_request):
    name, request = case_request
    case = cases[name]
    expect = case.expect[request]
    answer = client.get(url(name, request))
    what = f"{name} {REQUESTS[request]}"
    if answer.status_code == 200:
        assert expect != ERROR, f"{what}: 200 for a request that reads damaged data"
        if request != "info" or expect == SAME:
            assert same_as_intact(client, case, request, answer), f"{what}: 200 with pixels other than the intact file's"
        return
    assert expect != SAME, f"{what}: {answer.status_code} {answer.text!r} for a request that reads no damaged data"
    assert_refused(folder, answer, what)
    # Not kept: asked again, it fails again.
    again = client.get(url(name, request))
    assert again.status_code == answer.status_code, f"{what}: {again.status_code} when asked again"
    # The worker survives it.
    assert client.get(url("intact-baseline.jpg", "thumb")).status_code == 200


def test_nothing_of_an_image_that_fails_everywhere_is_cached(client, folder, cases):
    failing = [c for c in cases.values() if set(c.expect.values()) == {ERROR}]
    assert failing
    for case in failing:
        for request in REQUESTS:
            client.get(url(case.name, request))
    for case in failing:
        assert cached(folder, case.name, "image") == [], case.name
        assert cached(folder, case.name, "info") == [], case.name


def test_only_the_requests_that_succeed_leave_derivatives(client, folder, cases):
    for case in cases.values():
        made = sum(client.get(url(case.name, r)).status_code == 200 for r in REQUESTS if r != "info")
        assert len(cached(folder, case.name, "image")) <= made, case.name
