"""Reading what the core renders with an independent decoder (Pillow), and comparing pixels
with numpy under stated tolerances."""

import io
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image


def run(*args):
    """Run a command-line tool; a missing tool or a failure fails the test (CI installs
    libvips-tools, libtiff-tools, libopenjp2-tools and openjph-tools, so a missing tool is a
    broken environment, not a skip)."""
    args = [str(a) for a in args]
    if shutil.which(args[0]) is None:
        pytest.fail(f"`{args[0]}` is not installed: the core tests need libvips-tools, libtiff-tools, libopenjp2-tools and openjph-tools")
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"`{' '.join(args)}` failed ({result.returncode}): {result.stderr.strip()}")
    return result


def decode(data):
    """Encoded bytes as Pillow reads them, with Pillow's mode."""
    im = PILImage.open(io.BytesIO(data))
    im.load()
    return im


def array(data):
    """Encoded bytes as a numpy array (H x W or H x W x C)."""
    return np.asarray(decode(data))


def render(img, region=None, size=None, **options):
    """Plan and render one request; returns the plan and the output as Pillow decodes it."""
    region = region or (0, 0, img.width, img.height)
    size = size or region[2:]
    options.setdefault("format", "png")
    plan = img.plan(region, size, **options)
    return plan, decode(img.render(plan))


def full(img, **options):
    """The whole image at full size, lossless unless asked otherwise."""
    plan, out = render(img, **options)
    assert not plan.resized and plan.level == 0
    return np.asarray(out)


def reference(path, mode):
    """Pillow's decode of a file, converted to `mode`."""
    with PILImage.open(path) as im:
        return np.asarray(im.convert(mode))


def diff(a, b):
    assert a.shape == b.shape, f"shapes differ: {a.shape} != {b.shape}"
    return np.abs(a.astype(np.int32) - b.astype(np.int32))


def luma(rgb):
    """Rec. 601 luma, rounded, the definition of the gray quality."""
    r, g, b = (rgb[..., k].astype(np.uint32) for k in range(3))
    return ((299 * r + 587 * g + 114 * b + 500) // 1000).astype(np.uint8)


def assert_close(actual, expected, *, mean, p99=None, peak=None, what=""):
    """Mean absolute difference below `mean`; optionally the 99th percentile at most `p99` and
    the largest difference at most `peak`."""
    d = diff(actual, expected)
    stats = f"{what}: mean {d.mean():.3f}, p99 {np.percentile(d, 99):.1f}, max {d.max()}"
    assert d.mean() < mean, stats
    if p99 is not None:
        assert np.percentile(d, 99) <= p99, stats
    if peak is not None:
        assert d.max() <= peak, stats


def open_bytes(data, **kw):
    return Image.from_bytes(data, **kw)
