"""A real browser for the server's pages: Debian's headless Chromium, driven through its
chromedriver by Selenium. Screenshots go to ``.artefacts/screenshots/`` (ignored by git) to be
looked at."""

import shutil
from pathlib import Path

import pytest

ARTEFACTS = Path(__file__).resolve().parents[2] / ".artefacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail("chromium and chromedriver are missing: run `make test-deps` (Debian: chromium, chromium-driver)")
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,900"):
        options.add_argument(argument)
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    session = webdriver.Chrome(service=Service(driver), options=options)
    try:
        yield session
    finally:
        session.quit()


@pytest.fixture
def screenshot(browser, request):
    """Saves what the browser shows, named for the test and ``name``."""

    def save(name: str) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{request.node.name}-{name}.png"
        browser.save_screenshot(str(path))
        return path

    return save
