"""Test images for the core's pixel tests, generated once per session into temporary folders
with Pillow, numpy, vips (libvips-tools), tiffcp (libtiff-tools) and opj_compress
(libopenjp2-tools) and ojph_compress (openjph-tools). Nothing is committed."""

import numpy as np
import pytest
from PIL import Image as PILImage

from .helpers import run
from .synth import alpha_ramp, jp2_file, pack_rows, patch_tiff, photo, png_bytes, pnm16, simple_tiff
from .variants import PYRAMID_VARIANTS, TIFF_VARIANTS

# --- JPEG ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def jpegs(tmp_path_factory):
    """JPEGs by name. The main ones are 1000x776 (whole 8x8 blocks at every DCT scale)."""
    root = tmp_path_factory.mktemp("jpeg")
    files = {}

    def save(name, im, **options):
        files[name] = root / f"{name}.jpg"
        im.save(files[name], "JPEG", quality=90, **options)

    rgb = PILImage.fromarray(photo(1000, 776))
    save("baseline-420", rgb, subsampling="4:2:0")
    save("baseline-444", rgb, subsampling="4:4:4")
    save("baseline-422", rgb, subsampling="4:2:2")
    save("progressive", rgb, subsampling="4:2:0", progressive=True)
    save("gray", rgb.convert("L"))
    save("odd-1001x777", PILImage.fromarray(photo(1001, 777, seed=1)))
    save("1x1", PILImage.fromarray(photo(1, 1, seed=2)))
    save("17x9", PILImage.fromarray(photo(17, 9, seed=3)))
    save("4097-wide", PILImage.fromarray(photo(4097, 40, seed=4)))
    rgb.save(root / "source.png")
    files["restart"] = root / "restart.jpg"
    run("vips", "jpegsave", root / "source.png", files["restart"], "--Q", "90", "--restart-interval", "3")
    return files


