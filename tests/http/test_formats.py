"""The output formats over HTTP: content types, what info.json offers, and the encoders'
settings (processor.tif.compression, processor.webp.quality) reaching the core."""

import io

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import running_server

FORMATS = {"jpg": ("image/jpeg", "JPEG"), "png": ("image/png", "PNG"), "gif": ("image/gif", "GIF"),
           "webp": ("image/webp", "WEBP"), "tif": ("image/tiff", "TIFF")}


def picture(response):
    img = Image.open(io.BytesIO(response.content))
    img.load()
    return img


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("version", ["2", "3"])
def test_each_format_has_its_content_type(client, fmt, version):
    r = client.get(f"/iiif/{version}/photo.jpg/0,0,500,350/250,/0/default.{fmt}")
    assert r.status_code == 200
    assert r.headers["content-type"] == FORMATS[fmt][0]
    assert r.headers["content-length"] == str(len(r.content))
    img = picture(r)
    assert (img.format, img.size) == (FORMATS[fmt][1], (250, 175))
    head = client.head(f"/iiif/{version}/photo.jpg/0,0,500,350/250,/0/default.{fmt}")
    assert head.headers["content-type"] == FORMATS[fmt][0]


def test_info_json_offers_the_formats_written(client):
    info3 = client.get("/iiif/3/photo.jpg/info.json").json()
    assert info3["extraFormats"] == ["gif", "webp", "tif"]
    assert info3["preferredFormats"] == ["jpg"]
    info2 = client.get("/iiif/2/photo.jpg/info.json").json()
    assert info2["profile"][1]["formats"] == ["jpg", "png", "gif", "webp", "tif"]


@pytest.mark.parametrize("fmt", ["png", "gif", "webp", "tif"])
def test_the_formats_with_alpha_keep_it(client, fmt):
    img = picture(client.get(f"/iiif/3/alpha.png/full/max/0/default.{fmt}"))
    alpha = np.asarray(img.convert("RGBA"))[..., 3]
    # alpha.png is half transparent everywhere; in GIF, where a pixel is transparent or not,
    # alpha from 128 up is opaque.
    assert set(np.unique(alpha)) == ({255} if fmt == "gif" else {128})


def test_bitonal_tif_is_one_bit(client):
    img = picture(client.get("/iiif/3/photo.jpg/full/200,/0/bitonal.tif"))
    assert (img.mode, img.info["compression"]) == ("1", "tiff_lzw")


@pytest.fixture(scope="module")
def configured(images):
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "processor.tif.compression": "JPEG",
        "processor.jpg.quality": 60,
        "processor.webp.quality": 10,
    }
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        yield c


def test_the_encoders_settings_are_used(client, configured):
    path = "/iiif/3/photo.jpg/full/400,/0/default"
    assert picture(client.get(f"{path}.tif")).info["compression"] == "tiff_lzw"
    assert picture(configured.get(f"{path}.tif")).info["compression"] == "jpeg"
    assert len(configured.get(f"{path}.webp").content) < len(client.get(f"{path}.webp").content)
    # A setting that changes the bytes changes the validator too.
    assert configured.get(f"{path}.webp").headers["etag"] != client.get(f"{path}.webp").headers["etag"]


def test_uncompressed_tif_when_the_setting_is_blank(images):
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/", "processor.tif.compression": ""}
    with running_server(settings) as base:
        r = httpx.get(f"{base}/iiif/3/photo.jpg/full/100,/0/default.tif", timeout=30)
    img = picture(r)
    assert img.info["compression"] == "raw"
    assert len(r.content) > 100 * 70 * 3


def test_processor_jpg_progressive_makes_progressive_jpegs(images):
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/", "processor.jpg.progressive": "true"}
    with running_server(settings) as base:
        r = httpx.get(f"{base}/iiif/3/photo.jpg/full/200,/0/default.jpg", timeout=30)
    assert r.status_code == 200
    with Image.open(io.BytesIO(r.content)) as im:
        assert im.info.get("progressive")
