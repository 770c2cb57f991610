"""The landing page's viewer in headless Chromium against a real server: it opens an identifier,
draws the thumbnail and then the tiles of the level the zoom needs, zooms with its buttons and the
keyboard, and says so when an identifier names no image; no script errors on the way."""

import subprocess
import time

import numpy as np
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from casaba.testing import running_server


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("viewer")
    y, x = np.mgrid[0:3000, 0:4000]
    picture = np.stack([x * 255 // 3999, y * 255 // 2999, (x // 250 + y // 250) % 2 * 255], axis=-1).astype(np.uint8)
    Image.fromarray(picture).save(folder / "big.png")
    subprocess.run(
        ["vips", "tiffsave", str(folder / "big.png"), str(folder / "big.tif"), "--tile", "--pyramid", "--compression", "jpeg",
         "--tile-width", "256", "--tile-height", "256"],
        check=True,
    )  # fmt: skip
    with running_server({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/"}) as base:
        yield base


def wait_for(browser, condition, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s; the page says: {status(browser)!r}")


def status(browser):
    return browser.find_element(By.CSS_SELECTOR, ".status").text


def tiles_asked(browser):
    """The IIIF image requests the page has made, as region/size paths."""
    names = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [n.split("/iiif/3/big.tif/")[1] for n in names if "/iiif/3/big.tif/" in n and not n.endswith("info.json")]


def test_the_viewer_opens_zooms_and_draws_tiles(browser, site, screenshot):
    browser.get(f"{site}/?id=big.tif")
    wait_for(browser, lambda: "4000 × 3000 pixels" in status(browser))
    # The whole image fits: the thumbnail and the coarsest tiles.
    wait_for(browser, lambda: any(t.startswith("full/") for t in tiles_asked(browser)))
    screenshot("whole")
    canvas = browser.find_element(By.CSS_SELECTOR, "canvas")
    centre = browser.execute_script(
        "const c = arguments[0]; return Array.from(c.getContext('2d').getImageData(c.width / 2, c.height / 2, 1, 1).data)", canvas
    )
    assert centre[3] == 255, "the image is drawn"
    for _ in range(4):
        browser.find_element(By.CSS_SELECTOR, "[data-zoom=in]").click()
    wait_for(browser, lambda: "Loading" not in status(browser) and "%" in status(browser))
    # At more than 100 %, tiles come from full resolution: a 256-pixel region at 256 pixels.
    full_resolution = [t for t in tiles_asked(browser) if t.split("/")[0].endswith(",256,256") and t.split("/")[1] == "256,"]
    assert full_resolution, tiles_asked(browser)
    screenshot("zoomed")
    canvas.send_keys("0")
    wait_for(browser, lambda: "shown at" in status(browser) and int(status(browser).split("shown at ")[1].rstrip(" %")) < 50)
    canvas.send_keys(Keys.ARROW_RIGHT, "+")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_an_unknown_identifier_is_said_plainly(browser, site, screenshot):
    browser.get(f"{site}/")
    field = browser.find_element(By.ID, "id")
    field.send_keys("no-such-image.tif", Keys.ENTER)
    wait_for(browser, lambda: "No image has the identifier" in status(browser))
    assert browser.current_url.endswith("?id=no-such-image.tif")
    screenshot("unknown")
