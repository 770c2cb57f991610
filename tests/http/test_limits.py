"""Every limit on a response, walked through the real server: max_pixels and max_scale as a
Cantaloupe user configures them, the largest side each output format holds, the most pixels the
core makes, and how far a rotation grows an image. A request past any of them is the client's
fault, a 4xx refused before the core makes anything, never a 5xx."""

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


@pytest.fixture(scope="module")
def unlimited(images):
    """No max_pixels and no max_scale: a request grows as far as the core goes."""
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/", "max_pixels": 0, "max_scale": 0}
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=60) as c:
        yield c


# Upscaled strips and squares of a 1000x700 photo: small to read, and refused before they are made.
PAST_A_LIMIT = [
    # The largest side of each format with a limit: libjpeg-turbo's, GIF's 16 bits, WebP's 14.
    ("0,0,64,1/^65501,1/0/default.jpg", 400, "jpg: at most 65500"),
    ("0,0,64,1/^1,65501/0/default.jpg", 400, "jpg: at most 65500"),
    ("0,0,64,1/^65536,1/0/default.gif", 400, "gif: at most 65535"),
    ("0,0,64,1/^16384,1/0/default.webp", 400, "webp: at most 16383"),
    ("0,0,1,64/^1,65536/90/default.gif", 400, "too large for gif"),
    # Rotation growth: within the side before the turn, past it after.
    ("0,0,48,48/^12000,12000/45/default.webp", 400, "(16971x16971 once rotated) is too large for webp"),
    ("0,0,64,4/^65400,4000/3/default.jpg", 400, "(65520x7418 once rotated) is too large for jpg"),
    # The most pixels the core makes (2^30), before a rotation and after it.
    ("0,0,64,48/^40000,30000/0/default.png", 403, "largest image this server makes"),
    ("0,0,48,48/^25000,25000/45/default.png", 403, "(35356x35356 once rotated) exceeds the largest image"),
    ("0,0,48,48/^25000,25000/45/default.tif", 403, "largest image this server makes"),
    ("full/^99999999999,/45/default.jpg", 403, "largest image this server makes"),
]


@pytest.mark.parametrize(("params", "status", "message"), PAST_A_LIMIT)
def test_a_request_past_a_limit_is_a_4xx_naming_it(unlimited, params, status, message):
    r = unlimited.get(f"/iiif/3/photo.jpg/{params}")
    assert r.status_code == status, r.text
    assert message in r.text


@pytest.mark.parametrize(
    "params",
    [
        "0,0,64,1/^65500,1/0/default.jpg",
        "0,0,64,1/^65535,1/0/default.gif",
        "0,0,64,1/^16383,1/0/default.webp",
        "0,0,1,64/^1,16383/90/default.webp",
        # PNG and TIFF hold sides past every other format's.
        "0,0,64,1/^70000,1/0/default.png",
        "0,0,64,1/^70000,1/0/default.tif",
    ],
)
def test_a_side_at_a_formats_limit_is_made(unlimited, params):
    r = unlimited.get(f"/iiif/3/photo.jpg/{params}")
    assert r.status_code == 200, r.text
    w, h = (int(v) for v in params.split("/")[1].lstrip("^").split(","))
    if params.split("/")[2] == "90":
        w, h = h, w
    assert Image.open(io.BytesIO(r.content)).size == (w, h)


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ("full/240,/0/default.jpg", 403, "max_pixels"),
        ("0,0,300,300/201,200/45/default.png", 403, "max_pixels"),
        ("0,0,50,50/^101,/0/default.jpg", 400, "max_scale"),
        ("0,0,50,50/^100,101/0/default.webp", 400, "max_scale"),
        ("0,0,10,10/^21,21/30/default.webp", 400, "max_scale"),
    ],
)
def test_max_pixels_and_max_scale_are_4xx_whatever_the_rotation(limited, params, status, message):
    r = limited.get(f"/iiif/3/photo.jpg/{params}")
    assert r.status_code == status, r.text
    assert message in r.text


def test_max_pixels_counts_the_requested_size_not_the_rotated_canvas(limited):
    # 200x200 is max_pixels' 40,000 exactly; turned by 45 degrees its canvas holds 80,000.
    r = limited.get("/iiif/3/photo.jpg/0,0,200,200/200,200/45/default.png")
    assert r.status_code == 200, r.text
    assert Image.open(io.BytesIO(r.content)).size == (283, 283)


def test_the_cores_own_request_errors_are_400(images):
    """A limit only the core knows (a JPEG-compressed TIFF holds what a JPEG holds: the setting
    is the encoder's, not the request's) still reaches the client as a 400, not a 500."""
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "max_pixels": 0,
        "max_scale": 0,
        "processor.tif.compression": "JPEG",
    }
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=60) as c:
        r = c.get("/iiif/3/photo.jpg/0,0,64,1/^65501,1/0/default.tif")
        assert r.status_code == 400, r.text
        assert "at most 65500" in r.text
        assert c.get("/iiif/3/photo.jpg/0,0,64,1/^65500,1/0/default.tif").status_code == 200
