"""Damaged images of every input format, written to a folder beside the intact files they were
made from, with what each request may answer.

`build(folder)` writes the intact originals (``intact-<kind>.<ext>``) and the damaged copies,
and returns the cases: a damaged file's name, the intact file it was made from (None for files
that never were images) and, per request, what the answer must be:

- ``ERROR``: a 5xx (the client did nothing wrong; the file is damaged where the request reads);
- ``SAME``: a 200 whose pixels are those of the intact file (the damage lies where the request
  does not read, or harms nothing a decoder needs);
- ``EITHER``: a 5xx, or a 200 whose pixels are the intact file's (where whether the request
  reads the damaged part depends on the encoder's layout, not on the server). An info carries no
  pixels: under ``EITHER`` it says what the headers say, even where they lie.

A 200 with pixels other than the intact file's is never right: that is a picture made up.
"""

import io
import struct
import subprocess
from dataclasses import dataclass, field

import numpy as np
from PIL import Image as PILImage

from ..core.synth import patch_siz, patch_tiff, photo, tiff_entries, tiff_values

ERROR, SAME, EITHER = "error", "same", "either"

#: The requests asked of every file: its info, the whole image, a thumbnail, the top-left tile and
#: the bottom-right one (of a tiled TIFF, a stored tile sent as it is).
REQUESTS = {
    "info": "info.json",
    "full": "full/max/0/default.jpg",
    "thumb": "full/64,/0/default.jpg",
    "tile": "0,0,128,128/128,/0/default.jpg",
    "corner": "384,256,128,128/128,/0/default.jpg",
}

WIDTH, HEIGHT = 512, 384


@dataclass(frozen=True)
class Case:
    name: str
    intact: str | None
    expect: dict[str, str] = field(default_factory=dict)


def _all(outcome):
    return dict.fromkeys(REQUESTS, outcome)


def _pixels(outcome, info=SAME, tile=None, corner=None):
    """The info as `info`; every pixel request `outcome` but the top-left tile and the bottom-right
    one, `tile` and `corner` if given."""
    return {"info": info, "full": outcome, "thumb": outcome, "tile": tile or outcome, "corner": corner or outcome}


def _encoded(im, fmt, **options):
    buf = io.BytesIO()
    im.save(buf, fmt, **options)
    return buf.getvalue()


def _cut(data, fraction):
    return data[: int(len(data) * fraction)]


def _bad_huffman_table(jpeg):
    """The first DHT's code counts oversubscribed: more 1-bit codes than a bit can tell apart."""
    out = bytearray(jpeg)
    at = out.find(b"\xff\xc4")
    out[at + 5] = 3
    return bytes(out)


def _stray_marker_in_scan(jpeg):
    """A marker (RST0) in the middle of the entropy-coded data of a file without restart
    intervals: the decoder runs out of data for the rest of the scan."""
    scan = jpeg.find(b"\xff\xda")
    middle = scan + (len(jpeg) - scan) // 2
    while jpeg[middle - 1] == 0xFF:
        middle += 1
    return jpeg[:middle] + b"\xff\xd0" + jpeg[middle:]


def _tiff_chunk(data, index, change):
    """A copy of a TIFF whose chunk `index` of the first directory is replaced by
    `change(chunk bytes)` (in place, the same length)."""
    entries = _first_entries(data)
    offsets_tag, counts_tag = (324, 325) if 324 in entries else (273, 279)
    offset = tiff_values(data, entries[offsets_tag])[index]
    count = tiff_values(data, entries[counts_tag])[index]
    out = bytearray(data)
    out[offset : offset + count] = change(bytes(data[offset : offset + count]))
    return bytes(out)


def _cut_chunk(data, index):
    """A copy of a TIFF whose chunk `index` of the first directory is cut to half its length."""
    entries = _first_entries(data)
    counts = tiff_values(data, entries[325 if 325 in entries else 279])
    counts[index] //= 2
    return patch_tiff(data, 325 if 325 in entries else 279, counts, first_only=True)


def _first_entries(data):
    return {e["tag"]: e for e in tiff_entries(data) if e["ifd"] == _first_ifd(data)}


def _last_chunk(data):
    entries = _first_entries(data)
    return len(tiff_values(data, entries[324 if 324 in entries else 273])) - 1


def _first_ifd(data):
    return struct.unpack_from("<I", data, 4)[0]


def _ifd_loop(data):
    """The first directory names itself as the next one."""
    out = bytearray(data)
    ifd = _first_ifd(data)
    (n,) = struct.unpack_from("<H", out, ifd)
    struct.pack_into("<I", out, ifd + 2 + 12 * n, ifd)
    return bytes(out)


def _vips(*args):
    subprocess.run(["vips", *map(str, args)], check=True, capture_output=True)


