"""The control panel in headless Chromium against a real server with two workers and a
configuration file, walking the tutorial's steps: log in (a wrong password is refused), tick
"Basic Strategy Enabled", choose the string type and type the tutorial's text, save, and see the
overlay on images from every worker; then an image overlay from an "Image File"; then "Delegate Script Enabled" with a
script that redacts a corner; then the static
source switched to HttpSource with a "URL Prefix" of a loopback origin, then to S3Source with a
"Bucket Name", "Access Key ID" and "Secret Key" (moto's S3 server). Each area is kept as a
screenshot."""

import base64
import io
import time

import httpx
import numpy as np
import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from casaba.testing import running_server
from tests.sources.origins import Behaviour, Moto, Origin

USER, SECRET = "admin", "test"
WORKERS = 2
#: Requests on new connections after a save, so that the kernel hands them to every worker.
ASKS = 16
IMAGE = "/iiif/3/photo.jpg/full/500,/0/default.png"


def gradient(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 255 // (w - 1), y * 255 // (h - 1), np.full((h, w), 90)], axis=-1).astype(np.uint8)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("panel")
    Image.fromarray(gradient(1000, 700)).save(folder / "photo.jpg", quality=92)
    logo = np.zeros((90, 90, 4), np.uint8)
    logo[..., 0], logo[..., 3] = 255, 255  # opaque red
    Image.fromarray(logo, "RGBA").save(folder / "logo.png")
    config = folder / "casaba.properties"
    settings = {
        "# The tutorial's configuration": "",
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "endpoint.admin.enabled": "true",
        "endpoint.admin.username": USER,
        "endpoint.admin.secret": SECRET,
    }
    with running_server(settings, workers=WORKERS, config_path=config) as base:
        yield base, folder, config


def log_in(browser, user, password):
    """Send HTTP Basic credentials with every request the browser makes (URL credentials are
    not sent for the page's style sheet)."""
    credentials = base64.b64encode(f"{user}:{password}".encode()).decode()
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {credentials}"}})


@pytest.fixture
def logged_in(browser):
    yield browser
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
    # The refusals (401, 400) are logged as errors: they are not the next test's.
    browser.get_log("browser")


def fresh(base, path=IMAGE):
    response = httpx.get(base + path, headers={"connection": "close"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.content


def pixels(content):
    return np.asarray(Image.open(io.BytesIO(content)).convert("RGB")).astype(int)


def every_worker(base, path=IMAGE):
    """The distinct answers to ``ASKS`` requests on new connections."""
    return {fresh(base, path) for _ in range(ASKS)}


def area(browser, name):
    return browser.find_element(By.ID, name)


def save(browser, name, screenshot):
    """Press the area's save button and wait for the panel to come back saying so."""
    area(browser, name).find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    deadline = time.monotonic() + 15
    while f"saved={name}" not in browser.current_url:
        assert time.monotonic() < deadline, browser.page_source[:2000]
        time.sleep(0.05)
    notice = area(browser, name).find_element(By.CSS_SELECTOR, ".notice").text
    assert notice.startswith("Saved."), notice
    screenshot(f"{name}-saved")


def waited(browser, by, value, timeout=15.0):
    """The element once the page that holds it has come (a click's navigation is not waited
    for)."""
    deadline = time.monotonic() + timeout
    while not (found := browser.find_elements(by, value)):
        assert time.monotonic() < deadline, browser.page_source[:2000]
        time.sleep(0.05)
    return found[0]


def type_into(browser, key, text):
    field = browser.find_element(By.ID, f"k-{key}")
    field.clear()
    field.send_keys(text)


def test_a_wrong_password_is_refused(logged_in, site):
    base, _, _ = site
    log_in(logged_in, USER, "wrong")
    logged_in.get(f"{base}/admin")
    # Headless Chromium answers the 401's challenge with no page at all: nothing of the panel.
    assert not logged_in.find_elements(By.TAG_NAME, "form")
    assert "control panel" not in logged_in.page_source


def test_the_tutorial_steps_through_the_panel(logged_in, site, screenshot):
    browser = logged_in
    base, folder, config = site
    log_in(browser, USER, SECRET)
    browser.get(f"{base}/admin")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("Casaba control panel")
    for section in browser.find_elements(By.CSS_SELECTOR, "main.panel > section"):
        browser.execute_script("arguments[0].scrollIntoView()", section)
        screenshot(f"area-{section.get_attribute('id')}")
    plain_png = fresh(base)
    plain = pixels(plain_png)

    # Overlays: a string.
    enabled = browser.find_element(By.ID, "k-overlays.BasicStrategy.enabled")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", enabled)
    assert browser.find_element(By.CSS_SELECTOR, "label[for='k-overlays.BasicStrategy.enabled']").text == "Basic Strategy Enabled"
    enabled.click()
    Select(browser.find_element(By.ID, "k-overlays.BasicStrategy.type")).select_by_value("string")
    type_into(browser, "overlays.BasicStrategy.string", "My DHSI Images 2024")
    type_into(browser, "overlays.BasicStrategy.string.font.size", "36")
    save(browser, "overlays", screenshot)
    assert browser.find_element(By.ID, "k-overlays.BasicStrategy.enabled").is_selected()
    text = config.read_text()
    assert text.startswith("# The tutorial's configuration") and "overlays.BasicStrategy.string = My DHSI Images 2024" in text
    answers = every_worker(base)
    assert len(answers) == 1 and plain_png not in answers, "some worker draws no overlay"
    drawn = pixels(answers.pop())
    assert np.array_equal(drawn[:150, :250], plain[:150, :250]), "the overlay is drawn elsewhere than bottom right"
    assert np.abs(drawn[-60:, -250:] - plain[-60:, -250:]).mean() > 10, "no text at the bottom right"

    # Overlays: an image file.
    Select(browser.find_element(By.ID, "k-overlays.BasicStrategy.type")).select_by_value("image")
    type_into(browser, "overlays.BasicStrategy.image", str(folder / "logo.png"))
    save(browser, "overlays", screenshot)
    answers = every_worker(base)
    assert len(answers) == 1, "the workers draw different overlays"
    corner = pixels(answers.pop())[-90:, -90:]
    assert (np.abs(corner - [255, 0, 0]).max(axis=-1) < 8).mean() > 0.9, "no red logo at the bottom right"

    # A bad value is refused beside its field, and nothing changes.
    before = config.read_bytes()
    type_into(browser, "overlays.BasicStrategy.position", "sideways")
    area(browser, "overlays").find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    error = waited(browser, By.ID, "e-overlays.BasicStrategy.position")
    assert "overlays.BasicStrategy.position = 'sideways'" in error.text and "bottom right" in error.text
    assert browser.find_element(By.ID, "k-overlays.BasicStrategy.position").get_attribute("value") == "sideways"
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", error)
    screenshot("overlays-refused")
    assert config.read_bytes() == before


DELEGATE = """
class CustomDelegate:
    def redactions(self):
        return [{"x": 0, "y": 0, "width": 200, "height": 200, "color": "#0000FF"}]
"""


def test_the_delegate_script_is_enabled(logged_in, site, screenshot):
    browser = logged_in
    base, folder, _ = site
    (folder / "delegates.py").write_text(DELEGATE)
    log_in(browser, USER, SECRET)
    browser.get(f"{base}/admin#delegates")
    enabled = browser.find_element(By.ID, "k-delegate_script.enabled")
    assert browser.find_element(By.CSS_SELECTOR, "label[for='k-delegate_script.enabled']").text == "Delegate Script Enabled"
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", enabled)
    enabled.click()
    type_into(browser, "delegate_script.pathname", str(folder / "delegates.py"))
    save(browser, "delegates", screenshot)
    answers = every_worker(base)
    assert len(answers) == 1, "the workers answer differently"
    corner = pixels(answers.pop())[:95, :95]
    assert (np.abs(corner - [0, 0, 255]).max(axis=-1) < 8).all(), "the delegate's redaction is not drawn"


def jpeg(width, height):
    data = io.BytesIO()
    Image.fromarray(gradient(width, height)[:, ::-1].copy()).save(data, "JPEG", quality=90)
    return data.getvalue()


def widths(base):
    """The widths of photo.jpg as ``ASKS`` requests on new connections see it."""
    return {httpx.get(base + "/iiif/3/photo.jpg/info.json", headers={"connection": "close"}).json()["width"] for _ in range(ASKS)}


def test_the_static_source_switches_to_http_then_s3(logged_in, site, screenshot, tmp_path):
    browser = logged_in
    base, folder, config = site
    origin = Origin({"photo.jpg": jpeg(640, 480)}, Behaviour())
    moto = Moto(tmp_path)
    try:
        log_in(browser, USER, SECRET)
        browser.get(f"{base}/admin#source")
        Select(browser.find_element(By.ID, "k-source.static")).select_by_value("HttpSource")
        type_into(browser, "HttpSource.BasicLookupStrategy.url_prefix", origin.url)
        assert browser.find_element(By.CSS_SELECTOR, "label[for='k-HttpSource.BasicLookupStrategy.url_prefix']").text == "URL Prefix"
        save(browser, "source", screenshot)
        assert widths(base) == {640}, "some worker still reads the folder"

        s3 = moto.client()
        s3.create_bucket(Bucket="dhsi")
        s3.put_object(Bucket="dhsi", Key="photo.jpg", Body=jpeg(320, 240))
        Select(browser.find_element(By.ID, "k-source.static")).select_by_value("S3Source")
        type_into(browser, "S3Source.endpoint", moto.endpoint)
        type_into(browser, "S3Source.region", "us-east-1")
        type_into(browser, "S3Source.BasicLookupStrategy.bucket.name", "dhsi")
        type_into(browser, "S3Source.access_key_id", "test")
        type_into(browser, "S3Source.secret_key", "moto-secret-key")
        for key, label in (("S3Source.BasicLookupStrategy.bucket.name", "Bucket Name"), ("S3Source.access_key_id", "Access Key ID"), ("S3Source.secret_key", "Secret Key")):
            assert browser.find_element(By.CSS_SELECTOR, f"label[for='k-{key}']").text == label
        save(browser, "source", screenshot)
        assert widths(base) == {320}, "some worker still reads the web server"
        assert "moto-secret-key" in config.read_text() and "moto-secret-key" not in browser.page_source
        assert browser.find_element(By.ID, "k-S3Source.secret_key").get_attribute("value") == ""
    finally:
        origin.close()
        moto.close()
