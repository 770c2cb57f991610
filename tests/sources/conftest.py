"""Images, the origins that serve them (HTTP servers in this process, moto's S3 server in a child
process, all on loopback) and a real Casaba server over a folder of the same images, to compare
with."""

import io
import subprocess

import httpx
import numpy as np
import pytest
from PIL import Image

from casaba.testing import running_server

from .helpers import BUCKET, PREFIX
from .origins import Behaviour, Moto, Origin


def gradient(w, h):
    y, x = np.ogrid[0:h, 0:w]
    channels = [x * 255 // max(w - 1, 1) + 0 * y, y * 255 // max(h - 1, 1) + 0 * x, (x * 7 + y * 3) % 256]
    return np.stack([c.astype(np.uint8) for c in channels], axis=-1)


def encoded(array, fmt, **options):
    out = io.BytesIO()
    Image.fromarray(array).save(out, fmt, **options)
    return out.getvalue()


@pytest.fixture(scope="session")
def folder(tmp_path_factory):
    """The images as files: a 4000x3000 pyramidal JPEG TIFF in 256-pixel tiles (about 2.6 MB),
    a JPEG, a PNG, a tiled JPEG 2000, and bytes that are no image."""
    root = tmp_path_factory.mktemp("masters")
    big = gradient(4000, 3000)
    Image.fromarray(big).save(root / "big.png")
    subprocess.run(
        ["vips", "tiffsave", str(root / "big.png"), str(root / "pyramid.tif"), "--tile", "--pyramid",
         "--compression", "jpeg", "--Q", "90", "--tile-width", "256", "--tile-height", "256"],
        check=True,
    )
    (root / "big.png").unlink()
    (root / "photo.jpg").write_bytes(encoded(gradient(1200, 800), "JPEG", quality=90))
    (root / "small.png").write_bytes(encoded(gradient(300, 200), "PNG"))
    Image.fromarray(gradient(1500, 1000)).save(root / "tiled.jp2", tile_size=(512, 512), num_resolutions=4)
    (root / "notes.txt").write_bytes(b"not an image" * 100)
    return root


@pytest.fixture(scope="session")
def pictures(folder):
    """The images by identifier, as bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def with_slow_copies(pictures):
    return {**pictures, **{f"{folder}/{k}": v for k, v in pictures.items() for folder in ("slow", "stalls")}}


@pytest.fixture(scope="session")
def origin(pictures):
    """An origin that answers ranges (206), with ETag and Last-Modified; 'private/' is 403 and
    'broken/' is 500."""
    o = Origin(pictures, Behaviour(forbidden=("private/",), broken=("broken/",)))
    yield o
    o.close()


@pytest.fixture(scope="session")
def rangeless_origin(pictures):
    """An origin that ignores Range and always sends the whole file (200)."""
    o = Origin(pictures, Behaviour(ranges=False))
    yield o
    o.close()


@pytest.fixture(scope="session")
def slow_origin(pictures):
    """An origin that takes 3 s to answer anything under 'slow/', and under 'stalls/' answers
    HEAD and the first bytes at once but takes 3 s for later ranges. The rest is answered at once."""
    o = Origin(with_slow_copies(pictures), Behaviour(delays={"slow/": 3.0}, read_delays={"stalls/": 3.0}))
    yield o
    o.close()


@pytest.fixture(scope="session")
def locked_origin(pictures):
    """An origin that demands HTTP Basic credentials, and refuses 'private/' even with them."""
    o = Origin(pictures, Behaviour(credentials=("reader", "open sesame"), forbidden=("private/",)))
    yield o
    o.close()


@pytest.fixture(scope="session")
def moto(tmp_path_factory, pictures):
    """moto's S3 server with the images in a bucket, under a prefix."""
    m = Moto(tmp_path_factory.mktemp("moto"))
    client = m.client()
    client.create_bucket(Bucket=BUCKET)
    for name, data in pictures.items():
        client.put_object(Bucket=BUCKET, Key=PREFIX + name, Body=data)
    yield m
    m.close()


@pytest.fixture(scope="session")
def local(folder):
    """Casaba serving the same images from the filesystem: what a remote source must match."""
    with running_server({"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/"}) as base:
        with httpx.Client(base_url=base, timeout=30) as c:
            yield c
