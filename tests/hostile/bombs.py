"""Decompression bombs of every input format: files of a few kilobytes that claim an enormous
size or expand enormously, with what each request of them must be answered.

`build(folder)` writes the files and returns the cases: the file's name, what it claims, and per
request the status it must get. A ``403`` is a limit refusing it before the pixels are allocated
(``processor.max_decode_pixels``, 2^27 by default, or the JPEG 2000 guard against a huge tile's
set-up), a ``500`` a file whose data ends before its header's promise, a ``400`` a request that
asks a small image for upscaling, a ``200`` a request the server can honestly answer reading
only what it needs (a stored tile or strip of zeros).
Most builders are the core's hostile cases (`tests/core/hostile.py`), served here through HTTP.
"""

import io
import struct
import zlib
from dataclasses import dataclass

from PIL import Image as PILImage

from ..core.hostile import CASES
from ..core.synth import (
    LONG,
    SHORT,
    j2k_bytes,
    lzw_zeros,
    patch_siz,
    patch_tiff,
    photo,
    png_with_idat,
    rgb_tags,
    tiff_bytes,
    tiff_entries,
    tiff_values,
)

#: Every file is asked for its info, the whole image, a scaled whole (legitimate for a large
#: image: a pyramid or a reduced decode serves it) and a small region.
REQUESTS = {
    "info": "info.json",
    "full": "full/max/0/default.jpg",
    "scaled": "full/!1000,1000/0/default.jpg",
    "region": "0,0,256,256/256,/0/default.jpg",
}

LIMIT, DAMAGED, UPSCALE, OK = 403, 500, 400, 200


@dataclass(frozen=True)
class Case:
    name: str
    claims: str
    expect: dict[str, int]
    #: The identifier asked for: the file, or one of its pages.
    identifier: str = ""

    def url(self, request):
        return f"/iiif/3/{self.identifier or self.name}/{REQUESTS[request]}"


def _statuses(info, pixels, region=None):
    return {"info": info, "full": pixels, "scaled": pixels, "region": region or pixels}


def _core_case(name):
    return CASES[name]()[0]


def _shared_chunks(tags, chunk, count, *, tiled):
    """A one-page TIFF of `count` chunks that all point at the same stored bytes `chunk`."""
    data = tiff_bytes([(tags, [chunk] + [b""] * (count - 1))])
    offset_tag, count_tag = (324, 325) if tiled else (273, 279)
    first = tiff_values(data, next(e for e in tiff_entries(data) if e["tag"] == offset_tag))[0]
    return patch_tiff(patch_tiff(data, offset_tag, [first] * count), count_tag, [len(chunk)] * count)


def _deflated_zeros(n):
    z = zlib.compressobj(9)
    block = b"\0" * (1 << 20)
    out = [z.compress(block) for _ in range(n >> 20)]
    return b"".join(out) + z.compress(b"\0" * (n & ((1 << 20) - 1))) + z.flush()


