"""The control panel's status on a real server with two workers: every worker's requests,
errors and latency added up, both workers and their memory, the caches' sizes and hit rates, the
last server errors; and the purge buttons, which purge what the task API's verbs purge."""

import re
import time
from html import unescape

import httpx
import pytest

from casaba.testing import running_server

USER, SECRET = "admin", "status-secret-42"
DELEGATE = """
from casaba.delegates import Delegate


class CustomDelegate(Delegate):
    def pre_authorize(self):
        if self.context["identifier"] == "raises.jpg":
            raise RuntimeError("the rules are broken")
        return True
"""


def settings_for(images, folder):
    """A panel, a derivative cache in ``folder`` and a delegate that fails for one image."""
    (folder / "delegates.py").write_text(DELEGATE)
    return {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "endpoint.admin.enabled": "true",
        "endpoint.admin.username": USER,
        "endpoint.admin.secret": SECRET,
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "FilesystemCache",
        "FilesystemCache.pathname": str(folder / "cache"),
        "delegate_script.enabled": "true",
        "delegate_script.pathname": str(folder / "delegates.py"),
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory, images):
    folder = tmp_path_factory.mktemp("status")
    with running_server(settings_for(images, folder), workers=2) as base:
        yield base, folder / "cache"


@pytest.fixture(scope="module")
def admin(server):
    with httpx.Client(base_url=server[0], auth=(USER, SECRET), timeout=30) as client:
        yield client


def cells(page: str, caption: str) -> list[list[str]]:
    """The body rows of the table with ``caption``, as text."""
    found = re.search(rf"<caption>{re.escape(caption)}</caption>.*?<tbody>(.*?)</tbody>", page, re.S)
    assert found, f"no table {caption!r}"
    return [
        [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    ]


def rows(page: str, caption: str) -> dict[str, list[str]]:
    """The rows of the table with ``caption``, by their first cell."""
    return {row[0]: row[1:] for row in cells(page, caption)}


def status_when(admin, ready, timeout=5.0):
    """The panel once ``ready(page)`` holds (the workers move their counts every second)."""
    deadline = time.monotonic() + timeout
    while True:
        page = admin.get("/admin").text
        if ready(page) or time.monotonic() > deadline:
            return page
        time.sleep(0.2)


def test_requests_errors_and_latency_of_every_worker_add_up(server, admin):
    base, _ = server
    # New connections: the load balancer of Granian's workers spreads them.
    for n in range(20):
        assert httpx.get(f"{base}/iiif/3/photo.jpg/full/{100 + n},/0/default.jpg").status_code == 200
    for _ in range(5):
        assert httpx.get(f"{base}/iiif/3/missing.jpg/info.json").status_code == 404
    for _ in range(3):
        assert httpx.get(f"{base}/iiif/3/raises.jpg/full/max/0/default.jpg").status_code == 500

    def counted(page):
        table = rows(page, "Requests since start, by endpoint")
        return table.get("iiif3-image", ["0"])[0] == "23" and table.get("iiif3-info", ["0"])[0] == "5"

    page = status_when(admin, counted)
    table = rows(page, "Requests since start, by endpoint")
    image, info = table["iiif3-image"], table["iiif3-info"]
    assert image[:3] == ["23", "0", "3"], image
    assert info[:3] == ["5", "5", "0"], info
    for latency in image[3:]:
        assert re.fullmatch(r"[\d.]+ (ms|s)", latency), latency
    workers = rows(page, "Workers")
    assert len(workers) == 2, workers
    for started, memory in workers.values():
        assert started.endswith("UTC") and memory.endswith("MB"), (started, memory)
    assert "<strong>2</strong> workers running" in page

    errors = cells(page, "The last server errors of every worker, the newest first")
    assert len(errors) == 3
    for _, status, request, reason, pid in errors:
        assert status == "500" and request == "GET /iiif/3/raises.jpg/full/max/0/default.jpg"
        assert "the rules are broken" in reason and pid in workers


def test_caches_show_their_size_and_hit_rate_and_purge(server, admin):
    base, cache = server
    for _ in range(3):
        for size in (64, 96):
            assert httpx.get(f"{base}/iiif/3/alpha.png/full/{size},/0/default.png").status_code == 200

    def derivatives(page):
        return rows(page, "Caches since start")["Derivatives: FilesystemCache"]

    page = status_when(admin, lambda p: derivatives(p)[0] not in ("0 bytes", "not measured") and int(derivatives(p)[1]) >= 4)
    size, hits, misses, rate = derivatives(page)
    assert size.endswith(("bytes", "KB")) and size != "0 bytes"
    # Each of the two derivatives is made once (a miss) and then found (the rest).
    assert int(hits) == 4 and int(misses) >= 2 and rate.endswith("%")
    assert any((cache / "image").rglob("*"))

    token = re.search(r'name="_token" value="([0-9a-f]+)"', page).group(1)
    purged = admin.post("/admin", data={"_action": "purge", "_token": token, "verb": "PurgeCache"})
    assert purged.status_code == 303 and purged.headers["location"] == "admin?purged=caches#caches"
    assert not [p for p in (cache / "image").rglob("*") if p.is_file()]
    assert "Purged: every worker has forgotten it." in admin.get("/admin?purged=caches").text
    page = status_when(admin, lambda p: derivatives(p)[0] == "0 bytes")
    assert derivatives(page)[0] == "0 bytes"


def test_a_purge_names_a_verb_and_an_image_and_comes_from_the_panel(admin):
    token = re.search(r'name="_token" value="([0-9a-f]+)"', admin.get("/admin").text).group(1)
    assert admin.post("/admin", data={"_action": "purge", "_token": token, "verb": "PurgeEverything"}).status_code == 400
    assert admin.post("/admin", data={"_action": "purge", "_token": token, "verb": "PurgeItemFromCache"}).status_code == 400
    assert admin.post("/admin", data={"_action": "purge", "_token": "0" * 64, "verb": "PurgeCache"}).status_code == 403
    one = admin.post("/admin", data={"_action": "purge", "_token": token, "verb": "PurgeItemFromCache", "identifier": "photo.jpg"})
    assert one.status_code == 303
