"""Scale-constrained images (``identifier;n:d``), as Cantaloupe serves them: a virtual image n/d
the size of the stored one, described and requested in its own pixels, never larger."""

import io

import numpy as np
import pytest
from PIL import Image


def picture(response):
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content))


@pytest.mark.parametrize("version", ["2", "3"])
def test_info_describes_the_reduced_image(client, server, version):
    info = client.get(f"/iiif/{version}/photo.jpg;1:2/info.json").json()
    assert (info["width"], info["height"]) == (500, 350)
    assert (info.get("id") or info["@id"]) == f"{server}/iiif/{version}/photo.jpg;1:2"
    assert max(s["width"] for s in info["sizes"]) == 500
    if version == "3":
        assert (info["maxWidth"], info["maxHeight"]) == (500, 350)
        assert "sizeUpscaling" not in info["extraFeatures"]


def test_a_third_rounds_like_cantaloupe(client):
    info = client.get("/iiif/3/photo.jpg;1:3/info.json").json()
    assert (info["width"], info["height"]) == (333, 233)
    assert picture(client.get("/iiif/3/photo.jpg;1:3/full/max/0/default.png")).size == (333, 233)


def test_the_whole_reduced_image_is_the_image_scaled(client):
    reduced = picture(client.get("/iiif/3/photo.jpg;1:2/full/max/0/default.png"))
    scaled = picture(client.get("/iiif/3/photo.jpg/full/500,350/0/default.png"))
    assert reduced.size == (500, 350)
    assert np.array_equal(np.asarray(reduced), np.asarray(scaled))


def test_a_tile_is_asked_for_in_the_reduced_images_pixels(client):
    """Tile (256, 256) of the half-size image is the stored image's (512, 512) square, halved."""
    tile = client.get("/iiif/3/pyramid.tif;1:2/256,256,256,256/256,/0/default.jpg")
    same = client.get("/iiif/3/pyramid.tif/512,512,512,512/256,/0/default.jpg")
    assert tile.status_code == 200 and tile.content == same.content
    assert tile.headers["etag"] != same.headers["etag"]
    assert "/iiif/3/pyramid.tif;1:2/256,256,256,256/max/0/default.jpg>" in tile.headers["link"]


def test_edge_tiles_reach_the_stored_images_edge(client):
    # 2000x1500 at 1:3 is 667x500; the last column of 256-pixel tiles starts at 512.
    edge = picture(client.get("/iiif/3/pyramid.tif;1:3/512,0,155,256/max/0/default.png"))
    assert edge.size == (155, 256)


@pytest.mark.parametrize(
    "path",
    [
        "photo.jpg;1:2/full/501,/0/default.jpg",  # larger than the reduced image
        "photo.jpg;1:2/full/^1000,/0/default.jpg",  # upscaling is not offered
        "photo.jpg;1:2/0,0,600,100/max/0/default.jpg",  # outside: the reduced image is 500 wide
    ],
)
def test_nothing_larger_than_the_reduced_image(client, path):
    r = client.get(f"/iiif/3/{path}")
    if r.status_code == 200:  # a region past the edge is cut at it
        assert Image.open(io.BytesIO(r.content)).size[0] <= 500
    else:
        assert r.status_code == 400


@pytest.mark.parametrize(
    "asked, normal",
    [("photo.jpg;2:4", "photo.jpg;1:2"), ("photo.jpg;3:3", "photo.jpg"), ("pages.tif;2;2:6", "pages.tif;2;1:3")],
)
def test_constraints_are_redirected_to_lowest_terms(client, server, asked, normal):
    r = client.get(f"/iiif/3/{asked}/full/max/0/default.jpg?response-content-disposition=inline")
    assert r.status_code == 301
    assert r.headers["location"] == f"{server}/iiif/3/{normal}/full/max/0/default.jpg?response-content-disposition=inline"
    assert client.get(f"/iiif/3/{asked}/info.json").headers["location"] == f"{server}/iiif/3/{normal}/info.json"


@pytest.mark.parametrize("constraint", ["3:2", "0:2"])
def test_a_constraint_that_is_no_reduction_is_400(client, constraint):
    assert client.get(f"/iiif/3/photo.jpg;{constraint}/info.json").status_code == 400


def test_pages_and_constraints_go_together(client):
    info = client.get("/iiif/3/pages.tif;2;1:2/info.json").json()
    assert (info["width"], info["height"]) == (60, 80)
