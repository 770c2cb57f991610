"""Pages by meta-identifier, EXIF orientation and rotation by any angle, over HTTP."""

import io

import numpy as np
import pytest
from PIL import Image


def picture(response):
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content))


@pytest.mark.parametrize("identifier, size", [("pages.tif", (300, 200)), ("pages.tif;1", (300, 200)), ("pages.tif;2", (120, 160)), ("pages.tif;3", (90, 90))])
def test_pages_by_meta_identifier(client, server, identifier, size):
    info = client.get(f"/iiif/3/{identifier}/info.json").json()
    assert (info["width"], info["height"]) == size
    assert info["id"] == f"{server}/iiif/3/{identifier}"
    assert picture(client.get(f"/iiif/3/{identifier}/full/max/0/default.png")).size == size


def test_pages_differ_in_etag(client):
    a = client.get("/iiif/3/pages.tif;1/full/90,/0/default.jpg").headers["etag"]
    b = client.get("/iiif/3/pages.tif;3/full/90,/0/default.jpg").headers["etag"]
    assert a != b


@pytest.mark.parametrize("identifier", ["pages.tif;4", "pages.tif;0", "photo.jpg;2"])
def test_a_page_that_does_not_exist_is_400(client, identifier):
    r = client.get(f"/iiif/3/{identifier}/info.json")
    assert r.status_code == 400
    assert "page" in r.text


def test_exif_orientation_is_applied(client):
    info = client.get("/iiif/3/sideways.jpg/info.json").json()
    assert (info["width"], info["height"]) == (300, 400)
    assert picture(client.get("/iiif/3/sideways.jpg/full/max/0/default.jpg")).size == (300, 400)
    assert picture(client.get("/iiif/3/sideways.jpg/0,0,300,100/150,/0/default.jpg")).size == (150, 50)


def test_any_angle(client):
    png = picture(client.get("/iiif/3/photo.jpg/full/200,/30/default.png"))
    assert png.mode == "RGBA"
    assert np.asarray(png)[0, 0, 3] == 0
    jpg = picture(client.get("/iiif/3/photo.jpg/full/200,/!22.5/default.jpg"))
    assert jpg.mode == "RGB"
    assert np.asarray(jpg)[0, 0].min() > 240  # the default background is white


def test_info_lists_arbitrary_rotation(client):
    assert "rotationArbitrary" in client.get("/iiif/3/photo.jpg/info.json").json()["extraFeatures"]
    assert "rotationArbitrary" in client.get("/iiif/2/photo.jpg/info.json").json()["profile"][1]["supports"]
