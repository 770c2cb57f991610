"""casaba-overlay-band in a real Casaba server: the band and the name on every image response
wide enough, gray and transparent images included; never a stored tile without it."""

import io
import subprocess

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import running_server

pytest.importorskip("casaba_overlay_band", reason="install it: pip install -e plugins/casaba-overlay-band")

GRAY = 150


def pixels(response, mode="RGB"):
    assert response.status_code == 200, response.text
    return np.asarray(Image.open(io.BytesIO(response.content)).convert(mode)).astype(int)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    Image.fromarray(np.full((480, 640, 3), GRAY, np.uint8)).save(folder / "flat.png")
    Image.fromarray(np.full((480, 640), GRAY, np.uint8)).save(folder / "gray.png")
    Image.fromarray(np.full((480, 640, 4), GRAY, np.uint8), "RGBA").save(folder / "clear.png")
    subprocess.run(
        ["vips", "tiffsave", str(folder / "flat.png"), str(folder / "tiles.tif"), "--tile", "--pyramid", "--compression", "jpeg",
         "--tile-width", "256", "--tile-height", "256"],
        check=True,
    )  # fmt: skip
    return folder


@pytest.fixture(scope="module")
def banded(folder):
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/",
        "overlays.plugins": "band",
        "overlay_band.text": "Bibliotheca Exempli",
        "overlay_band.opacity": "0.5",
    }
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


def test_a_dark_band_with_white_text_along_the_foot(banded):
    p = pixels(banded.get("/iiif/3/flat.png/full/max/0/default.png"))
    band = p[480 - 40 :]
    assert (p[: 480 - 40] == GRAY).all(), "above the band, nothing changed"
    assert (band == GRAY // 2).all(axis=2).mean() > 0.7, "the band, half as bright"
    assert (band > 240).all(axis=2).sum() > 200, "the name, white"


def test_gray_and_transparent_images_keep_their_kind(banded):
    gray = banded.get("/iiif/3/gray.png/full/max/0/default.png")
    assert Image.open(io.BytesIO(gray.content)).mode == "L"
    assert pixels(gray, "L")[-5, 5] == GRAY // 2
    clear = pixels(banded.get("/iiif/3/clear.png/full/max/0/default.png"), "RGBA")
    assert clear[-5, 5, 3] == GRAY, "alpha as it was"


def test_small_responses_get_no_band(banded):
    assert (pixels(banded.get("/iiif/3/flat.png/full/199,/0/default.png")) == GRAY).all()


def test_a_stored_tile_is_drawn_on_and_cached_answers_name_the_plugin(banded, folder):
    tile = "/iiif/3/tiles.tif/0,0,256,256/256,/0/default.jpg"
    drawn = banded.get(tile)
    with running_server({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/"}) as base:
        plain = httpx.get(base + tile, timeout=30)
    assert drawn.headers["etag"] != plain.headers["etag"]
    assert np.abs(pixels(drawn)[-10:] - pixels(plain)[-10:]).mean() > 30


def test_a_plugin_that_is_not_installed_stops_start_up(folder):
    with pytest.raises(RuntimeError, match="overlays.plugins names 'nonesuch', which is not installed"):
        with running_server({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/", "overlays.plugins": "nonesuch"}, timeout=20):
            pass
