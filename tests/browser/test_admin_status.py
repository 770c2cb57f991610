"""The control panel's status and caches in headless Chromium against a real server with two
workers: the requests made show in the status; "Purge everything" empties the derivative cache
and its size drops to nothing; on a phone's screen nothing runs off the side; every control
has a label, and the keyboard alone can change a setting and save it."""

import time

import httpx
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from casaba.testing import running_server
from tests.browser.test_admin_panel import gradient, log_in, waited
from tests.http.test_admin_status import SECRET, USER, cells, rows, settings_for


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("status")
    Image.fromarray(gradient(1000, 700)).save(folder / "photo.jpg", quality=92)
    with running_server(settings_for(folder, folder), workers=2, config_path=folder / "casaba.properties") as base:
        yield base, folder


@pytest.fixture
def browser_in(browser, site):
    log_in(browser, USER, SECRET)
    yield browser
    browser.set_window_size(1100, 900)
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


def shown_when(browser, url, ready, timeout=10.0):
    """The page at ``url``, loaded again until ``ready(page source)`` holds."""
    deadline = time.monotonic() + timeout
    browser.get(url)
    # Loading the same URL again would only move to its fragment: reload it.
    while not ready(browser.page_source) and time.monotonic() < deadline:
        time.sleep(0.3)
        browser.refresh()
    return browser.page_source


def test_the_status_shows_the_requests_and_a_purge_empties_the_cache(browser_in, site, screenshot):
    browser = browser_in
    base, folder = site
    for n in range(12):
        assert httpx.get(f"{base}/iiif/3/photo.jpg/full/{200 + n},/0/default.jpg", headers={"connection": "close"}).status_code == 200

    def derivatives(page):
        return rows(page, "Caches since start")["Derivatives: FilesystemCache"]

    page = shown_when(browser, f"{base}/admin#status", lambda p: rows(p, "Requests since start, by endpoint").get("iiif3-image", ["0"])[0] == "12")
    assert rows(page, "Requests since start, by endpoint")["iiif3-image"][:3] == ["12", "0", "0"]
    assert len(cells(page, "Workers")) == 2
    screenshot("status")

    page = shown_when(browser, f"{base}/admin#caches", lambda p: derivatives(p)[0] not in ("0 bytes", "not measured"))
    assert derivatives(page)[0] not in ("0 bytes", "not measured")
    purge = browser.find_element(By.CSS_SELECTOR, "form.purges button[value=PurgeCache]")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", purge)
    screenshot("caches-before-purge")
    purge.click()
    notice = waited(browser, By.CSS_SELECTOR, "#caches .notice")
    assert notice.text == "Purged: every worker has forgotten it."
    assert not [p for p in (folder / "cache" / "image").rglob("*") if p.is_file()]
    page = shown_when(browser, f"{base}/admin?purged=caches#caches", lambda p: derivatives(p)[0] == "0 bytes")
    assert derivatives(page)[0] == "0 bytes"
    browser.execute_script("document.getElementById('caches').scrollIntoView()")
    screenshot("caches-purged")


def test_on_a_phone_nothing_runs_off_the_side(browser_in, site, screenshot):
    browser = browser_in
    base, _ = site
    browser.set_window_size(390, 844)
    browser.get(f"{base}/admin")
    width = browser.execute_script("return document.documentElement.clientWidth")
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    # Nothing sticks out of the page either (a table scrolls inside its own box).
    beyond = browser.execute_script(
        """return [...document.querySelectorAll('body *')]
            .filter(e => !e.closest('.table') && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
            .map(e => e.tagName + '#' + e.id + '.' + e.className)"""
    )
    assert beyond == []
    screenshot("phone-status")
    for name in ("source", "caches", "overlays"):
        section = browser.find_element(By.ID, name)
        browser.execute_script("arguments[0].scrollIntoView()", section)
        screenshot(f"phone-{name}")


def test_every_control_is_labelled_and_the_keyboard_saves(browser_in, site, screenshot):
    browser = browser_in
    base, folder = site
    browser.get(f"{base}/admin")
    unlabelled = browser.execute_script(
        """return [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
            .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
            .map(e => e.outerHTML)"""
    )
    assert unlabelled == []
    # From the top of the page, Tab reaches the areas' links first.
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("href").endswith("#status")

    enabled = browser.find_element(By.ID, "k-overlays.BasicStrategy.enabled")
    browser.execute_script("arguments[0].focus()", enabled)
    browser.switch_to.active_element.send_keys(Keys.SPACE)
    # Typing a letter on a select picks the option that starts with it.
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == "k-overlays.BasicStrategy.type"
    browser.switch_to.active_element.send_keys("s")
    string = browser.find_element(By.ID, "k-overlays.BasicStrategy.string")
    browser.execute_script("arguments[0].focus()", string)
    browser.switch_to.active_element.send_keys(Keys.CONTROL, "a")
    browser.switch_to.active_element.send_keys("Typed, not clicked", Keys.ENTER)
    notice = waited(browser, By.CSS_SELECTOR, "#overlays .notice")
    assert notice.text.startswith("Saved.")
    assert "overlays.BasicStrategy.string = Typed, not clicked" in (folder / "casaba.properties").read_text()
    assert browser.find_element(By.ID, "k-overlays.BasicStrategy.enabled").is_selected()
