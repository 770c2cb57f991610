"""Hostile files, built in code: damaged structures, absurd sizes, loops and garbage, and every
file that once crashed the core or made it allocate gigabytes (kept as regression cases).

`CASES` maps a name to a function returning `(bytes, max_decode_pixels)`. `REGRESSIONS` names
the cases that exposed a bug, with the outcome the fix gives.
"""

import io
import struct
import zlib

import numpy as np
from PIL import Image as PILImage

from .synth import (
    LONG,
    SHORT,
    cod_segment,
    first_tile_part,
    insert_in_tile_header,
    j2k_bytes,
    lzw_zeros,
    multiscan_jpeg,
    patch_siz,
    patch_tiff,
    photo,
    png_with_idat,
    replace_cod,
    rgb_tags,
    simple_tiff,
    tiff_bytes,
    tiff_entries,
)

SMALL = 1 << 24  # the decode limit for most cases: 16 Mpx keeps every case cheap


def _jpeg(w=64, h=48, **options):
    buf = io.BytesIO()
    PILImage.fromarray(photo(w, h)).save(buf, "JPEG", quality=80, **options)
    return buf.getvalue()


def _png():
    buf = io.BytesIO()
    PILImage.fromarray(photo(64, 48)).save(buf, "PNG")
    return buf.getvalue()


def _tiff():
    return simple_tiff(photo(64, 48), photometric=2)


def _with_jpeg_size(data, w, h):
    out = bytearray(data)
    for sof in (b"\xff\xc0", b"\xff\xc2"):
        at = out.find(sof)
        if at >= 0:
            struct.pack_into(">HH", out, at + 5, h, w)
    return bytes(out)


def _set_next_ifd(data, ifd, target):
    """Point the directory at `ifd` to `target` as the next directory."""
    out = bytearray(data)
    (n,) = struct.unpack_from("<H", out, ifd)
    struct.pack_into("<I", out, ifd + 2 + 12 * n, target)
    return bytes(out)


def _first_ifd(data):
    return struct.unpack_from("<I", data, 4)[0]


def _two_pages():
    page = (rgb_tags(64, 48), [photo(64, 48).tobytes()])
    return tiff_bytes([page, page])


def _garbage_strip(compression):
    rng = np.random.default_rng(compression)
    tags = rgb_tags(64, 48, {259: (SHORT, [compression])})
    return tiff_bytes([(tags, [rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()])])


def _jpeg_tiled_tiff(stream, w=256, h=256, tables=None):
    tags = rgb_tags(w, h, {259: (SHORT, [7]), 262: (SHORT, [6]), 322: (LONG, [w]), 323: (LONG, [h])})
    del tags[278]
    if tables is not None:
        tags[347] = (7, list(tables))
    return tiff_bytes([(tags, [stream])])


def _gray_jpeg(w, h):
    buf = io.BytesIO()
    PILImage.fromarray(photo(w, h)).convert("L").save(buf, "JPEG", quality=80)
    return buf.getvalue()


def _subifd_self():
    """A SubIFDs tag that points back at the directory holding it."""
    data = tiff_bytes([(rgb_tags(64, 48, {330: (LONG, [0])}), [photo(64, 48).tobytes()])])
    return patch_tiff(data, 330, [_first_ifd(data)])


def _many_scans():
    data = _jpeg(progressive=True)
    last = data.rfind(b"\xff\xda")
    return data[:-2] + data[last:-2] * 600 + b"\xff\xd9"


def _j2k_huge_tile(side, **cod):
    """A codestream whose one tile is `side` pixels square, coded as `cod` says, with the
    tile data of a 64x48 image: OpenJPEG sets up the whole tile before finding that out."""
    data = j2k_bytes()
    return replace_cod(patch_siz(data, width=side, height=side, tile_w=side, tile_h=side), cod_segment(**cod))


def _j2k_tile_cod(side):
    """Ordinary code-blocks in the main header, 4x4 ones for the first tile in its own header."""
    data = patch_siz(j2k_bytes(), width=side, height=side, tile_w=side, tile_h=side)
    return insert_in_tile_header(data, cod_segment(block=(4, 4)))


def _j2k_sot(index=None, psot=None):
    """A codestream whose first tile-part names tile `index` or claims `psot` bytes."""
    data = bytearray(j2k_bytes())
    at, _ = first_tile_part(bytes(data))
    if index is not None:
        struct.pack_into(">H", data, at + 4, index)
    if psot is not None:
        struct.pack_into(">I", data, at + 6, psot)
    return bytes(data)


