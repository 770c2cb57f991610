"""Seeds for the fuzz targets: small files of every variant the core tests read (made with the
test suite's own makers, tests/core/synth.py and variants.py, and the same tools: Pillow, vips,
tiffcp, opj_compress, ojph_compress), plus the hostile suite's hand-built damaged files, each
written to fuzz/corpus/<target>/ by the format its first bytes name. The corpus is generated,
not committed; the fuzzer adds what it finds to the same folders.

Run from the repository root with the project's Python: `python fuzz/seed.py`.
"""

import hashlib
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.core.hostile import CASES  # noqa: E402
from tests.core.synth import alpha_ramp, multiscan_jpeg, pack_rows, photo, png_bytes, pnm16, simple_tiff  # noqa: E402
from tests.core.variants import PYRAMID_VARIANTS, TIFF_VARIANTS  # noqa: E402

CORPUS = ROOT / "fuzz" / "corpus"
# The core's own sniffing, by first bytes; the target each format's seeds go to.
TARGETS = {"jpeg": "decode_jpeg", "tiff": "decode_tiff", "png": "decode_png", "gif": "decode_gif", "webp": "decode_webp",
           "jp2": "decode_jp2"}
W, H = 48, 32
# Seeds above this are left out: libFuzzer's -max_len in `make fuzz` (a larger seed would be cut).
MAX_LEN = 64 << 10


def run(*args):
    subprocess.run([str(a) for a in args], check=True, capture_output=True)


def pillow(im, fmt, **options):
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def jpegs(rgb):
    im = PILImage.fromarray(rgb)
    yield "baseline-420", pillow(im, "JPEG", quality=80)
    yield "baseline-444", pillow(im, "JPEG", quality=80, subsampling="4:4:4")
    yield "progressive", pillow(im, "JPEG", quality=80, progressive=True)
    yield "gray", pillow(im.convert("L"), "JPEG")
    yield "cmyk", pillow(im.convert("CMYK"), "JPEG")
    yield "17x9", pillow(PILImage.fromarray(photo(17, 9, seed=3)), "JPEG")
    yield "multiscan", multiscan_jpeg(W, H)


def pngs(rgb):
    im = PILImage.fromarray(rgb)
    alpha = alpha_ramp(W, H)
    yield "rgb", pillow(im, "PNG")
    yield "rgba", pillow(PILImage.fromarray(np.dstack([rgb, alpha]), "RGBA"), "PNG")
    yield "gray-alpha", pillow(PILImage.fromarray(np.dstack([rgb[..., 0], alpha]), "LA"), "PNG")
    yield "palette", pillow(im.quantize(16), "PNG", transparency=0)
    yield "gray16", pillow(PILImage.fromarray(rgb[..., 1].astype(np.uint16) * 257), "PNG")
    yield "gray2", png_bytes(W, H, 2, 0, [pack_rows(rgb[y : y + 1, :, 0] >> 6, 2) for y in range(H)])


def gifs(rgb):
    im = PILImage.fromarray(rgb)
    yield "frames", pillow(im.quantize(32), "GIF", save_all=True, append_images=[im.quantize(4)], transparency=0)
    yield "one", pillow(im.quantize(256), "GIF")


def webps(rgb):
    im = PILImage.fromarray(rgb)
    yield "lossy", pillow(im, "WEBP", quality=60)
    yield "lossless-alpha", pillow(PILImage.fromarray(np.dstack([rgb, alpha_ramp(W, H)]), "RGBA"), "WEBP", lossless=True)


