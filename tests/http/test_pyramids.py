"""Large untiled images get a tiled pyramid, built in the background and served in their place."""

import asyncio
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba import _core
from casaba.testing import running_server


def save_jpeg(pixels, folder):
    Image.fromarray(pixels).save(folder / "plain.jpg", quality=90)
    return "plain.jpg"


def save_untiled_jp2(pixels, folder):
    """An untiled JPEG 2000 with resolution levels, as archives keep their masters."""
    Image.fromarray(pixels).save(folder / "master.png")
    subprocess.run(["opj_compress", "-i", str(folder / "master.png"), "-o", str(folder / "master.jp2"), "-n", "5", "-r", "10"],
                   check=True, capture_output=True)
    (folder / "master.png").unlink()
    return "master.jp2"


@pytest.mark.parametrize("save", [save_jpeg, save_untiled_jp2])
def test_a_pyramid_is_built_after_the_first_request_and_then_serves(tmp_path, save):
    images, cache = tmp_path / "images", tmp_path / "cache"
    images.mkdir()
    rng = np.random.default_rng(5)
    name = save(rng.integers(0, 255, (900, 1300, 3), np.uint8), images)
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "FilesystemCache.pathname": str(cache),
        "source.pyramids.min_pixels": 1_000_000,
    }
    tile = f"/iiif/3/{name}/512,256,256,256/256,/0/default.jpg"
    info = f"/iiif/3/{name}/info.json"
    with running_server(settings) as base, httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(2):  # the second answered from memory (casaba.serving.answers)
            assert client.get(info).json()["tiles"][0]["width"] == 512  # endpoint.iiif.min_tile_size
        first = client.get(tile)
        assert first.status_code == 200
        deadline = time.monotonic() + 60
        built = []
        while not built and time.monotonic() < deadline:
            built = list((cache / "pyramids").rglob("*.tif"))
            time.sleep(0.1)
        assert built, "no pyramid was built"
        pyramid = _core.Image.open(str(built[0]))
        assert (pyramid.width, pyramid.height, pyramid.tile_size) == (1300, 900, (256, 256))
        stored = pyramid.render(pyramid.plan((512, 256, 256, 256), (256, 256)))
        # Now the pyramid's tiles are advertised, as viewers ask for what info.json says.
        after = client.get(info).json()
        assert (after["width"], after["tiles"][0]["width"]) == (1300, 256)
        assert client.get(tile).content == stored  # the stored tile, sent as it is


def test_the_pyramid_command_stands_the_image_upright(tmp_path):
    exif = Image.Exif()
    exif[274] = 6
    Image.fromarray(np.zeros((300, 500, 3), np.uint8)).save(tmp_path / "turned.jpg", exif=exif)
    r = subprocess.run([sys.executable, "-m", "casaba", "pyramid", str(tmp_path / "turned.jpg"), str(tmp_path / "p.tif")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    pyramid = _core.Image.open(str(tmp_path / "p.tif"))
    assert (pyramid.width, pyramid.height, pyramid.orientation) == (300, 500, 1)


def test_a_failed_build_is_not_tried_again(tmp_path):
    from casaba.sources.pyramids import Pyramids
    from casaba.sources.copies import Copies

    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    pyramids = Pyramids(Copies(tmp_path / "cache", 0, 0), 1, 1 << 32)
    target = pyramids.path_for("broken.jpg", "1", 1)

    async def twice() -> int:
        pyramids.build_later(tmp_path / "broken.jpg", target, 1)
        await asyncio.gather(*pyramids._tasks)
        pyramids.build_later(tmp_path / "broken.jpg", target, 1)
        return len(pyramids._tasks)

    assert asyncio.run(twice()) == 0
    assert not target.exists()


def test_a_tiled_jpeg2000_needs_no_pyramid(tmp_path):
    from casaba.sources.pyramids import Pyramids
    from casaba.sources.copies import Copies

    Image.fromarray(np.zeros((900, 1300, 3), np.uint8)).save(tmp_path / "in.png")
    for name, tiles in [("tiled.jp2", ["-t", "256,256"]), ("untiled.jp2", [])]:
        subprocess.run(["opj_compress", "-i", str(tmp_path / "in.png"), "-o", str(tmp_path / name), "-n", "4", *tiles],
                       check=True, capture_output=True)
    pyramids = Pyramids(Copies(tmp_path / "cache", 0, 0), 1_000_000, 1 << 32)
    assert not pyramids.wanted(_core.Image.open(str(tmp_path / "tiled.jp2")))
    assert pyramids.wanted(_core.Image.open(str(tmp_path / "untiled.jp2")))


def test_an_image_beyond_the_bound_gets_no_pyramid(tmp_path):
    """A header may declare billions of pixels in a few bytes; a build would read them all."""
    from casaba.sources.pyramids import Pyramids
    from casaba.sources.copies import Copies

    Image.fromarray(np.zeros((1000, 2000, 3), np.uint8)).save(tmp_path / "plain.jpg")
    image = _core.Image.open(str(tmp_path / "plain.jpg"))
    assert Pyramids(Copies(tmp_path / "cache", 0, 0), 1_000_000, 2_000_000).wanted(image)
    assert not Pyramids(Copies(tmp_path / "cache", 0, 0), 1_000_000, 1_999_999).wanted(image)
