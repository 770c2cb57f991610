"""The benchmark images, made once with ``vips`` and kept in ``benchmarks/.data/``: one recipe
for the pytest-benchmark suites and the HTTP load harness alike; and the overlay logo, a small
PNG with alpha drawn with numpy and Pillow."""

from __future__ import annotations

import math
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

# Bump the version when a recipe below changes, so that old images are not reused.
DATA = Path(__file__).parent / ".data" / "v1"

LARGE = (12000, 10000)
HUGE = (12500, 10000)  # 125 MP: the memory goal's image
SMALL = (1000, 1000)
PROBE = (256, 256)
LOGO = (200, 80)


class VipsMissing(RuntimeError):
    """``vips`` is not installed, and an image it would make is not there yet."""


def _vips(*args: object, cwd: Path) -> None:
    subprocess.run(["vips", *map(str, args)], cwd=cwd, check=True, capture_output=True)


def _texture(work: Path, width: int, height: int) -> Path:
    """An RGB image that JPEG and PNG cannot shrink to nothing: two ramps and large soft blobs
    (red, green, blue) under fine Gaussian grain, roughly like a grainy photograph. The noise is
    seeded, so every machine makes the same pixels (and the same encoded files, for one vips)."""
    blob = 32
    steps: list[tuple[object, ...]] = [
        ("grey", "red.v", width, height, "--uchar"),
        ("grey", "green-t.v", height, width, "--uchar"),
        ("rot", "green-t.v", "green.v", "d90"),
        ("gaussnoise", "blobs-small.v", math.ceil(width / blob), math.ceil(height / blob), "--sigma", 50, "--seed", 1),
        ("resize", "blobs-small.v", "blobs-large.v", blob, "--kernel", "cubic"),
        ("crop", "blobs-large.v", "blobs.v", 0, 0, width, height),
        ("cast", "blobs.v", "blue.v", "uchar"),
        ("bandjoin", "red.v green.v blue.v", "rgb.v"),
        ("gaussnoise", "grain-f.v", width, height, "--sigma", 24, "--seed", 2),
        ("cast", "grain-f.v", "grain.v", "uchar"),
        ("add", "rgb.v", "grain.v", "sum.v"),
        ("linear", "sum.v", "mixed.v", 0.5, 0, "--uchar"),
        ("copy", "mixed.v", "texture.v", "--interpretation", "srgb"),
    ]
    for step in steps:
        _vips(*step, cwd=work)
    return work / "texture.v"


def _generate(name: str, size: tuple[int, int], save: Callable[[Path, Path], None]) -> Path:
    """``DATA/name``, made from a fresh texture of ``size`` unless it is already there."""
    target = DATA / name
    if target.exists():
        return target
    if shutil.which("vips") is None:
        raise VipsMissing("vips (Debian: libvips-tools) is needed to make the benchmark images")
    DATA.mkdir(parents=True, exist_ok=True)
    # The intermediate files of a 120 MP image take about 4 GB: keep them beside the data, not in /tmp.
    with tempfile.TemporaryDirectory(dir=DATA, prefix=".work-") as tmp:
        work = Path(tmp)
        texture = _texture(work, *size)
        partial = work / f"partial{target.suffix}"
        save(texture, partial)
        partial.rename(target)  # whole or absent, if the run is interrupted
    return target


def tiled_tiff() -> Path:
    """12000x10000 tiled pyramidal JPEG TIFF, 256x256 tiles, Q85 (levels down to one tile)."""
    return _generate("tiled-12000x10000.tif", LARGE, _tiled_save)


def _tiled_save(src: Path, dst: Path) -> None:
    _vips("tiffsave", src, dst, "--tile", "--pyramid", "--compression", "jpeg", "--Q", 85,
          "--tile-width", 256, "--tile-height", 256, cwd=dst.parent)


def _baseline_save(src: Path, dst: Path) -> None:
    _vips("jpegsave", src, dst, "--Q", 85, "--subsample-mode", "on", cwd=dst.parent)


def large_jpeg() -> Path:
    """12000x10000 baseline (not progressive) JPEG, Q85, 4:2:0."""
    return _generate("baseline-12000x10000.jpg", LARGE, _baseline_save)


