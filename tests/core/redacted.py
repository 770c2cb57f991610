"""Pairs of source files identical except inside redacted rectangles, for the leak tests: a photo-
like base image, copied, with different noise inside the rectangles in each copy, each copy then
encoded on its own in one of the forms below. Whatever is asked of the two files must give the same
bytes: no pixel of an answer may depend on a redacted one."""

import numpy as np
from PIL import Image as PILImage

from casaba import _core

from .helpers import run
from .synth import photo

#: The upright image's size, and the tile size of the tiled forms.
WIDTH, HEIGHT, TILE = 384, 320, 64

#: Rectangles of the upright image: one exactly on tile boundaries, one at odd coordinates, one
#: running past the right edge (clipped to the image).
REDACTIONS = ((64, 128, 64, 64), (203, 37, 29, 51), (350, 250, 100, 30))

#: Each form: how a copy is written. The rectangles hold noise, so the forms' lossy coders see
#: very different content there.
FORMS = (
    "jpeg-420",
    "jpeg-444",
    "jpeg-progressive",
    "jpeg-turned",
    "tiff-deflate-tiles",
    "tiff-jpeg-tiles",
    "tiff-jpeg-strips",
    "pyramid-vips",
    "pyramid-casaba",
    "jp2-lossless",
    "jp2-lossy",
)

#: Forms that cannot be made leak-free: a JPEG 2000 codestream truncated by rate control chooses
#: where to truncate each code-block from the whole tile (OpenJPEG) or image (others).
LEAKY_FORMS = ("jp2-lossy-rate", "jp2-reversible-rate")


def as_delegate_answer(color=None):
    """`REDACTIONS` as a delegate's `redactions` answers them."""
    extra = {"color": color} if color else {}
    return [{"x": x, "y": y, "width": w, "height": h, **extra} for x, y, w, h in REDACTIONS]


def copies(seed=0):
    """The two upright images: the same outside the rectangles, different noise inside."""
    base = photo(WIDTH, HEIGHT, seed)
    out = []
    for k in (1, 2):
        img = base.copy()
        rng = np.random.default_rng(1000 * seed + k)
        for x, y, w, h in REDACTIONS:
            x1, y1 = min(x + w, WIDTH), min(y + h, HEIGHT)
            img[y:y1, x:x1] = rng.integers(0, 256, (y1 - y, x1 - x, 3), dtype=np.uint8)
        out.append(img)
    return out


def write(form, pixels, path):
    """Write the upright `pixels` to `path` in `form`; returns the path."""
    folder = path.parent
    png = folder / f"{path.stem}.src.png"
    PILImage.fromarray(pixels).save(png)
    vips_tiles = ("--tile", "--tile-width", str(TILE), "--tile-height", str(TILE))
    if form == "jpeg-420":
        PILImage.fromarray(pixels).save(path, "JPEG", quality=90, subsampling="4:2:0")
    elif form == "jpeg-444":
        PILImage.fromarray(pixels).save(path, "JPEG", quality=90, subsampling="4:4:4")
    elif form == "jpeg-progressive":
        PILImage.fromarray(pixels).save(path, "JPEG", quality=90, subsampling="4:2:0", progressive=True)
    elif form == "jpeg-turned":
        # Stored a quarter turn counter-clockwise, with EXIF orientation 6 to stand it upright.
        exif = PILImage.Exif()
        exif[274] = 6
        PILImage.fromarray(np.ascontiguousarray(np.rot90(pixels, 1))).save(path, "JPEG", quality=90, exif=exif)
    elif form == "tiff-deflate-tiles":
        run("vips", "tiffsave", png, path, *vips_tiles, "--compression", "deflate")
    elif form == "tiff-jpeg-tiles":
        run("vips", "tiffsave", png, path, *vips_tiles, "--compression", "jpeg", "--Q", "90")
    elif form == "tiff-jpeg-strips":
        plain = folder / f"{path.stem}.plain.tif"
        PILImage.fromarray(pixels).save(plain, "TIFF")
        run("tiffcp", "-c", "jpeg:90", "-r", "32", plain, path)
    elif form == "pyramid-vips":
        run("vips", "tiffsave", png, path, *vips_tiles, "--pyramid", "--compression", "jpeg", "--Q", "90")
    elif form == "pyramid-casaba":
        _core.write_pyramid_tiff(path, pixels.tobytes(), WIDTH, HEIGHT, 3, tile=TILE, quality=90)
    elif form.startswith("jp2-"):
        ppm = folder / f"{path.stem}.ppm"
        PILImage.fromarray(pixels).save(ppm)
        # -n counts resolutions: 4 is 3 decomposition levels. -I is the irreversible 9/7 wavelet,
        # quantized with fixed steps unless -r asks for a rate.
        options = {
            "jp2-lossless": ("-n", "4"),
            "jp2-lossy": ("-I", "-n", "3"),
            "jp2-lossy-rate": ("-I", "-n", "3", "-r", "20"),
            "jp2-reversible-rate": ("-n", "3", "-r", "20"),
        }[form]
        run("opj_compress", "-i", ppm, "-o", path, "-t", f"{2 * TILE},{2 * TILE}", *options)
    else:
        raise ValueError(form)
    return path


def extension(form):
    return {"jpeg": "jpg", "tiff": "tif", "pyramid": "tif", "jp2": "jp2"}[form.split("-")[0]]


def make_pairs(folder, forms, seed=0):
    """{form: (path of copy a, path of copy b)}, written into `folder`."""
    a, b = copies(seed)
    return {form: tuple(write(form, pixels, folder / f"{name}-{form}.{extension(form)}") for name, pixels in (("a", a), ("b", b))) for form in forms}