def tiffs(rgb, tmp):
    """Every variant of TIFF_VARIANTS from its base, as conftest.py's `tiffs` makes them, and vips
    pyramids of each PYRAMID_VARIANTS kind (16-pixel tiles, so two levels)."""
    gray = np.asarray(PILImage.fromarray(rgb).convert("L"))
    alpha = alpha_ramp(W, H)
    bilevel = (gray >= 128).astype(np.uint8)
    rgb16 = rgb.astype(np.uint16) * 257
    pal4 = PILImage.fromarray(rgb).quantize(16)
    pal4_map = np.asarray(pal4.getpalette()[:48], np.uint16).reshape(16, 3)
    bases = {
        "rgb8": lambda p: PILImage.fromarray(rgb).save(p),
        "gray8": lambda p: PILImage.fromarray(gray).save(p),
        "rgba": lambda p: PILImage.fromarray(np.dstack([rgb, alpha]), "RGBA").save(p),
        "gray-alpha": lambda p: PILImage.fromarray(np.dstack([gray, alpha]), "LA").save(p),
        "palette8": lambda p: PILImage.fromarray(rgb).quantize(200).save(p),
        "gray16": lambda p: p.write_bytes(simple_tiff(gray.astype(np.uint16) * 257, photometric=1, bits=16)),
        "rgb16": lambda p: p.write_bytes(simple_tiff(rgb16, photometric=2, bits=16)),
        "rgb16-planar": lambda p: p.write_bytes(simple_tiff(rgb16, photometric=2, bits=16, planar=True, order=">")),
        "bilevel-black": lambda p: p.write_bytes(simple_tiff(bilevel, photometric=1, bits=1)),
        "bilevel-white": lambda p: p.write_bytes(simple_tiff(1 - bilevel, photometric=0, bits=1)),
        "gray4": lambda p: p.write_bytes(simple_tiff(gray >> 4, photometric=1, bits=4)),
        "palette4": lambda p: p.write_bytes(
            simple_tiff(np.asarray(pal4), photometric=3, bits=4, colormap=list((pal4_map * 257).T.ravel()))),
    }
    for name, write in bases.items():
        write(tmp / f"base-{name}.tif")
        yield f"base-{name}", (tmp / f"base-{name}.tif").read_bytes()
    for name, (base, options) in TIFF_VARIANTS.items():
        # The variants' 64-pixel tiles made 16, so that the small seed image has several.
        options = ["16" if o == "64" else o for o in options]
        run("tiffcp", *options, tmp / f"base-{base}.tif", tmp / f"{name}.tif")
        yield name, (tmp / f"{name}.tif").read_bytes()
    for name, options in PYRAMID_VARIANTS.items():
        run("vips", "tiffsave", tmp / "base-rgb8.tif", tmp / f"pyramid-{name}.tif", "--tile", "--pyramid",
            "--tile-width", "16", "--tile-height", "16", *options)
        yield f"pyramid-{name}", (tmp / f"pyramid-{name}.tif").read_bytes()


def jp2s(rgb, tmp):
    PILImage.fromarray(rgb).save(tmp / "rgb.ppm")
    PILImage.fromarray(np.asarray(PILImage.fromarray(rgb).convert("L"))).save(tmp / "gray.pgm")
    (tmp / "rgb16.ppm").write_bytes(pnm16(rgb.astype(np.uint16) * 257))
    PILImage.fromarray(np.dstack([rgb, alpha_ramp(W, H)]), "RGBA").save(tmp / "rgba.png")
    made = {
        "rgb.jp2": ("rgb.ppm", "-n", "3"),
        "gray.jp2": ("gray.pgm", "-n", "3"),
        "rgb.j2k": ("rgb.ppm", "-n", "3"),
        "rgba.jp2": ("rgba.png", "-n", "3"),
        "lossy.jp2": ("rgb.ppm", "-n", "3", "-I", "-r", "20"),
        "tiled-lossy.j2k": ("rgb.ppm", "-t", "16,16", "-n", "3", "-I", "-r", "30", "-p", "RPCL"),
        "tiled-tlm.j2k": ("rgb.ppm", "-t", "16,16", "-n", "3", "-TP", "R", "-PLT", "-TLM"),
        "offset.jp2": ("rgb.ppm", "-d", "7,5", "-T", "3,2", "-t", "16,16", "-n", "3"),
        "rgb16.jp2": ("rgb16.ppm", "-n", "3"),
    }
    for name, (source, *options) in made.items():
        run("opj_compress", "-i", tmp / source, "-o", tmp / name, *options)
        yield name, (tmp / name).read_bytes()
    run("ojph_compress", "-i", tmp / "rgb.ppm", "-o", tmp / "ht.j2c", "-qstep", "0.02", "-num_decomps", "3",
        "-tile_size", "{32,16}")
    yield "ht.j2c", (tmp / "ht.j2c").read_bytes()


def target(data):
    from casaba._core import sniff

    fmt = sniff(data[:16])
    return TARGETS.get(fmt) if fmt else None


def main():
    rgb = photo(W, H, seed=11)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        seeds = [*jpegs(rgb), *pngs(rgb), *gifs(rgb), *webps(rgb), *tiffs(rgb, tmp), *jp2s(rgb, tmp)]
    seeds += [(f"hostile-{name}", build()[0]) for name, build in CASES.items()]
    written = 0
    for name, data in seeds:
        where = target(data)
        if where is None or len(data) > MAX_LEN:
            continue
        folder = CORPUS / where
        folder.mkdir(parents=True, exist_ok=True)
        # Named by content, as libFuzzer names what it adds, so running again adds nothing twice.
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)
        written += 1
    print(f"{written} seeds of {len(seeds)} in {CORPUS.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