def huge_tiled_tiff() -> Path:
    """12500x10000 (125 MP) tiled pyramidal JPEG TIFF, 256x256 tiles, Q85."""
    return _generate("tiled-12500x10000.tif", HUGE, _tiled_save)


def huge_jpeg() -> Path:
    """12500x10000 (125 MP) baseline JPEG, Q85, 4:2:0."""
    return _generate("baseline-12500x10000.jpg", HUGE, _baseline_save)


def small_png() -> Path:
    """1000x1000 RGB PNG, 8 bits, no alpha, zlib level 6."""
    def save(src: Path, dst: Path) -> None:
        _vips("pngsave", src, dst, "--compression", 6, cwd=dst.parent)
    return _generate("rgb-1000x1000.png", SMALL, save)


def _jp2_save(src: Path, dst: Path) -> None:
    # vips writes one resolution level per halving down to about a tile (OpenJPEG, lossy).
    _vips("jp2ksave", src, dst, "--Q", 45, "--tile-width", 256, "--tile-height", 256, cwd=dst.parent)


def large_jp2() -> Path:
    """12000x10000 tiled JPEG 2000, 256x256 tiles, lossy (vips Q45)."""
    return _generate("tiled-12000x10000.jp2", LARGE, _jp2_save)


def _opj_save(*options: str) -> Callable[[Path, Path], None]:
    """Saving with OpenJPEG's own encoder (from a PPM) and these options: for the markers and
    layouts that vips does not write."""
    def save(src: Path, dst: Path) -> None:
        ppm = dst.with_suffix(".ppm")
        _vips("copy", src, ppm, cwd=dst.parent)
        subprocess.run(["opj_compress", "-i", str(ppm), "-o", str(dst), *options], check=True, capture_output=True)
        ppm.unlink()
    return save


def untiled_jp2() -> Path:
    """12000x10000 JPEG 2000 of one tile, an archive master as Kakadu and OpenJPEG users make
    them: 7 resolution levels, 256x256 precincts, RPCL, 20:1."""
    return _generate("untiled-12000x10000.jp2", LARGE, _opj_save("-n", "7", "-p", "RPCL", "-r", "20", "-c", "[256,256]"))


def tlm_jp2() -> Path:
    """12000x10000 JPEG 2000 in 256x256 tiles with PLT and TLM markers, as archival profiles
    make them, 20:1 (OpenJPEG writes TLM markers for at most 10921 tile-parts: one tile-part a
    tile here, where such profiles often split tiles by resolution)."""
    return _generate("tlm-12000x10000.jp2", LARGE, _opj_save("-t", "256,256", "-PLT", "-TLM", "-r", "20"))


def probe_jp2() -> Path:
    """256x256 JPEG 2000, made in a moment to ask a server whether it reads JPEG 2000 at all."""
    return _generate("probe-256x256.jp2", PROBE, _jp2_save)


def logo_png() -> Path:
    """200x80 RGBA PNG, the image overlay's logo: a colour ramp whose alpha rises from a quarter
    to whole across it, inside a rounded outline of fully transparent corners, so that the
    overlay blends every pixel it covers and skips some."""
    target = DATA / "logo-200x80.png"
    if target.exists():
        return target
    w, h = LOGO
    x = np.linspace(0.0, 1.0, w)[None, :]
    y = np.linspace(0.0, 1.0, h)[:, None]
    rgba = np.empty((h, w, 4), np.uint8)
    rgba[..., 0] = np.broadcast_to(255 * (1 - x), (h, w))
    rgba[..., 1] = np.broadcast_to(255 * y, (h, w))
    rgba[..., 2] = 160
    rgba[..., 3] = np.broadcast_to(64 + 191 * x, (h, w))
    radius = 16
    cx = np.clip(np.arange(w), radius, w - 1 - radius)[None, :]
    cy = np.clip(np.arange(h), radius, h - 1 - radius)[:, None]
    outside = (np.arange(w)[None, :] - cx) ** 2 + (np.arange(h)[:, None] - cy) ** 2 > radius**2
    rgba[outside] = 0
    DATA.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".partial-{target.name}")
    Image.fromarray(rgba, "RGBA").save(partial)
    partial.rename(target)  # whole or absent
    return target
