"""``casaba inspect`` shows the plan the server makes: the same limits, encoders and filters,
read from the same configuration file."""

import subprocess
import sys

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba import _core
from casaba.serving.derivatives import plan, resolve_region
from casaba.iiif.params import Limits, Version, parse_image_request
from casaba.settings import load
from casaba.testing import running_server, write_properties

REQUEST = "10,10,280,180/140,/0/default.jpg"


@pytest.fixture
def folder(tmp_path):
    rng = np.random.default_rng(7)
    (tmp_path / "images").mkdir()
    Image.fromarray(rng.integers(0, 256, (200, 300, 3), np.uint8)).save(tmp_path / "images" / "noise.png")
    return tmp_path


def inspect(*args):
    r = subprocess.run([sys.executable, "-m", "casaba", "inspect", *args], capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def test_inspect_plans_with_the_configured_encoder_and_filter(folder):
    image = str(folder / "images" / "noise.png")
    config = write_properties(folder / "casaba.properties", {"processor.jpg.quality": 55, "processor.downscale_filter": "box"})
    code, shown = inspect("--config", str(config), image, REQUEST)
    assert code == 0, shown
    assert "(box)" in shown and "encode jpg q55" in shown
    code, shown = inspect(image, REQUEST)
    assert code == 0 and "(bicubic)" in shown and "encode jpg q80" in shown


def test_inspect_refuses_what_the_server_refuses(folder):
    config = write_properties(folder / "casaba.properties", {"max_pixels": 1000})
    code, shown = inspect("--config", str(config), str(folder / "images" / "noise.png"), REQUEST)
    assert code != 0 and "max_pixels = 1000" in shown


def test_the_server_answers_what_the_inspected_plan_renders(folder):
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/images/",
        "processor.jpg.quality": 55,
        "processor.downscale_filter": "box",
    }
    loaded = load(write_properties(folder / "casaba.properties", settings), environ={})
    image = _core.Image.open(str(folder / "images" / "noise.png"))
    req = parse_image_request("noise.png", REQUEST.split("/"), Version.V3)
    resolved, region = resolve_region(req, image.width, image.height, None, Limits(loaded.iiif.max_pixels, loaded.iiif.max_scale))
    expected = image.render(plan(image, region, resolved, loaded.processor))
    with running_server(settings) as base:
        served = httpx.get(f"{base}/iiif/3/noise.png/{REQUEST}", timeout=30)
    assert served.status_code == 200 and served.content == expected
