"""A real Casaba server (Granian, on a free loopback port) over a folder of generated images."""

import subprocess

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import running_server


def gradient(w, h):
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([(x * 255 // max(w - 1, 1)), (y * 255 // max(h - 1, 1)), ((x + y) % 256)], axis=-1).astype(np.uint8)


@pytest.fixture(scope="session")
def images(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    Image.fromarray(gradient(1000, 700)).save(root / "photo.jpg", quality=92)
    rgba = np.dstack([gradient(300, 200), np.full((200, 300), 128, np.uint8)])
    Image.fromarray(rgba, "RGBA").save(root / "alpha.png")
    Image.fromarray(gradient(2000, 1500)).save(root / "big.png")
    # Lossless JPEG 2000 in 512-pixel tiles, three resolution levels.
    Image.fromarray(gradient(2000, 1500)).save(root / "tiled.jp2", tile_size=(512, 512), num_resolutions=3)
    subprocess.run(
        ["vips", "tiffsave", str(root / "big.png"), str(root / "pyramid.tif"), "--tile", "--pyramid",
         "--compression", "jpeg", "--Q", "90", "--tile-width", "256", "--tile-height", "256"],
        check=True,
    )
    pages = [Image.fromarray(gradient(300, 200)), Image.fromarray(gradient(120, 160)), Image.fromarray(gradient(90, 90))]
    pages[0].save(root / "pages.tif", save_all=True, append_images=pages[1:], compression="tiff_deflate")
    exif = Image.Exif()
    exif[274] = 6
    Image.fromarray(gradient(400, 300)).save(root / "sideways.jpg", quality=92, exif=exif)
    (root / "sub").mkdir()
    Image.fromarray(gradient(64, 48)).save(root / "sub" / "small.png")
    (root / "notes.txt").write_text("not an image")
    data = (root / "photo.jpg").read_bytes()
    (root / "damaged.jpg").write_bytes(data[:600])
    (root / "garbage.tif").write_bytes(b"II*\0" + bytes(range(256)) * 4)
    (root.parent / "secret.png").write_bytes((root / "sub" / "small.png").read_bytes())
    return root


@pytest.fixture(scope="session")
def server(images):
    settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/", "slash_substitute": "$$"}
    with running_server(settings) as base:
        yield base


@pytest.fixture(scope="session")
def client(server):
    with httpx.Client(base_url=server, timeout=30) as c:
        yield c
