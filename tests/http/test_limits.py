"""max_pixels and max_scale, as a Cantaloupe user configures them."""

import io

import httpx
import pytest
from PIL import Image

from casaba.testing import running_server


@pytest.fixture(scope="module")
def limited(images):
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "max_pixels": 40000,
        "max_scale": 2,
        "processor.jpg.quality": 50,
    }
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


def test_max_pixels_is_declared_and_enforced(limited):
    info = limited.get("/iiif/3/photo.jpg/info.json").json()
    assert info["maxArea"] == 40000
    assert all(s["width"] * s["height"] <= 40000 for s in info["sizes"])
    assert "sizeUpscaling" in info["extraFeatures"]
    r = limited.get("/iiif/3/photo.jpg/full/500,/0/default.jpg")
    assert r.status_code == 403
    assert "max_pixels" in r.text


def test_max_is_constrained_to_max_pixels(limited):
    img = Image.open(io.BytesIO(limited.get("/iiif/3/photo.jpg/full/max/0/default.jpg").content))
    assert img.size[0] * img.size[1] <= 40000
    assert abs(img.size[0] / img.size[1] - 1000 / 700) < 0.02


def test_max_scale_is_enforced(limited):
    assert limited.get("/iiif/3/photo.jpg/0,0,50,50/^100,/0/default.jpg").status_code == 200
    r = limited.get("/iiif/3/photo.jpg/0,0,50,50/^101,/0/default.jpg")
    assert r.status_code == 400
    assert "max_scale" in r.text
