"""A derivative cache that fails, on a real server: a folder that cannot be made or a disk that
is full (here: a file size limit, so every write past it fails as on a full disk) leave the
server answering as if there were no cache, with nothing half-written left behind; a cache
path that is a file stops start-up with the reason."""

import shutil
import time

import httpx
import pytest

from casaba.caches.facade import BYPASS_SECONDS
from casaba.settings import SettingsError, load
from casaba.testing import running_server

from .test_http import PHOTO, settings

#: Bytes any file the server writes may have: less than a full-size answer, more than its log.
FILE_LIMIT = 200_000
BIG = "/iiif/3/photo.jpg/full/max/0/default.png"


def test_a_cache_folder_that_cannot_be_made_is_served_without(folder, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache's parent folder should be")
    log = tmp_path / "server.log"
    with running_server(settings(folder, blocker / "cache"), workers=2, log_path=log) as base:
        for _ in range(3):
            assert httpx.get(base + PHOTO, timeout=30).status_code == 200
    assert "cannot be written" in log.read_text()


def test_a_full_disk_is_served_without_the_cache_and_leaves_nothing_half_written(folder, tmp_path):
    cache = tmp_path / "cache"
    limit = [shutil.which("prlimit") or pytest.fail("prlimit is missing (Debian: util-linux)"), f"--fsize={FILE_LIMIT}"]
    with running_server(settings(folder, cache), wrapper=limit) as base:
        first = httpx.get(base + BIG, timeout=60)
        assert first.status_code == 200 and len(first.content) > FILE_LIMIT
        again = httpx.get(base + BIG, timeout=60)
        assert again.status_code == 200 and again.content == first.content
        # The cache is left alone a while after a failure, then tried again: a small answer fits.
        time.sleep(BYPASS_SECONDS + 0.5)
        assert httpx.get(base + PHOTO, timeout=30).status_code == 200
    written = [p for p in (cache / "image").rglob("*") if p.is_file()]
    assert len(written) == 1 and written[0].stat().st_size < FILE_LIMIT and not written[0].name.endswith(".tmp"), written


def test_a_cache_path_that_is_a_file_stops_start_up(tmp_path):
    file = tmp_path / "cache"
    file.write_text("not a folder")
    overrides = {"cache.server.derivative.enabled": "true", "cache.server.derivative": "FilesystemCache", "FilesystemCache.pathname": str(file)}
    with pytest.raises(SettingsError, match="FilesystemCache.pathname = .* is a file, not a folder"):
        load(None, environ={}, overrides=overrides)