def _tiff_strips(side, rows):
    """`side` x `side` RGB in deflated strips of `rows` rows of zeros, all stored once."""
    tags = rgb_tags(side, side, {259: (SHORT, [8]), 278: (LONG, [rows])})
    return _shared_chunks(tags, _deflated_zeros(side * 3 * rows), -(-side // rows), tiled=False)


def _tiff_tiles(side, tile):
    tags = rgb_tags(side, side, {259: (SHORT, [8]), 322: (LONG, [tile]), 323: (LONG, [tile])})
    del tags[278]
    return _shared_chunks(tags, _deflated_zeros(tile * tile * 3), (-(-side // tile)) ** 2, tiled=True)


def _huge_pages(count, side):
    """`count` pages, each `side` x `side` in one strip of LZW zeros."""
    page = (rgb_tags(side, side, {259: (SHORT, [5])}), [lzw_zeros(4096)])
    return tiff_bytes([page] * count)


def _huge_sub_ifd(side):
    """A 1024x768 image of LZW zeros whose SubIFDs tag names a directory of `side` x `side` (a
    second page taken out of the main chain)."""
    small = (rgb_tags(1024, 768, {259: (SHORT, [5]), 330: (LONG, [0])}), [lzw_zeros(1024 * 768 * 3)])
    data = tiff_bytes([small, (rgb_tags(side, side, {259: (SHORT, [5])}), [lzw_zeros(4096)])])
    first, second = sorted({e["ifd"] for e in tiff_entries(data)})
    out = bytearray(patch_tiff(data, 330, [second]))
    (n,) = struct.unpack_from("<H", out, first)
    struct.pack_into("<I", out, first + 2 + 12 * n, 0)
    return bytes(out)


def _gif_screen(w, h):
    """A 64x48 GIF on a logical screen of `w` x `h`."""
    buf = io.BytesIO()
    PILImage.fromarray(photo(64, 48)).quantize(16).save(buf, "GIF")
    data = bytearray(buf.getvalue())
    struct.pack_into("<HH", data, 6, w, h)
    return bytes(data)


def _webp_uniform(w, h):
    """A lossless WebP of one colour, made from a 1x1 image with its size rewritten: libwebp
    codes one colour in zero bits a pixel, so 38 bytes decode to `w` x `h`."""
    buf = io.BytesIO()
    PILImage.new("RGB", (1, 1), (40, 80, 120)).save(buf, "WEBP", lossless=True)
    data = bytearray(buf.getvalue())
    at = data.find(b"VP8L") + 9
    bits = int.from_bytes(data[at : at + 4], "little") & ~((1 << 28) - 1)
    data[at : at + 4] = (bits | (w - 1) | ((h - 1) << 14)).to_bytes(4, "little")
    return bytes(data)


def build(folder):
    """Write the bombs into `folder`; return the cases."""
    files = {
        "jpeg-baseline.jpg": (_core_case("jpeg-baseline-claims-huge-size"), "SOF 65500x65500, 1 KB of scan data",
                              _statuses(OK, DAMAGED)),
        "jpeg-progressive.jpg": (_core_case("jpeg-progressive-claims-huge-size"), "progressive SOF 14000x14000",
                                 _statuses(OK, LIMIT)),
        "jpeg-multiscan.jpg": (_core_case("jpeg-multiscan-claims-huge-size"), "12000x12000, a scan a component",
                               _statuses(OK, DAMAGED)),
        "png-60000.png": (png_with_idat(60000, 60000, 8, 0, _deflated_zeros(60001 * 2000)),
                          "60000x60000 gray, deflated zeros", _statuses(LIMIT, LIMIT)),
        "png-huge.png": (_core_case("png-huge-dimensions"), "2^31-1 square", _statuses(LIMIT, LIMIT)),
        "png-zlib.png": (_core_case("png-zlib-bomb"), "6000x6000 gray: 36 MB from 35 KB", _statuses(OK, OK)),
        "strips.tif": (_tiff_strips(30000, 64), "30000x30000 RGB, 469 deflated strips of zeros", _statuses(OK, LIMIT, OK)),
        "one-strip.tif": (_core_case("tiff-huge-dimensions"), "2^32-1 square in one strip", _statuses(OK, LIMIT)),
        "tiles.tif": (_tiff_tiles(100000, 1024), "100000x100000 RGB, 9604 deflated 1024 tiles of zeros",
                      _statuses(OK, LIMIT, OK)),
        "pages.tif": (_huge_pages(500, 100000), "500 pages of 100000x100000", _statuses(OK, LIMIT)),
        "sub-ifd.tif": (_huge_sub_ifd(100000), "1024x768 with a 100000x100000 sub-IFD", _statuses(OK, OK)),
        "huge-tile.tif": (_core_case("tiff-huge-tile"), "one 70000x70000 tile of 64 bytes", _statuses(OK, LIMIT, DAMAGED)),
        # The image is 64x48: its scaled whole and region ask for upscaling without "^".
        "lzw.tif": (_core_case("tiff-lzw-bomb"), "a 64x48 strip of 600 MB of LZW zeros",
                    {"info": OK, "full": OK, "scaled": UPSCALE, "region": UPSCALE}),
        "screen.gif": (_gif_screen(65535, 65535), "logical screen 65535x65535", _statuses(LIMIT, LIMIT)),
        "screen-20000.gif": (_gif_screen(20000, 20000), "logical screen 20000x20000", _statuses(LIMIT, LIMIT)),
        "uniform.webp": (_webp_uniform(16383, 16383), "16383x16383 lossless, 38 bytes", _statuses(LIMIT, LIMIT)),
        "huge-tile.j2k": (_core_case("j2k-huge-tile"), "SIZ 60000x60000 in one tile", _statuses(LIMIT, LIMIT)),
        "many-tiles.j2k": (_core_case("j2k-65535-tiles"), "SIZ 65535x1 in 65535 tiles", _statuses(LIMIT, LIMIT)),
        # The region lies in the first tile, whose data is there (damaged.py's lying sizes).
        "lying.j2k": (patch_siz(j2k_bytes(tile_size=(1024, 1024)), width=40000, height=40000),
                      "SIZ 40000x40000 in 1024 tiles, data of 64x48", _statuses(OK, DAMAGED, OK)),
        "lying.jp2": (patch_siz(j2k_bytes(jp2=True, tile_size=(1024, 1024)), width=40000, height=40000),
                      "the same in a JP2 whose ihdr says 64x48", _statuses(DAMAGED, DAMAGED)),
    }
    cases = []
    for name, (data, claims, expect) in files.items():
        (folder / name).write_bytes(data)
        cases.append(Case(name, claims, expect))
    cases.append(Case("pages.tif", "its page 500", _statuses(OK, LIMIT), identifier="pages.tif;500"))
    return cases
