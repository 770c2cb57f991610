"""Answers remembered by request (casaba.serving.answers): a repeated stored tile, rendered
derivative (no derivative cache) or FilesystemCache hit is answered as the full path answers it,
and stops being answered from memory as soon as what it rests on changes (the source file, the
cache file)."""

import io
import os
import shutil
import subprocess

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import running_server

TILE = "/iiif/3/pyramid.tif/256,256,256,256/256,/0/default.jpg"
RENDERED = "/iiif/3/pyramid.tif/100,100,300,300/150,/0/default.jpg"


def same_answer(a, b):
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert {k: v for k, v in a.headers.items() if k != "date"} == {k: v for k, v in b.headers.items() if k != "date"}


def pyramid(path, value):
    """A 1024x768 tiled JPEG TIFF of one flat colour."""
    flat = path.with_suffix(".png")
    Image.fromarray(np.full((768, 1024, 3), value, np.uint8)).save(flat)
    subprocess.run(["vips", "tiffsave", str(flat), str(path), "--tile", "--pyramid", "--compression", "jpeg",
                    "--tile-width", "256", "--tile-height", "256"], check=True)
    flat.unlink()


def mean(content):
    return float(np.asarray(Image.open(io.BytesIO(content))).mean())


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "images").mkdir()
    pyramid(tmp_path / "images" / "pyramid.tif", 40)
    return tmp_path


@pytest.mark.parametrize("path", [TILE, RENDERED], ids=["stored tile", "rendered"])
def test_a_repeated_answer_is_the_same_and_follows_its_source(folder, path):
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/images/"}
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        first, again = c.get(path), c.get(path)
        same_answer(first, again)
        assert mean(first.content) == pytest.approx(40, abs=3)
        # The source is replaced (another version): the next answer is of the new file.
        pyramid(folder / "new.tif", 200)
        os.replace(folder / "new.tif", folder / "images" / "pyramid.tif")
        changed = c.get(path)
        assert changed.status_code == 200 and mean(changed.content) == pytest.approx(200, abs=3)
        assert changed.headers["etag"] != first.headers["etag"]
        # Gone: 404, not a remembered answer.
        (folder / "images" / "pyramid.tif").unlink()
        assert c.get(path).status_code == 404


@pytest.mark.parametrize("path", [TILE, RENDERED], ids=["stored tile", "rendered"])
def test_what_the_full_path_must_see_still_reaches_it(folder, path):
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/images/"}
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        first = c.get(path)
        c.get(path)
        assert c.get(path, headers={"if-none-match": first.headers["etag"]}).status_code == 304
        head = c.head(path)
        assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(first.content))
        proxied = c.get(path, headers={"x-forwarded-host": "images.example.org", "x-forwarded-proto": "https"})
        assert "https://images.example.org/iiif/3/pyramid.tif/" in proxied.headers["link"]
        assert "images.example.org" not in c.get(path).headers["link"]
        download = c.get(path + "?response-content-disposition=attachment")
        assert "attachment" in download.headers.get("content-disposition", "")
        assert "content-disposition" not in c.get(path).headers


def test_a_repeated_cache_hit_follows_its_cache_file(folder):
    cache = folder / "cache"
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/images/",
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "FilesystemCache",
        "FilesystemCache.pathname": str(cache),
    }
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        made = c.get(RENDERED)
        hits = [c.get(RENDERED) for _ in range(3)]
        for hit in hits:
            same_answer(made, hit)
        # The entry is purged (by hand here): the next request makes it again, whole.
        shutil.rmtree(cache / "image")
        again = c.get(RENDERED)
        same_answer(made, again)
        assert any((cache / "image").rglob("*_*"))


def test_a_repeated_info_json_follows_its_source_and_the_media_type_asked_for(folder):
    # Without the info cache, which (as in Cantaloupe) answers from what it kept until purged.
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/images/", "cache.server.info.enabled": "false"}
    info = "/iiif/3/pyramid.tif/info.json"
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        first, again = c.get(info), c.get(info)
        same_answer(first, again)
        assert first.json()["width"] == 1024
        plain = c.get(info, headers={"accept": "application/json"})
        assert plain.headers["content-type"].startswith("application/json")
        assert c.get(info).headers["content-type"].startswith("application/ld+json")
        smaller = folder / "smaller.png"
        Image.fromarray(np.zeros((100, 300, 3), np.uint8)).save(smaller)
        subprocess.run(["vips", "tiffsave", str(smaller), str(folder / "new.tif"), "--tile", "--pyramid", "--compression", "jpeg"], check=True)
        os.replace(folder / "new.tif", folder / "images" / "pyramid.tif")
        assert c.get(info).json()["width"] == 300


def test_a_repeated_stored_tile_follows_its_source_beside_a_derivative_cache(folder):
    # Stored tiles are never cached: their repeats read the file again, and see it change.
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/images/",
        "cache.server.derivative.enabled": "true",
        "cache.server.derivative": "FilesystemCache",
        "FilesystemCache.pathname": str(folder / "cache"),
    }
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        first = c.get(TILE)
        for _ in range(3):
            same_answer(first, c.get(TILE))
        assert not any((folder / "cache" / "image").rglob("*_*"))
        pyramid(folder / "new.tif", 200)
        os.replace(folder / "new.tif", folder / "images" / "pyramid.tif")
        changed = c.get(TILE)
        assert changed.status_code == 200 and mean(changed.content) == pytest.approx(200, abs=3)
        assert changed.headers["etag"] != first.headers["etag"]


def test_only_reads_are_answered_from_memory(folder):
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/images/"}
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as c:
        for path in (TILE, "/iiif/3/pyramid.tif/info.json"):
            first = c.get(path)
            c.get(path)
            assert c.post(path).status_code == 405
            assert c.options(path).status_code == 204
            assert c.get(path, headers={"if-none-match": first.headers["etag"]}).status_code == 304
