"""`write_pyramid_tiff`: what it writes opens in the core, in Pillow (libtiff) and in
tiffinfo, with every level half the one before down to one tile.

Tolerances: tiles are JPEG at quality 90 with 4:2:0 chroma, so each level is compared with
what Pillow's encoder (libjpeg-turbo too) makes of the same picture at the same settings.
Level 0 against the input JPEG-encoded by Pillow: mean < 0.5 and 99% within 2 (only tile
edges differ: each tile is decoded alone, so chroma is upsampled without its neighbour).
Reduced levels against the input resized by Pillow's Lanczos, then JPEG-encoded by Pillow:
mean < 2.5 and 99% within 12, as the writer halves level by level with fast_image_resize and
the JPEG encoder amplifies small differences in a small, detailed picture. The core and
libtiff decode the same tiles: mean < 0.5 and 99% within 2.
"""

import io
import math

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import CoreError, Image, write_pyramid_tiff

from .helpers import array, assert_close, full, render, run
from .synth import photo


def pyramid_sizes(w, h, tile):
    sizes = [(w, h)]
    while sizes[-1][0] > tile or sizes[-1][1] > tile:
        sizes.append((math.ceil(sizes[-1][0] / 2), math.ceil(sizes[-1][1] / 2)))
    return sizes


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """Pyramids written by the core: (path, input pixels, tile) by name."""
    root = tmp_path_factory.mktemp("written")
    rgb = photo(1500, 1001, seed=8)
    cases = {
        "rgb": (rgb, 256),
        "gray": (np.asarray(PILImage.fromarray(rgb).convert("L")), 256),
        "tall-small-tiles": (photo(130, 700, seed=9), 64),
        "one-tile": (photo(200, 100, seed=10), 256),
    }
    out = {}
    for name, (pixels, tile) in cases.items():
        path = root / f"{name}.tif"
        h, w = pixels.shape[:2]
        channels = 1 if pixels.ndim == 2 else 3
        write_pyramid_tiff(path, pixels.tobytes(), w, h, channels, tile=tile, quality=90)
        out[name] = (path, pixels, tile)
    return out


@pytest.mark.parametrize("name", ["rgb", "gray", "tall-small-tiles", "one-tile"])
def test_round_trip_structure(written, name):
    path, pixels, tile = written[name]
    img = Image.open(path)
    h, w = pixels.shape[:2]
    assert (img.format, img.width, img.height, img.compression) == ("tiff", w, h, "jpeg")
    assert img.channels == (1 if pixels.ndim == 2 else 3)
    assert img.tile_size == (tile, tile)
    assert img.levels == pyramid_sizes(w, h, tile)


def jpeg_round_trip(pixels):
    buf = io.BytesIO()
    PILImage.fromarray(pixels).save(buf, "JPEG", quality=90, subsampling="4:2:0")
    return array(buf.getvalue())


@pytest.mark.parametrize("name", ["rgb", "gray", "tall-small-tiles", "one-tile"])
def test_round_trip_pixels(written, name):
    path, pixels, _ = written[name]
    img = Image.open(path)
    assert_close(full(img), jpeg_round_trip(pixels), mean=0.5, p99=2, what="level 0")
    for level, size in enumerate(img.levels[1:], start=1):
        plan, out = render(img, size=size)
        assert plan.level == level and not plan.resized
        want = jpeg_round_trip(np.asarray(PILImage.fromarray(pixels).resize(size, PILImage.LANCZOS)))
        assert_close(np.asarray(out), want, mean=2.5, p99=12, what=f"level {level}")


@pytest.mark.parametrize("name", ["rgb", "gray", "tall-small-tiles"])
def test_pillow_reads_every_level(written, name):
    path, pixels, tile = written[name]
    img = Image.open(path)
    mode = "L" if pixels.ndim == 2 else "RGB"
    with PILImage.open(path) as im:
        assert im.n_frames == len(img.levels)
        for level, size in enumerate(img.levels):
            im.seek(level)
            assert im.size == size
            theirs = np.asarray(im.convert(mode))
            _, ours = render(img, size=size)
            assert_close(np.asarray(ours), theirs, mean=0.5, p99=2, what=f"level {level}")


def test_tiffinfo_reads_it_without_complaint(written):
    path, _, _ = written["rgb"]
    result = run("tiffinfo", path)
    assert result.stderr == ""
    info = result.stdout
    assert info.count("TIFF Directory") == len(Image.open(path).levels)
    assert "Tile Width: 256 Tile Length: 256" in info
    assert "Compression Scheme: JPEG" in info


