"""Live settings in one worker, without the server: ``apply`` checks and writes a change, the
app's watcher sees the file change and switches generations, carrying over what it can."""

import asyncio
import logging
from contextlib import contextmanager

import pytest

from casaba.app import App
from casaba.delegates.loading import configure
from casaba.serving import live
from casaba.settings import Settings, SettingsError, load
from casaba.settings.write import read, write_atomically

START = (
    "# The tutorial's configuration\n"
    "! with comments of both kinds\n"
    "\n"
    "processor.jpg.quality = 80\n"
    "cache.server.derivative.enabled = true\n"
    "cache.server.derivative = HeapCache\n"
    "FilesystemSource.BasicLookupStrategy.path_prefix = {images}/\n"
)


@pytest.fixture
def config(tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "other").mkdir()
    path = tmp_path / "casaba.properties"
    path.write_text(START.format(images=tmp_path / "images"))
    return path


@contextmanager
def worker(path):
    """An app as a worker makes it, with the loop Granian would give it."""
    loop = asyncio.new_event_loop()
    app = App(*configure(path))
    try:
        yield app, loop
    finally:
        app.__rsgi_del__(loop)
        loop.close()


def test_a_change_is_written_with_the_comments_kept_and_taken_by_the_next_generation(config):
    with worker(config) as (app, loop):
        first = app.iiif
        assert loop.run_until_complete(app.watcher.check()) is False, "nothing changed yet"
        new = loop.run_until_complete(live.apply(app.settings, {"processor.jpg.quality": "55", "overlays.BasicStrategy.string": "© Casaba"}))
        assert new.processor.jpg_quality == 55
        text = read(config)
        assert text.startswith("# The tutorial's configuration\n! with comments of both kinds\n\nprocessor.jpg.quality = 55\n")
        assert text.endswith("overlays.BasicStrategy.string = \\u00a9 Casaba\n")
        assert app.iiif is first, "a worker switches when its watcher looks"
        assert loop.run_until_complete(app.watcher.check()) is True
        second = app.iiif
        assert second.settings.processor.jpg_quality == 55
        assert second.settings.overlays.string == "© Casaba"
        # Parts whose sections did not change are carried over: the heap cache keeps its entries.
        assert second.caches is first.caches and second.retrieval is first.retrieval
        assert second.delegates is not first.delegates
        assert loop.run_until_complete(app.watcher.check()) is False, "the same file again is no change"

        loop.run_until_complete(live.apply(app.settings, {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{config.parent / 'other'}/"}))
        assert loop.run_until_complete(app.watcher.check()) is True
        third = app.iiif
        # Another folder: the image infos kept in memory were of the old folder's images.
        assert third.caches is not second.caches
        assert third.retrieval is second.retrieval, "how remote images are read did not change"
        assert third.settings.filesystem_source.path_prefix == f"{config.parent / 'other'}/"


def test_removing_a_key_brings_back_its_default(config):
    with worker(config) as (app, loop):
        loop.run_until_complete(live.apply(app.settings, {"processor.jpg.quality": None}))
        assert "jpg.quality" not in read(config)
        loop.run_until_complete(app.watcher.check())
        assert app.settings.processor.jpg_quality == 80 == load(None, environ={}).processor.jpg_quality


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"processor.jpg.quality": "101"}, r"processor.jpg.quality = '101' \(the change\) is not allowed: expected an integer from 1 to 100"),
        ({"processor.jpg.quality": "90", "overlays.BasicStrategy.position": "middle earth"}, "overlays.BasicStrategy.position"),
        ({"source.static": "HttpSource"}, "HttpSource.BasicLookupStrategy.url_prefix"),
        ({"overlays.BasicStrategy.enabled": "true", "overlays.BasicStrategy.type": "image"}, "overlays.BasicStrategy.image is not set"),
        ({"delegate_script.enabled": "true", "delegate_script.pathname": "nowhere.py"}, "delegate_script.pathname = 'nowhere.py': no such file"),
        ({"no.such.key": "1"}, "unknown configuration key no.such.key"),
        ({"http.port": "9000"}, "http.port cannot change while the server runs: it needs a restart"),
        ({"http.workers": "4", "processor.jpg.quality": "90"}, "http.workers .* needs a restart"),
    ],
)
def test_a_change_that_cannot_be_used_is_refused_and_nothing_is_written(config, changes, message):
    before = config.read_bytes()
    with worker(config) as (app, loop):
        with pytest.raises(SettingsError, match=message):
            loop.run_until_complete(live.apply(app.settings, changes))
        assert config.read_bytes() == before
        assert loop.run_until_complete(app.watcher.check()) is False


def test_a_key_the_environment_sets_is_refused(config, monkeypatch):
    monkeypatch.setenv("CASABA_PROCESSOR_JPG_QUALITY", "70")
    with worker(config) as (app, loop):
        with pytest.raises(SettingsError, match="CASABA_PROCESSOR_JPG_QUALITY, which wins over the file"):
            loop.run_until_complete(live.apply(app.settings, {"processor.jpg.quality": "50"}))


def test_without_a_configuration_file_there_is_nothing_to_write_to():
    with pytest.raises(SettingsError, match="without a configuration file"):
        asyncio.run(live.apply(Settings(), {"processor.jpg.quality": "50"}))


def test_a_file_that_no_longer_loads_keeps_the_generation_and_says_why(config, caplog):
    with worker(config) as (app, loop):
        first = app.iiif
        write_atomically(config, read(config).replace("quality = 80", "quality = 0"))
        with caplog.at_level(logging.ERROR, logger="casaba"):
            assert loop.run_until_complete(app.watcher.check()) is False
        assert app.iiif is first
        assert "processor.jpg.quality = '0'" in caplog.text and "serving with the settings as they were" in caplog.text
        write_atomically(config, read(config).replace("quality = 0", "quality = 30"))
        assert loop.run_until_complete(app.watcher.check()) is True
        assert app.settings.processor.jpg_quality == 30


def test_a_key_needing_a_restart_changed_by_hand_keeps_its_running_value(config, caplog):
    with worker(config) as (app, loop):
        write_atomically(config, read(config) + "http.port = 9000\nprocessor.jpg.quality = 40\n")
        with caplog.at_level(logging.WARNING, logger="casaba"):
            assert loop.run_until_complete(app.watcher.check()) is True
        assert app.settings.http.port == 8182 and app.settings.processor.jpg_quality == 40
        assert "http.port cannot change while the server runs" in caplog.text


def test_an_old_generation_is_closed_once_its_requests_are_done(config, monkeypatch):
    monkeypatch.setattr(live, "GRACE", 0.0)
    with worker(config) as (app, loop):
        loop.run_until_complete(live.apply(app.settings, {"source.static": "HttpSource", "HttpSource.BasicLookupStrategy.url_prefix": "http://127.0.0.1:9/"}))
        loop.run_until_complete(app.watcher.check())
        old = app.iiif
        old.active += 1  # a request under way, as App.__call__ counts it
        loop.run_until_complete(live.apply(app.settings, {"HttpSource.BasicLookupStrategy.url_prefix": "http://127.0.0.1:10/"}))
        loop.run_until_complete(app.watcher.check())
        assert app.iiif is not old
        loop.run_until_complete(asyncio.sleep(3 * live.INTERVAL))
        assert not old.delegates.sources.client.is_closed, "closed under a request"
        old.active -= 1
        loop.run_until_complete(asyncio.sleep(3 * live.INTERVAL))
        assert old.delegates.sources.client.is_closed
        assert not app.iiif.delegates.sources.client.is_closed
