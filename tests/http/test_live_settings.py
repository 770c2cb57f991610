"""Live settings on a real server with several workers: a change saved while it serves (JPEG
quality, a string overlay, the folder of the static source) reaches every worker within a
second, and every request after that sees it; a change that cannot be used is refused and
nothing changes; a file made unusable by hand keeps the settings as they were."""

import asyncio
import io
import re
import time

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.serving import live
from casaba.settings import SettingsError, load
from casaba.settings.write import read, rewrite, write_atomically
from casaba.testing import running_server

WORKERS = 3
#: Requests on new connections after a change, so that the kernel hands them to every worker.
ASKS = 30
TILE = "/iiif/3/photo.jpg/full/500,/0/default"


@pytest.fixture(scope="module")
def folders(tmp_path_factory, images):
    root = tmp_path_factory.mktemp("live")
    (root / "a").mkdir()
    (root / "b").mkdir()
    (root / "a" / "photo.jpg").write_bytes((images / "photo.jpg").read_bytes())
    # Another image under the same identifier, in the other folder.
    Image.open(images / "big.png").convert("RGB").resize((640, 480)).save(root / "b" / "photo.jpg", quality=90)
    return root


@pytest.fixture(scope="module")
def served(folders):
    config, log = folders / "casaba.properties", folders / "server.log"
    settings = {"# The tutorial's configuration": "", "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folders / 'a'}/", "processor.jpg.quality": 80}
    with running_server(settings, workers=WORKERS, config_path=config, log_path=log) as base:
        yield base, config, log


def fresh(base, path):
    """One request on a connection of its own."""
    response = httpx.get(base + path, headers={"connection": "close"}, timeout=30)
    assert response.status_code == 200, response.text
    return response


def every_worker(base, path):
    """The answers to ``ASKS`` requests on new connections."""
    return [fresh(base, path).content for _ in range(ASKS)]


def switches(log):
    """How many times a worker has switched settings, and how many times one refused a file."""
    text = log.read_text(errors="replace")
    return len(re.findall(r"worker \d+: settings changed", text)), text.count("cannot be used")


def until(condition, timeout=10.0):
    """Wait until ``condition()`` holds, asking every 5 ms."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.005)


def save(config, log, changes, shows):
    """Apply ``changes`` as the control panel does. Returns the seconds the save took, and from
    the save until the first answer showing the change (``shows()``) and until every worker
    had switched (by their logs)."""
    switched, _ = switches(log)
    started = time.monotonic()
    asyncio.run(live.apply(load(config), changes))
    saved = time.monotonic()
    until(shows)
    first = time.monotonic() - saved
    until(lambda: switches(log)[0] >= switched + WORKERS)
    return saved - started, first, time.monotonic() - saved


def pixels(content):
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGB")).astype(int)


def test_a_saved_change_reaches_every_worker(served, capsys):
    base, config, log = served
    timings = {}

    before = fresh(base, TILE + ".jpg").content
    timings["processor.jpg.quality"] = save(config, log, {"processor.jpg.quality": "20"}, lambda: fresh(base, TILE + ".jpg").content != before)
    after = every_worker(base, TILE + ".jpg")
    assert len(set(after)) == 1 and len(after[0]) < len(before) * 0.7, "some worker still encodes at the old quality"

    plain_png = fresh(base, TILE + ".png").content
    plain = pixels(plain_png)
    overlay = {
        "overlays.BasicStrategy.enabled": "true",
        "overlays.BasicStrategy.type": "string",
        "overlays.BasicStrategy.string": "Casaba ✓",
        "overlays.BasicStrategy.string.font.size": "40",
        "overlays.BasicStrategy.position": "bottom right",
    }
    timings["overlays.BasicStrategy.*"] = save(config, log, overlay, lambda: fresh(base, TILE + ".png").content != plain_png)
    answers = every_worker(base, TILE + ".png")
    assert len(set(answers)) == 1, "some worker draws no overlay"
    drawn = pixels(answers[0])
    assert np.array_equal(drawn[:150, :250], plain[:150, :250]), "the overlay is drawn elsewhere than bottom right"
    assert np.abs(drawn[-60:, -200:] - plain[-60:, -200:]).mean() > 10, "no overlay at the bottom right"

    width = lambda: fresh(base, "/iiif/3/photo.jpg/info.json").json()["width"]  # noqa: E731
    assert width() == 1000
    timings["FilesystemSource path_prefix"] = save(
        config, log, {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{config.parent / 'b'}/"}, lambda: width() == 640
    )
    assert {fresh(base, "/iiif/3/photo.jpg/info.json").json()["width"] for _ in range(ASKS)} == {640}

    text = read(config)
    assert text.startswith("# The tutorial's configuration =") and "processor.jpg.quality = 20" in text
    with capsys.disabled():
        for key, (writing, first, everyone) in timings.items():
            print(f"\n{key}: written in {writing * 1000:.0f} ms; then first answer showing it {first * 1000:.0f} ms, every worker switched {everyone * 1000:.0f} ms")
    for _, first, everyone in timings.values():
        assert everyone < 2.0, "a worker took more than two seconds to switch"


def test_a_change_that_cannot_be_used_changes_nothing(served):
    base, config, log = served
    before, answer = config.read_bytes(), fresh(base, TILE + ".jpg").content
    for changes, message in [
        ({"processor.jpg.quality": "0"}, "processor.jpg.quality = '0'"),
        ({"http.port": "8183"}, "http.port cannot change while the server runs: it needs a restart"),
    ]:
        with pytest.raises(SettingsError, match=re.escape(message)):
            asyncio.run(live.apply(load(config), changes))
        assert config.read_bytes() == before
    time.sleep(3 * live.INTERVAL)
    assert set(every_worker(base, TILE + ".jpg")) == {answer}


def test_a_file_broken_by_hand_keeps_the_settings_as_they_were(served):
    base, config, log = served
    answer = fresh(base, TILE + ".jpg").content
    good = read(config)
    _, refused = switches(log)
    write_atomically(config, rewrite(good, {"processor.jpg.quality": "1000"}))
    until(lambda: switches(log)[1] >= refused + WORKERS)
    assert set(every_worker(base, TILE + ".jpg")) == {answer}
    switched, _ = switches(log)
    write_atomically(config, rewrite(good, {"processor.jpg.quality": "60"}))
    until(lambda: switches(log)[0] >= switched + WORKERS)
    assert answer not in every_worker(base, TILE + ".jpg")