def build(folder):
    """Write the intact and damaged files into `folder`; return the cases."""
    rgb = photo(WIDTH, HEIGHT, seed=23)
    im = PILImage.fromarray(rgb)
    intact = {
        "baseline.jpg": _encoded(im, "JPEG", quality=85),
        "progressive.jpg": _encoded(im, "JPEG", quality=85, progressive=True),
        "strips.tif": _encoded(im, "TIFF", compression="tiff_lzw"),
        "plain.png": _encoded(im, "PNG"),
        "frame.gif": _encoded(im.quantize(64), "GIF"),
        "lossy.webp": _encoded(im, "WEBP", quality=70),
        "lossless.webp": _encoded(im, "WEBP", lossless=True),
        "untiled.jp2": _encoded(im, "JPEG2000", irreversible=True),
        "tiled.jp2": _encoded(im, "JPEG2000", tile_size=(128, 128), irreversible=True),
        "untiled.j2k": _encoded(im, "JPEG2000", irreversible=True, no_jp2=True),
        "tiled.j2k": _encoded(im, "JPEG2000", tile_size=(128, 128), irreversible=True, no_jp2=True),
    }
    im.save(folder / "source.png")
    _vips("tiffsave", folder / "source.png", folder / "tiles.tif", "--tile", "--compression", "deflate",
          "--tile-width", "128", "--tile-height", "128")
    _vips("tiffsave", folder / "source.png", folder / "pyramid.tif", "--tile", "--pyramid", "--compression", "jpeg",
          "--tile-width", "128", "--tile-height", "128")
    intact["tiles.tif"] = (folder / "tiles.tif").read_bytes()
    intact["pyramid.tif"] = (folder / "pyramid.tif").read_bytes()
    for name, data in intact.items():
        (folder / f"intact-{name}").write_bytes(data)

    damaged = {}

    def add(name, source, data, expect):
        damaged[name] = (source and f"intact-{source}", data, expect)

    for kind in ("baseline.jpg", "progressive.jpg"):
        data = intact[kind]
        add(f"cut-header-{kind}", kind, data[:200], _all(ERROR))
        for percent in (30, 60, 95):
            # A sequential file's top-left tile needs only the data of the rows above it.
            add(f"cut-{percent}-{kind}", kind, _cut(data, percent / 100),
                _pixels(ERROR, tile=EITHER if kind == "baseline.jpg" else ERROR))
        # Without its end marker a single scan is whole; a progressive file may have lost scans.
        add(f"no-eoi-{kind}", kind, data[:-2], _pixels(SAME if kind == "baseline.jpg" else EITHER))
        add(f"trailing-garbage-{kind}", kind, data + bytes(range(256)), _pixels(SAME))
    add("bad-huffman-table-baseline.jpg", "baseline.jpg", _bad_huffman_table(intact["baseline.jpg"]), _pixels(ERROR, info=EITHER))
    add("stray-marker-baseline.jpg", "baseline.jpg", _stray_marker_in_scan(intact["baseline.jpg"]), _pixels(ERROR, tile=EITHER))

    for kind in ("strips.tif", "tiles.tif", "pyramid.tif"):
        data = intact[kind]
        add(f"cut-header-{kind}", kind, data[:6], _all(ERROR))
        # The directory comes last in Pillow's files, first in libvips's.
        add(f"cut-60-{kind}", kind, _cut(data, 0.6), _pixels(ERROR, info=EITHER, tile=EITHER))
        add(f"ifd-beyond-eof-{kind}", kind, data[:4] + b"\xff\xff\xff\x7f" + data[8:], _all(ERROR))
        add(f"ifd-loop-{kind}", kind, _ifd_loop(data), _pixels(EITHER, info=EITHER))
        last = _last_chunk(data)
        # A pyramid's thumbnail is read from a smaller level, which is not damaged.
        thumb = {"thumb": SAME} if kind == "pyramid.tif" else {}
        add(f"offset-beyond-eof-{kind}", kind, patch_tiff(data, 324 if kind != "strips.tif" else 273,
                                                              [0x7FFFFF00] * (last + 1), first_only=True),
            _pixels(ERROR) | thumb)
        # The last chunk damaged: the first tile reads none of it.
        add(f"last-chunk-zeroed-{kind}", kind, _tiff_chunk(data, last, lambda c: bytes(len(c))), _pixels(ERROR, tile=SAME) | thumb)
        add(f"last-chunk-cut-{kind}", kind, _cut_chunk(data, last), _pixels(ERROR, tile=SAME) | thumb)

    for kind in ("plain.png", "frame.gif", "lossy.webp", "lossless.webp", "untiled.jp2", "tiled.jp2", "untiled.j2k", "tiled.j2k"):
        data = intact[kind]
        add(f"cut-header-{kind}", kind, data[:20], _all(ERROR))
        for percent in (30, 60, 95):
            add(f"cut-{percent}-{kind}", kind, _cut(data, percent / 100), _pixels(ERROR, info=EITHER, tile=EITHER))
    for kind in ("untiled.jp2", "tiled.jp2", "untiled.j2k", "tiled.j2k"):
        # The header claims twice the size the data holds.
        add(f"lying-size-{kind}", kind, patch_siz(intact[kind], width=2 * WIDTH, height=2 * HEIGHT),
            _pixels(ERROR, info=EITHER, tile=EITHER, corner=EITHER))

    add("empty.jpg", None, b"", _all(ERROR))
    add("random.jpg", None, np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes(), _all(ERROR))
    add("random.tif", None, np.random.default_rng(2).integers(0, 256, 5000, dtype=np.uint8).tobytes(), _all(ERROR))
    # A sound image under another format's extension: the bytes say what it is.
    add("png-named.jpg", "plain.png", intact["plain.png"], _all(SAME))
    add("jpeg-named.tif", "baseline.jpg", intact["baseline.jpg"], _all(SAME))

    cases = []
    for name, (source, data, expect) in damaged.items():
        (folder / name).write_bytes(data)
        cases.append(Case(name, source, expect))
    return cases
