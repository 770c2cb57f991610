"""The IIIF Image API 2.1 over HTTP against the real server."""

import io

import pytest
from PIL import Image

PROFILE_2 = "http://iiif.io/api/image/2/level2.json"


def test_info_json_2(client, server):
    r = client.get("/iiif/2/pyramid.tif/info.json")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in r.headers["link"]
    info = r.json()
    assert info["@context"] == "http://iiif.io/api/image/2/context.json"
    assert info["@id"] == f"{server}/iiif/2/pyramid.tif"
    assert info["protocol"] == "http://iiif.io/api/image"
    assert info["profile"][0] == PROFILE_2
    assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4, 8]}]
    assert info["profile"][1]["maxArea"] == 2000 * 1500


def test_info_json_2_as_json_ld_when_asked(client):
    r = client.get("/iiif/2/photo.jpg/info.json", headers={"accept": "application/ld+json"})
    assert r.headers["content-type"] == "application/ld+json"


def test_base_uri_redirect_2(client, server):
    r = client.get("/iiif/2/photo.jpg")
    assert r.status_code == 303
    assert r.headers["location"] == f"{server}/iiif/2/photo.jpg/info.json"


@pytest.mark.parametrize(
    "params, size, canonical",
    [
        ("full/full/0/default.jpg", (1000, 700), "full/full/0/default.jpg"),
        ("full/max/0/default.jpg", (1000, 700), "full/full/0/default.jpg"),
        ("full/500,/0/default.jpg", (500, 350), "full/500,/0/default.jpg"),
        ("0,0,500,500/!100,50/0/default.jpg", (50, 50), "0,0,500,500/50,/0/default.jpg"),
        ("full/100,100/0/color.png", (100, 100), "full/100,100/0/color.png"),
    ],
)
def test_image_requests_2(client, server, params, size, canonical):
    r = client.get(f"/iiif/2/photo.jpg/{params}")
    assert r.status_code == 200
    assert Image.open(io.BytesIO(r.content)).size == size
    assert r.headers["link"] == f'<{PROFILE_2}>;rel="profile", <{server}/iiif/2/photo.jpg/{canonical}>;rel="canonical"'


@pytest.mark.parametrize("params", ["full/^max/0/default.jpg", "full/^100,/0/default.jpg", "full/1001,/0/default.jpg"])
def test_caret_is_not_2_1_and_upscaling_is_bounded_by_max_scale(client, params):
    r = client.get(f"/iiif/2/photo.jpg/{params}")
    assert r.status_code == 400