@pytest.mark.parametrize(
    ("data_len", "w", "h", "channels", "tile"),
    [
        (100 * 100 * 4, 100, 100, 4, 256),  # RGBA is not written
        (100 * 100 * 3, 100, 100, 3, 100),  # tile not a multiple of 16
        (100 * 100 * 3, 100, 100, 3, 0),
        (100 * 100 * 3 - 1, 100, 100, 3, 256),  # data shorter than the image
        (0, 0, 0, 3, 256),  # no pixels at all
    ],
)
def test_bad_arguments_are_refused(tmp_path, data_len, w, h, channels, tile):
    with pytest.raises(CoreError):
        write_pyramid_tiff(tmp_path / "out.tif", bytes(data_len), w, h, channels, tile=tile)


def baseline_jpeg(pixels, path):
    PILImage.fromarray(pixels).save(path, quality=95)


def png_file(pixels, path):
    PILImage.fromarray(pixels).save(path)


def stripped_tiff(pixels, path):
    PILImage.fromarray(pixels).save(path, compression="tiff_lzw", tiffinfo={278: 16})


def untiled_jp2(pixels, path):
    png = path.with_suffix(".png")
    PILImage.fromarray(pixels).save(png)
    run("opj_compress", "-i", png, "-o", path, "-n", "5", "-r", "10")


@pytest.mark.parametrize("save", [baseline_jpeg, png_file, stripped_tiff, untiled_jp2])
def test_a_pyramid_read_band_by_band_is_the_one_read_whole(tmp_path, save):
    """With bands of one row of tiles, every level is resampled from the rows about it; but
    for the resampler's rounding (it sets its fixed-point precision per band), the pyramid is
    the one made from the whole image. Level 1 shows it best (a unit here and there, where
    bands cut off from the rows below them give mean 0.21, p99 2); JPEG compounds it level by
    level below."""
    pixels = photo(700, 1001, seed=11)
    source = tmp_path / f"source.{ {baseline_jpeg: 'jpg', png_file: 'png', stripped_tiff: 'tif', untiled_jp2: 'jp2'}[save]}"
    save(pixels, source)
    img = Image.open(source)
    img.write_pyramid(tmp_path / "whole.tif", tile=64, band_pixels=1 << 40)
    img.write_pyramid(tmp_path / "bands.tif", tile=64, band_pixels=1)
    whole, bands = Image.open(tmp_path / "whole.tif"), Image.open(tmp_path / "bands.tif")
    assert whole.levels == bands.levels == pyramid_sizes(700, 1001, 64)
    for level, size in enumerate(whole.levels):
        theirs = np.asarray(render(whole, size=size)[1])
        ours = np.asarray(render(bands, size=size)[1])
        if level == 0:
            assert np.array_equal(ours, theirs)
        elif level == 1:
            assert_close(ours, theirs, mean=0.1, p99=1, what="level 1")
        else:
            assert_close(ours, theirs, mean=1.0, p99=6, what=f"level {level}")
    upright = full(img)
    assert_close(full(bands), jpeg_round_trip(upright), mean=0.5, p99=2, what="level 0 against the image")


def test_bands_need_only_their_own_pixels_within_the_decode_limit(tmp_path):
    """The decode limit applies to each band read: an image over it still gets a pyramid."""
    pixels = photo(600, 500, seed=12)
    PILImage.fromarray(pixels).save(tmp_path / "big.jpg", quality=95)
    img = Image.open(tmp_path / "big.jpg", max_decode_pixels=100_000)
    with pytest.raises(CoreError):
        full(img)
    img.write_pyramid(tmp_path / "p.tif", tile=64, band_pixels=50_000)
    assert Image.open(tmp_path / "p.tif").levels == pyramid_sizes(600, 500, 64)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_pyramid_of_an_image_stored_turned_stands_upright(tmp_path, orientation):
    upright = photo(300, 200, seed=13)
    stored = {3: np.rot90(upright, 2), 6: np.rot90(upright, 1), 8: np.rot90(upright, -1)}[orientation]
    exif = PILImage.Exif()
    exif[274] = orientation
    PILImage.fromarray(np.ascontiguousarray(stored)).save(tmp_path / "turned.jpg", quality=95, exif=exif)
    img = Image.open(tmp_path / "turned.jpg")
    img.write_pyramid(tmp_path / "p.tif", tile=64, band_pixels=1)
    pyramid = Image.open(tmp_path / "p.tif")
    assert (pyramid.width, pyramid.height, pyramid.orientation) == (300, 200, 1)
    assert_close(full(pyramid), jpeg_round_trip(full(img)), mean=0.5, p99=2, what="level 0")
    assert_close(full(img), upright, mean=4.0, what="the source, stood up (JPEG at 95: mean 2.9; turned wrong: tens)")