def _jp2_box_length(kind, length):
    data = bytearray(j2k_bytes(jp2=True))
    at = data.find(kind) - 4
    struct.pack_into(">I", data, at, length)
    return bytes(data)


CASES = {
    # --- TIFF: directory structure
    "tiff-bits-per-sample-empty": lambda: (patch_tiff(_tiff(), 258, kind=SHORT, count=0), SMALL),
    "tiff-ifd-loop-self": lambda: (_set_next_ifd(_tiff(), _first_ifd(_tiff()), _first_ifd(_tiff())), SMALL),
    "tiff-ifd-loop-two": lambda: (_set_next_ifd(_two_pages(), max(e["ifd"] for e in tiff_entries(_two_pages())),
                                                 _first_ifd(_two_pages())), SMALL),
    "tiff-subifd-self": lambda: (_subifd_self(), SMALL),
    "tiff-subifd-beyond-eof": lambda: (tiff_bytes([(rgb_tags(64, 48, {330: (LONG, [1 << 30])}), [b"\0" * 9216])]), SMALL),
    "tiff-first-ifd-beyond-eof": lambda: (b"II*\0\xff\xff\xff\x7f" + b"\0" * 64, SMALL),
    "tiff-no-directory": lambda: (b"II*\0\0\0\0\0" + b"\0" * 64, SMALL),
    "bigtiff-no-directory": lambda: (b"MM\0+\0\x08\0\0" + b"\0" * 64, SMALL),
    "tiff-zero-entries": lambda: (b"II*\0\x08\0\0\0\0\0\0\0\0\0", SMALL),
    "bigtiff-huge-entry-count": lambda: (b"II+\0\x08\0\0\0" + struct.pack("<QQ", 16, 1 << 40) + b"\0" * 64, SMALL),
    "tiff-unknown-field-type": lambda: (patch_tiff(_tiff(), 256, kind=99), SMALL),
    "tiff-tag-count-huge": lambda: (patch_tiff(_tiff(), 273, count=0x3FFFFFFF), SMALL),
    "tiff-missing-width": lambda: (patch_tiff(_tiff(), 256, kind=SHORT, count=0), SMALL),
    # --- TIFF: sizes and chunks
    "tiff-huge-dimensions": lambda: (tiff_bytes([(rgb_tags(0xFFFFFFFF, 0xFFFFFFFF), [b"\0" * 64])]), SMALL),
    "tiff-huge-tile": lambda: (tiff_bytes([(rgb_tags(70000, 70000, {322: (LONG, [70000]), 323: (LONG, [70000])}),
                                            [b"\0" * 64])]), SMALL),
    "tiff-absurd-byte-count": lambda: (patch_tiff(_tiff(), 279, [0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF]), SMALL),
    "tiff-offset-beyond-eof": lambda: (patch_tiff(_tiff(), 273, [0x7FFFFFF0, 0x7FFFFFF0, 0x7FFFFFF0]), SMALL),
    "tiff-too-few-offsets": lambda: (tiff_bytes([(rgb_tags(64, 48, {278: (LONG, [1])}), [b"\0" * 192])]), SMALL),
    "tiff-rows-per-strip-zero": lambda: (tiff_bytes([(rgb_tags(64, 48, {278: (LONG, [0])}), [b"\0" * 9216])]), SMALL),
    "tiff-tile-width-zero": lambda: (tiff_bytes([(rgb_tags(64, 48, {322: (LONG, [0]), 323: (LONG, [16])}), [b""])]), SMALL),
    "tiff-short-strip": lambda: (tiff_bytes([(rgb_tags(64, 48), [b"\x80" * 100])]), SMALL),
    "tiff-empty-strip": lambda: (tiff_bytes([(rgb_tags(64, 48), [b""])]), SMALL),
    "tiff-lzw-garbage": lambda: (_garbage_strip(5), SMALL),
    "tiff-deflate-garbage": lambda: (_garbage_strip(8), SMALL),
    "tiff-packbits-garbage": lambda: (_garbage_strip(32773), SMALL),
    "tiff-lzw-bomb": lambda: (tiff_bytes([(rgb_tags(64, 48, {259: (SHORT, [5])}), [lzw_zeros(600_000_000)])]), SMALL),
    "tiff-predictor-on-4-bits": lambda: (tiff_bytes([({**rgb_tags(64, 48), 258: (SHORT, [4]), 262: (SHORT, [1]),
                                                        277: (SHORT, [1]), 317: (SHORT, [2])}, [b"\0" * 1536])]), SMALL),
    "tiff-palette-without-colormap": lambda: (tiff_bytes([({**rgb_tags(64, 48), 258: (SHORT, [8]), 262: (SHORT, [3]),
                                                             277: (SHORT, [1])}, [b"\0" * 3072])]), SMALL),
    "tiff-colormap-short": lambda: (tiff_bytes([({**rgb_tags(64, 48), 258: (SHORT, [8]), 262: (SHORT, [3]),
                                                  277: (SHORT, [1]), 320: (SHORT, [0] * 30)}, [b"\0" * 3072])]), SMALL),
    "tiff-many-samples": lambda: (tiff_bytes([({**rgb_tags(4096, 4096), 258: (SHORT, [8] * 4000),
                                                277: (SHORT, [4000])}, [b""])]), SMALL),
    # --- TIFF: JPEG chunks
    "tiff-jpeg-tile-claims-huge-size": lambda: (_jpeg_tiled_tiff(_with_jpeg_size(_jpeg(256, 256), 15000, 15000)), 1 << 28),
    "tiff-jpeg-tile-is-gray": lambda: (_jpeg_tiled_tiff(_gray_jpeg(256, 256)), SMALL),
    "tiff-jpeg-tile-garbage": lambda: (_jpeg_tiled_tiff(b"\xff\xd8" + bytes(range(256)) * 4), SMALL),
    "tiff-jpeg-tables-garbage": lambda: (_jpeg_tiled_tiff(_jpeg(256, 256), tables=b"\xff\xd8\x01\x02\x03\xff\xd9"), SMALL),
    # --- JPEG
    "jpeg-progressive-claims-huge-size": lambda: (_with_jpeg_size(_jpeg(progressive=True), 14000, 14000), SMALL),
    "jpeg-multiscan-claims-huge-size": lambda: (multiscan_jpeg(12000, 12000), SMALL),
    "jpeg-baseline-claims-huge-size": lambda: (_with_jpeg_size(_jpeg(), 65500, 65500), SMALL),
    "jpeg-zero-width": lambda: (_with_jpeg_size(_jpeg(), 0, 48), SMALL),
    "jpeg-truncated-in-header": lambda: (_jpeg()[:150], SMALL),
    "jpeg-truncated-in-scan": lambda: (_jpeg(640, 480)[:-400], SMALL),
    "jpeg-no-scan": lambda: (_jpeg()[: _jpeg().find(b"\xff\xda")] + b"\xff\xd9", SMALL),
    "jpeg-many-scans": lambda: (_many_scans(), SMALL),
    "jpeg-only-soi": lambda: (b"\xff\xd8\xff", SMALL),
    # --- PNG
    "png-huge-dimensions": lambda: (png_with_idat(0x7FFFFFFF, 0x7FFFFFFF, idat=zlib.compress(b"\0" * 100)), SMALL),
    "png-zero-width": lambda: (png_with_idat(0, 10, idat=zlib.compress(b"\0" * 10)), SMALL),
    "png-bad-crc": lambda: (_png()[:29] + b"\0\0\0\0" + _png()[33:], SMALL),
    "png-idat-garbage": lambda: (png_with_idat(64, 48, idat=bytes(range(256)) * 8), SMALL),
    "png-truncated": lambda: (_png()[: len(_png()) // 2], SMALL),
    "png-zlib-bomb": lambda: (png_with_idat(6000, 6000, 8, 0, zlib.compress(b"\0" * 6001 * 6000, 9)), 1 << 26),
    "png-palette-without-plte": lambda: (png_with_idat(64, 48, 8, 3, zlib.compress(b"\0" * 65 * 48)), SMALL),
    # --- JPEG 2000
    "j2k-huge-image": lambda: (patch_siz(j2k_bytes(), width=0xFFFFFFFF, height=0xFFFFFFFF, tile_w=1 << 16, tile_h=1 << 16),
                               SMALL),
    "j2k-huge-image-one-tile": lambda: (patch_siz(j2k_bytes(), width=0x7FFFFFFF, height=0x7FFFFFFF, tile_w=0x7FFFFFFF,
                                                  tile_h=0x7FFFFFFF), SMALL),
    "j2k-huge-tile": lambda: (_j2k_huge_tile(60000), SMALL),
    "j2k-huge-tile-tiny-code-blocks": lambda: (_j2k_huge_tile(16384, block=(4, 4)), 1 << 28),
    "j2k-huge-tile-tiny-precincts": lambda: (_j2k_huge_tile(8192, levels=5, precincts=[(1, 1)] * 6), 1 << 28),
    "j2k-tile-header-tiny-code-blocks": lambda: (_j2k_tile_cod(16384), 1 << 28),
    "j2k-65535-tiles": lambda: (patch_siz(j2k_bytes(), width=65535, height=1, tile_w=1, tile_h=1), SMALL),
    "j2k-too-many-tiles": lambda: (patch_siz(j2k_bytes(), width=65536, height=2, tile_w=1, tile_h=1), SMALL),
    "j2k-tile-size-zero": lambda: (patch_siz(j2k_bytes(), tile_w=0), SMALL),
    "j2k-tile-origin-past-image": lambda: (patch_siz(j2k_bytes(), tile_x0=10, x0=5), SMALL),
    "j2k-many-components": lambda: (patch_siz(j2k_bytes(), components=16384), SMALL),
    "j2k-32-decompositions": lambda: (replace_cod(j2k_bytes(), cod_segment(levels=32)), SMALL),
    "j2k-33-decompositions": lambda: (replace_cod(j2k_bytes(), cod_segment(levels=33)), SMALL),
    "j2k-tile-index-out-of-range": lambda: (_j2k_sot(index=9999), SMALL),
    "j2k-psot-beyond-eof": lambda: (_j2k_sot(psot=0x7FFFFFFF), SMALL),
    "j2k-truncated-in-main-header": lambda: (j2k_bytes()[:60], SMALL),
    "j2k-truncated-in-tile-header": lambda: (j2k_bytes()[: first_tile_part(j2k_bytes())[0] + 8], SMALL),
    "j2k-truncated-in-tile-data": lambda: (j2k_bytes(256, 256)[:-600], SMALL),
    "j2k-only-soc-siz": lambda: (b"\xff\x4f\xff\x51", SMALL),
    "jp2-truncated-in-boxes": lambda: (j2k_bytes(jp2=True)[:40], SMALL),
    "jp2-truncated-in-codestream": lambda: (j2k_bytes(256, 256, jp2=True)[:3000], SMALL),
    "jp2-box-longer-than-file": lambda: (_jp2_box_length(b"jp2h", 0x7FFFFFFF), SMALL),
    "jp2-box-length-too-small": lambda: (_jp2_box_length(b"jp2h", 3), SMALL),
    "jp2-no-codestream": lambda: (j2k_bytes(jp2=True)[: j2k_bytes(jp2=True).find(b"jp2c") - 4], SMALL),
    "jp2-only-signature": lambda: (j2k_bytes(jp2=True)[:12], SMALL),
    # --- not an image at all
    "empty": lambda: (b"", SMALL),
    "text": lambda: (b"not an image, just some words", SMALL),
}


# Cases that exposed a bug, the outcome after the fix, and what happened before.
REGRESSIONS = {
    "tiff-bits-per-sample-empty": ("ImageFormatError", "a Rust panic (index out of bounds) in Layout::read"),
    "tiff-many-samples": ("UnsupportedError", "an abort: a 67 GB allocation for one strip of 4000 samples"),
    "tiff-jpeg-tile-claims-huge-size": (None, "2.7 GB and 6 s to decode the whole stream for one 256x256 tile"),
    "jpeg-progressive-claims-huge-size": ("LimitError", "~1 GB of coefficient buffers despite a 16 Mpx limit"),
    "jpeg-multiscan-claims-huge-size": ("ImageFormatError", "~0.9 GB of coefficient buffers despite a 16 Mpx limit"),
    "tiff-lzw-bomb": (None, "600 MB: the whole LZW stream was decoded for a 64x48 strip"),
    "tiff-no-directory": ("ImageFormatError", "a Rust panic (index out of bounds) in TiffCodec::open"),
    "bigtiff-no-directory": ("ImageFormatError", "a Rust panic (index out of bounds) in TiffCodec::open"),
    # JPEG 2000: guarded from the start; "before" is what OpenJPEG 2.5 does when handed the file.
    "j2k-huge-tile": ("LimitError", "1.07 GB of code-block records before a pixel is decoded"),
    "j2k-huge-tile-tiny-code-blocks": ("LimitError", "19.6 GB and 46 s for an 8x8 area (opj_decompress 2.5.0)"),
    "j2k-huge-tile-tiny-precincts": ("LimitError", "killed by the kernel's OOM killer (~107 GB asked for)"),
    "j2k-tile-header-tiny-code-blocks": ("LimitError", "the same as tiny code-blocks, set where only a walk of the "
                                                       "tile-part headers finds them"),
    "j2k-65535-tiles": ("LimitError", "760 MB of tile parameters while reading the main header"),
}
