"""The Overlays area's live preview in headless Chromium, against a real server whose static
source is HttpSource (an origin that is not there: the preview reads the demo folder, a fresh one
it draws its chart in): typing a string shows it on the preview image, unsaved; a bad font size
shows the server's reason. Kept as screenshots."""

import io
import time

import httpx
import numpy as np
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from casaba.testing import free_port, running_server
from tests.browser.test_admin_panel import SECRET, USER, log_in, logged_in, type_into  # noqa: F401 (logged_in is a fixture)

STRING = "Seen as you type"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("preview")
    settings = {
        "source.static": "HttpSource",
        "HttpSource.BasicLookupStrategy.url_prefix": f"http://127.0.0.1:{free_port()}/",
        "endpoint.admin.enabled": "true",
        "endpoint.admin.username": USER,
        "endpoint.admin.secret": SECRET,
    }
    with running_server(settings, workers=2, env={"XDG_DATA_HOME": str(folder)}) as base:
        yield base


def shown(browser, timeout=15.0, **wanted):
    """The preview's state (its image's src, whether it has loaded, its status and classes) once
    every one of ``wanted``'s tests holds."""
    deadline = time.monotonic() + timeout
    while True:
        state = browser.execute_script(
            """const f = document.getElementById("preview"), img = f.querySelector("img"), s = f.querySelector(".status");
            return {src: img.src, loaded: img.complete && img.naturalWidth > 0 && !f.hasAttribute("aria-busy"),
                    status: s.textContent, error: s.classList.contains("error"), stale: f.classList.contains("stale"), alt: img.alt};"""
        )
        if all(test(state[name]) for name, test in wanted.items()):
            return state
        assert time.monotonic() < deadline, state
        time.sleep(0.05)


def pixels(base, src):
    """The preview image at ``src``, fetched again (it is the same for the same values)."""
    answer = httpx.get(src, auth=(USER, SECRET), timeout=30)
    assert answer.status_code == 200 and src.startswith(f"{base}/admin/preview.jpg?")
    return np.asarray(Image.open(io.BytesIO(answer.content)).convert("RGB")).astype(int)


def test_the_preview_follows_the_form(logged_in, site, screenshot):
    browser, base = logged_in, site
    log_in(browser, USER, SECRET)
    browser.get(f"{base}/admin#overlays")
    before = shown(browser, loaded=bool, status=lambda s: s.startswith("No overlay: Basic Strategy Enabled is off"))
    plain = pixels(base, before["src"])

    enabled = browser.find_element(By.ID, "k-overlays.BasicStrategy.enabled")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", enabled)
    enabled.click()
    Select(browser.find_element(By.ID, "k-overlays.BasicStrategy.type")).select_by_value("string")
    type_into(browser, "overlays.BasicStrategy.string", STRING)
    type_into(browser, "overlays.BasicStrategy.string.font.size", "40")
    drawn = shown(browser, loaded=bool, src=lambda src: "font.size=40" in src and STRING.replace(" ", "+") in src)
    assert drawn["status"] == f"Draws the string “{STRING}” at bottom right." and not drawn["error"]
    assert drawn["alt"] == f"The demo test chart, 800 × 600, with the string “{STRING}” at bottom right."
    seen = pixels(base, drawn["src"])
    assert np.abs(seen[-60:, -400:] - plain[-60:, -400:]).mean() > 10, "no text at the bottom right"
    assert np.array_equal(seen[:100, :200], plain[:100, :200]), "drawn elsewhere than bottom right"
    browser.execute_script("document.getElementById('overlays').scrollIntoView()")
    screenshot("overlays-preview")

    type_into(browser, "overlays.BasicStrategy.string.font.size", "0")
    refused = shown(browser, error=bool, stale=bool)
    assert refused["status"].startswith("No preview: overlays.BasicStrategy.string.font.size = '0'"), refused
    assert refused["src"] == drawn["src"], "the image changed although the values were refused"
    screenshot("overlays-preview-refused")

    type_into(browser, "overlays.BasicStrategy.string.font.size", "24")
    shown(browser, loaded=bool, error=lambda e: not e, src=lambda src: "font.size=24" in src)
    # Nothing was saved: the page loaded again (not at the same address, which would only
    # scroll) has the saved settings' preview.
    browser.get(f"{base}/admin")
    shown(browser, loaded=bool, status=lambda s: s.startswith("No overlay: Basic Strategy Enabled is off"))