# --- PNG ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pngs(tmp_path_factory):
    """PNGs by name, 203x149 (odd, so no row or block arithmetic comes out even), with the
    expected 8-bit pixels (numpy) each should decode to."""
    root = tmp_path_factory.mktemp("png")
    w, h = 203, 149
    rgb = photo(w, h)
    gray = np.asarray(PILImage.fromarray(rgb).convert("L"))
    alpha = alpha_ramp(w, h)
    files, expected = {}, {}

    def save(name, im, want, **options):
        files[name] = root / f"{name}.png"
        im.save(files[name], "PNG", **options)
        expected[name] = want

    save("rgb", PILImage.fromarray(rgb), rgb)
    save("rgba", PILImage.fromarray(np.dstack([rgb, alpha]), "RGBA"), np.dstack([rgb, alpha]))
    save("gray", PILImage.fromarray(gray), gray)
    save("gray-alpha", PILImage.fromarray(np.dstack([gray, alpha]), "LA"), np.dstack([gray, alpha]))
    pal = PILImage.fromarray(rgb).quantize(64)
    save("palette", pal, np.asarray(pal.convert("RGB")))
    pal_t = pal.copy()
    pal_t.info["transparency"] = bytes([0, 128] + [255] * 62)
    save("palette-trns", pal_t, np.asarray(pal_t.convert("RGBA")), transparency=pal_t.info["transparency"])
    # A low byte of 200 tells keeping the high byte from rounding (which would add one).
    save("gray16", PILImage.fromarray(gray.astype(np.uint16) * 256 + 200), gray)
    for bits in (1, 2, 4):
        levels = (gray >> (8 - bits)).astype(np.uint8)
        packed = pack_rows(levels, bits)
        row = -(-w * bits // 8)
        files[f"gray{bits}"] = root / f"gray{bits}.png"
        files[f"gray{bits}"].write_bytes(png_bytes(w, h, bits, 0, [packed[i * row : (i + 1) * row] for i in range(h)]))
        expected[f"gray{bits}"] = (levels.astype(np.uint32) * 255 // ((1 << bits) - 1)).astype(np.uint8)
    # 16-bit RGB, written by vips from a 16-bit TIFF: the core keeps the high byte.
    rgb16 = rgb.astype(np.uint16) * 256 + np.arange(w, dtype=np.uint16)[None, :, None] % 256
    (root / "rgb16.tif").write_bytes(simple_tiff(rgb16, photometric=2, bits=16))
    files["rgb16"] = root / "rgb16.png"
    run("vips", "pngsave", root / "rgb16.tif", files["rgb16"])
    expected["rgb16"] = rgb
    files["interlaced"] = root / "interlaced.png"
    run("vips", "pngsave", files["rgba"], files["interlaced"], "--interlace")
    expected["interlaced"] = expected["rgba"]
    return files, expected


# --- TIFF ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def tiffs(tmp_path_factory):
    """Every variant of TIFF_VARIANTS, its base and a few made without tiffcp, by name, 203x149,
    with the 8-bit pixels (numpy) each should decode to (None where only Pillow can say)."""
    root = tmp_path_factory.mktemp("tiff")
    w, h = 203, 149
    rgb = photo(w, h, seed=5)
    gray = np.asarray(PILImage.fromarray(rgb).convert("L"))
    alpha = alpha_ramp(w, h)
    bilevel = (gray >= 128).astype(np.uint8)
    rgb16 = rgb.astype(np.uint16) * 256 + (np.arange(w, dtype=np.uint16) * 7 % 256)[None, :, None]
    gray16 = gray.astype(np.uint16) * 256 + (np.arange(h, dtype=np.uint16) * 13 % 256)[:, None]
    pal = PILImage.fromarray(rgb).quantize(200)
    pal4 = PILImage.fromarray(rgb).quantize(16)
    pal4_map = np.asarray(pal4.getpalette()[:48], np.uint16).reshape(16, 3)

    bases = {
        "rgb8": (lambda p: PILImage.fromarray(rgb).save(p), rgb),
        "gray8": (lambda p: PILImage.fromarray(gray).save(p), gray),
        "rgba": (lambda p: PILImage.fromarray(np.dstack([rgb, alpha]), "RGBA").save(p), np.dstack([rgb, alpha])),
        "gray-alpha": (lambda p: PILImage.fromarray(np.dstack([gray, alpha]), "LA").save(p), np.dstack([gray, alpha])),
        "palette8": (lambda p: pal.save(p), np.asarray(pal.convert("RGB"))),
        "gray16": (lambda p: p.write_bytes(simple_tiff(gray16, photometric=1, bits=16)), gray),
        "rgb16": (lambda p: p.write_bytes(simple_tiff(rgb16, photometric=2, bits=16)), rgb),
        # tiffcp cannot make 16-bit planar files: written planar (and big-endian) here.
        "rgb16-planar": (lambda p: p.write_bytes(simple_tiff(rgb16, photometric=2, bits=16, planar=True, order=">")), rgb),
        "bilevel-black": (lambda p: p.write_bytes(simple_tiff(bilevel, photometric=1, bits=1)), bilevel * 255),
        "bilevel-white": (lambda p: p.write_bytes(simple_tiff(1 - bilevel, photometric=0, bits=1)), bilevel * 255),
        "gray4": (lambda p: p.write_bytes(simple_tiff(gray >> 4, photometric=1, bits=4)), (gray >> 4) * 17),
        "palette4": (
            lambda p: p.write_bytes(
                simple_tiff(np.asarray(pal4), photometric=3, bits=4, colormap=list((pal4_map * 257).T.ravel()))
            ),
            np.asarray(pal4.convert("RGB")),
        ),
    }
    files, expected = {}, {}
    for name, (write, pixels) in bases.items():
        path = root / f"base-{name}.tif"
        write(path)
        expected[f"base-{name}"] = pixels
        files[f"base-{name}"] = path
    for name, (base, options) in TIFF_VARIANTS.items():
        files[name] = root / f"{name}.tif"
        run("tiffcp", *options, files[f"base-{base}"], files[name])
        expected[name] = bases[base][1]
    # The old Deflate code (32946) names the same zlib stream as Adobe's (8).
    files["rgb-deflate-32946"] = root / "rgb-deflate-32946.tif"
    files["rgb-deflate-32946"].write_bytes(patch_tiff(files["rgb-deflate-strips"].read_bytes(), 259, [32946]))
    expected["rgb-deflate-32946"] = rgb
    # Associated (premultiplied) alpha, ExtraSamples 1: compared with Pillow's unpremultiplied read.
    files["rgba-premultiplied"] = root / "rgba-premultiplied.tif"
    run("vips", "tiffsave", files["base-rgba"], files["rgba-premultiplied"], "--premultiply", "--compression", "lzw")
    expected["rgba-premultiplied"] = None
    return files, expected


# --- Pyramids -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def pyramids(tmp_path_factory):
    """vips pyramids (256-pixel tiles) of one 2400x1600 image, by name, and the source pixels."""
    root = tmp_path_factory.mktemp("pyramid")
    pixels = photo(2400, 1600, seed=6)
    source = root / "source.tif"
    PILImage.fromarray(pixels).save(source)
    files = {}
    for name, options in PYRAMID_VARIANTS.items():
        files[name] = root / f"{name}.tif"
        run("vips", "tiffsave", source, files[name], "--tile", "--pyramid", "--tile-width", "256", "--tile-height", "256", *options)
    return files, pixels


# --- JPEG 2000 ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def jp2s(tmp_path_factory):
    """JPEG 2000 files by name, with the 8-bit pixels (numpy) each should decode to, or None
    for lossy ones (compared with another decoder instead). Most are 203x149 (odd, so no
    level divides evenly); "tiled" is 1201x901 in 256-pixel tiles with six resolutions."""
    root = tmp_path_factory.mktemp("jp2")
    rgb = photo(203, 149, seed=8)
    gray = np.asarray(PILImage.fromarray(rgb).convert("L"))
    rgba = np.dstack([rgb, alpha_ramp(203, 149)])
    big = photo(1201, 901, seed=9)
    files, expected = {}, {}

    def source(name, pixels, fmt):
        path = root / f"{name}.{fmt}"
        if fmt in ("ppm", "pgm") and pixels.dtype == np.uint16:
            path.write_bytes(pnm16(pixels))
        else:
            PILImage.fromarray(pixels).save(path)
        return path

    def opj(name, src, want, *options):
        files[name] = root / name
        run("opj_compress", "-i", src, "-o", files[name], *options)
        expected[name] = want

    opj("rgb.jp2", source("rgb", rgb, "ppm"), rgb)
    opj("gray.jp2", source("gray", gray, "pgm"), gray)
    opj("rgb.j2k", root / "rgb.ppm", rgb)
    opj("rgba.jp2", source("rgba", rgba, "png"), rgba)
    opj("lossy.jp2", root / "rgb.ppm", None, "-I", "-r", "20")
    opj("tiled.jp2", source("big", big, "ppm"), big, "-t", "256,256", "-n", "6")
    opj("tiled-lossy.j2k", root / "big.ppm", None, "-t", "256,256", "-n", "6", "-I", "-r", "30", "-p", "RPCL")
    # Several tile-parts a tile (one a resolution); and those with PLT and TLM markers, as
    # archival profiles make them (OpenJPEG seeks to tiles by a TLM marker).
    opj("tiled-parts.jp2", root / "big.ppm", big, "-t", "256,256", "-n", "6", "-TP", "R")
    opj("tiled-tlm.j2k", root / "big.ppm", big, "-t", "256,256", "-n", "6", "-TP", "R", "-PLT", "-TLM")
    # The image and its tile grid off the reference grid's origin.
    opj("offset.jp2", root / "big.ppm", big, "-d", "37,21", "-T", "5,3", "-t", "128,96", "-n", "5")
    rgb16 = rgb.astype(np.uint16) * 256 + (np.arange(203, dtype=np.uint16) * 7 % 256)[None, :, None]
    opj("rgb16.jp2", source("rgb16", rgb16, "ppm"), rgb)
    gray16 = gray.astype(np.uint16) * 256 + 200
    opj("gray16.j2k", source("gray16", gray16, "pgm"), gray)
    for w, h, n in [(1, 1, 1), (17, 9, 3), (4097, 40, 4)]:
        pixels = photo(w, h, seed=w)
        opj(f"{w}x{h}.jp2", source(f"{w}x{h}", pixels, "ppm"), pixels, "-n", str(n))
    # Indexed colour: a one-component codestream of indices and a palette box.
    palette = [tuple(int(v) for v in photo(16, 1, seed=10)[0, i]) for i in range(16)]
    indices = (gray >> 4).astype(np.uint8)
    run("opj_compress", "-i", source("indices", indices, "pgm"), "-o", root / "indices.j2k")
    files["palette.jp2"] = root / "palette.jp2"
    files["palette.jp2"].write_bytes(jp2_file((root / "indices.j2k").read_bytes(), palette=palette))
    expected["palette.jp2"] = np.asarray(palette, np.uint8)[indices]
    # YCbCr stored as is, declared sYCC by its colour box: the core converts it to RGB.
    files["sycc.jp2"] = root / "sycc.jp2"
    files["sycc.jp2"].write_bytes(jp2_file((root / "rgb.j2k").read_bytes(), enumcs=18))
    expected["sycc.jp2"] = None
    # vips: lossless in 512-pixel tiles; and 4:2:0 sYCC (chroma at half resolution).
    files["vips.jp2"] = root / "vips.jp2"
    run("vips", "jp2ksave", root / "big.ppm", files["vips.jp2"], "--lossless")
    expected["vips.jp2"] = big
    files["subsampled.jp2"] = root / "subsampled.jp2"
    run("vips", "jp2ksave", root / "big.ppm", files["subsampled.jp2"], "--subsample-mode", "on", "--Q", "90")
    expected["subsampled.jp2"] = None
    # High-throughput block coding (HTJ2K), by OpenJPH: lossless in 256-pixel tiles, and lossy.
    files["ht-tiled.j2c"] = root / "ht-tiled.j2c"
    run("ojph_compress", "-i", root / "big.ppm", "-o", files["ht-tiled.j2c"], "-reversible", "true",
        "-num_decomps", "5", "-tile_size", "{256,256}")
    expected["ht-tiled.j2c"] = big
    files["ht-lossy.j2c"] = root / "ht-lossy.j2c"
    run("ojph_compress", "-i", root / "rgb.ppm", "-o", files["ht-lossy.j2c"], "-qstep", "0.01", "-num_decomps", "4")
    expected["ht-lossy.j2c"] = None
    return files, expected
