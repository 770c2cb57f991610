"""Test images made in code: photo-like pixels, and PNG and TIFF files written byte by byte where
Pillow cannot write the variant (2- and 4-bit gray PNG, 16-bit RGB, MinIsWhite, premultiplied
alpha, big-endian and deliberately broken TIFF structures)."""

import io
import struct
import zlib

import numpy as np
from PIL import Image as PILImage


def photo(w, h, seed=0):
    """RGB pixels that compress like a photograph: smooth colour fields, a few hard-edged
    shapes and mild noise. The same arguments always give the same pixels."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = x / max(w, 1), y / max(h, 1)
    img = np.stack(
        [
            128 + 100 * np.sin(2 * np.pi * (1.5 * u + 0.5 * v)),
            128 + 100 * np.cos(2 * np.pi * (0.7 * u - 1.3 * v)),
            255 * (0.5 * u + 0.5 * v),
        ],
        axis=-1,
    )
    for _ in range(6):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        radius = rng.uniform(0.05, 0.2) * min(w, h)
        img[(x - cx) ** 2 + (y - cy) ** 2 < radius**2] = rng.uniform(0, 255, 3)
    img += rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def alpha_ramp(w, h):
    """An alpha channel running from transparent (left) to opaque (right), with a fully
    transparent and a fully opaque band so both extremes are present."""
    a = np.tile(np.linspace(0, 255, w).round().astype(np.uint8), (h, 1))
    a[: h // 4] = 0
    a[-(h // 4) :] = 255
    return a


def pack_rows(arr, bits):
    """Rows of small unsigned values packed most significant bit first, each row padded to a byte."""
    h, w = arr.shape
    per_byte = 8 // bits
    padded = np.zeros((h, -(-w // per_byte) * per_byte), np.uint8)
    padded[:, :w] = arr
    groups = padded.reshape(h, -1, per_byte).astype(np.uint16)
    shifts = np.arange(per_byte - 1, -1, -1, dtype=np.uint16) * bits
    return (groups << shifts).sum(axis=2).astype(np.uint8).tobytes()


# --- PNG ----------------------------------------------------------------------------------


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bytes(width, height, bit_depth, color_type, rows, *, interlace=0, extra=()):
    """A PNG from raw (unfiltered) scanlines `rows`, a list of bytes objects, one per row."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, interlace)
    idat = zlib.compress(b"".join(b"\0" + r for r in rows))
    chunks = [png_chunk(b"IHDR", ihdr), *extra, png_chunk(b"IDAT", idat), png_chunk(b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def png_with_idat(w, h, bit_depth=8, color_type=2, idat=b""):
    """A PNG of one IDAT chunk holding `idat` as it is, whatever the header claims."""
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")

# --- TIFF ---------------------------------------------------------------------------------

SHORT, LONG, RATIONAL = 3, 4, 5
_FORMATS = {1: "B", 2: "B", 3: "H", 4: "I", 7: "B", 16: "Q"}
_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 16: 8}


def _values(order, kind, values):
    if kind == RATIONAL:
        return b"".join(struct.pack(order + "II", n, d) for n, d in values)
    return struct.pack(order + _FORMATS[kind] * len(values), *values)


def tiff_bytes(pages, *, order="<"):
    """A classic TIFF of `pages`, each `(tags, chunks)`: `tags` maps tag -> (type, values) and
    `chunks` holds the strips or tiles as stored. Offsets and byte counts are filled in (as
    TileOffsets/TileByteCounts when tag 322 is present, else as strips)."""
    out = bytearray(b"II*\0" if order == "<" else b"MM\0*")
    out += b"\0\0\0\0"
    next_field = 4
    for tags, chunks in pages:
        offsets = []
        for c in chunks:
            offsets.append(len(out))
            out += c
            if len(out) % 2:
                out += b"\0"
        tags = dict(tags)
        tiled = 322 in tags
        tags[324 if tiled else 273] = (LONG, offsets)
        tags[325 if tiled else 279] = (LONG, [len(c) for c in chunks])
        placed = {}
        for tag, (kind, values) in sorted(tags.items()):
            data = _values(order, kind, values)
            if len(data) > 4:
                placed[tag] = len(out)
                out += data
                if len(out) % 2:
                    out += b"\0"
        ifd = len(out)
        struct.pack_into(order + "I", out, next_field, ifd)
        out += struct.pack(order + "H", len(tags))
        for tag, (kind, values) in sorted(tags.items()):
            count = len(values)
            data = _values(order, kind, values)
            field = struct.pack(order + "I", placed[tag]) if tag in placed else data.ljust(4, b"\0")
            out += struct.pack(order + "HHI", tag, kind, count) + field
        next_field = len(out)
        out += b"\0\0\0\0"
    return bytes(out)


def rgb_tags(w, h, extra=()):
    """The tags of an uncompressed 8-bit RGB image of one strip, with `extra` added or replacing."""
    tags = {256: (LONG, [w]), 257: (LONG, [h]), 258: (SHORT, [8, 8, 8]), 259: (SHORT, [1]), 262: (SHORT, [2]),
            277: (SHORT, [3]), 278: (LONG, [h])}
    tags.update(extra)
    return tags

def tiff_entries(data):
    """Every entry of every directory in a classic TIFF's main chain, as dicts with the entry's
    own `at` offset, for patching. Stops at a loop or at the end of the data."""
    order = "<" if data[:2] == b"II" else ">"
    seen, found = set(), []
    try:
        (offset,) = struct.unpack_from(order + "I", data, 4)
        while offset and offset not in seen:
            seen.add(offset)
            (n,) = struct.unpack_from(order + "H", data, offset)
            for i in range(n):
                at = offset + 2 + 12 * i
                tag, kind, count = struct.unpack_from(order + "HHI", data, at)
                found.append({"ifd": offset, "at": at, "tag": tag, "type": kind, "count": count})
            (offset,) = struct.unpack_from(order + "I", data, offset + 2 + 12 * n)
    except struct.error:
        pass
    return found


def tiff_values(data, entry):
    """The integer values of one entry found by `tiff_entries`."""
    order = "<" if data[:2] == b"II" else ">"
    size = _SIZES[entry["type"]] * entry["count"]
    where = entry["at"] + 8 if size <= 4 else struct.unpack_from(order + "I", data, entry["at"] + 8)[0]
    return list(struct.unpack_from(order + _FORMATS[entry["type"]] * entry["count"], data, where))


def patch_tiff(data, tag, values=None, *, kind=None, count=None, first_only=False):
    """A copy of `data` with tag `tag` changed in every directory (or only the first): its
    values rewritten in place (same size), or its type and count fields set directly."""
    order = "<" if data[:2] == b"II" else ">"
    out = bytearray(data)
    hits = [e for e in tiff_entries(data) if e["tag"] == tag]
    if not hits:
        raise ValueError(f"tag {tag} is not in the file")
    for e in hits[:1] if first_only else hits:
        if values is not None:
            size = _SIZES[e["type"]] * e["count"]
            where = e["at"] + 8 if size <= 4 else struct.unpack_from(order + "I", data, e["at"] + 8)[0]
            struct.pack_into(order + _FORMATS[e["type"]] * len(values), out, where, *values)
        if kind is not None:
            struct.pack_into(order + "H", out, e["at"] + 2, kind)
        if count is not None:
            struct.pack_into(order + "I", out, e["at"] + 4, count)
    return bytes(out)


def strips(raw, row_bytes, rows_per_strip, height):
    """Uncompressed image bytes cut into strips of `rows_per_strip` rows."""
    step = row_bytes * rows_per_strip
    return [raw[i : i + step] for i in range(0, row_bytes * height, step)]


def simple_tiff(
    arr, *, photometric, bits=8, order="<", rows_per_strip=16, extra_samples=None, colormap=None, planar=False
):
    """An uncompressed striped TIFF of `arr` (H x W or H x W x S, uint8 or uint16; values
    below 8 bits are packed), with each sample in its own strips when `planar`."""
    h, w = arr.shape[:2]
    spp = 1 if arr.ndim == 2 else arr.shape[2]
    dtype = order + ("u2" if bits == 16 else "u1")
    if bits < 8:
        chunks = strips(pack_rows(arr, bits), -(-w * bits // 8), rows_per_strip, h)
    elif planar:
        chunks = [c for k in range(spp) for c in strips(arr[..., k].astype(dtype).tobytes(), w * bits // 8, rows_per_strip, h)]
    else:
        chunks = strips(arr.astype(dtype).tobytes(), w * spp * bits // 8, rows_per_strip, h)
    tags = {
        256: (LONG, [w]),
        257: (LONG, [h]),
        258: (SHORT, [bits] * spp),
        259: (SHORT, [1]),
        262: (SHORT, [photometric]),
        277: (SHORT, [spp]),
        278: (LONG, [rows_per_strip]),
        284: (SHORT, [2 if planar else 1]),
    }
    if extra_samples is not None:
        tags[338] = (SHORT, [extra_samples])
    if colormap is not None:
        tags[320] = (SHORT, colormap)
    return tiff_bytes([(tags, chunks)], order=order)


# --- JPEG ---------------------------------------------------------------------------------


def _segment(marker, body):
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(body) + 2) + body


def multiscan_jpeg(width, height, data_bytes=64):
    """A sequential (not progressive) JPEG of three components, each in its own scan, that
    declares `width` x `height` but carries only `data_bytes` of zeros per scan. Its Huffman
    tables give every block a 1-bit DC code and a 1-bit end-of-block, so zeros decode as flat
    gray blocks. A decoder must buffer the whole image's coefficients to read it."""
    dqt = _segment(0xDB, b"\x00" + b"\x01" * 64)
    sof = _segment(0xC0, struct.pack(">BHHB", 8, height, width, 3) + b"".join(bytes([i, 0x11, 0]) for i in (1, 2, 3)))
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"  # one code of length 1, for symbol 0
    dht = _segment(0xC4, b"\x00" + one_code + b"\x10" + one_code)
    scans = b"".join(_segment(0xDA, bytes([1, i, 0x00, 0, 63, 0])) + b"\x00" * data_bytes for i in (1, 2, 3))
    return b"\xff\xd8" + dqt + sof + dht + scans + b"\xff\xd9"


def lzw_zeros(n):
    """A TIFF LZW stream of `n` zero bytes, as libtiff's encoder writes it (runs of zeros need
    about sqrt(2n) codes per table, so a few hundred kilobytes expand to gigabytes)."""
    bits, acc, out = 0, 0, bytearray()

    def put(code, width):
        nonlocal bits, acc
        acc = (acc << width) | code
        bits += width
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
        acc &= (1 << bits) - 1

    width, free = 9, 258
    put(256, width)
    remaining = n
    while remaining:
        run = min(max(free - 257, 1), remaining)
        put(0 if run == 1 else 256 + run, width)
        remaining -= run
        free += 1
        if free == 4094:
            put(256, width)
            width, free = 9, 258
        elif free > (1 << width) - 1:
            width += 1
    put(257, width)
    if bits:
        out.append((acc << (8 - bits)) & 0xFF)
    return bytes(out)


# --- JPEG 2000 ----------------------------------------------------------------------------

SOT, SOD = 0xFF90, 0xFF93
_SIZ_FIELDS = ["width", "height", "x0", "y0", "tile_w", "tile_h", "tile_x0", "tile_y0"]


def j2k_bytes(w=64, h=48, *, jp2=False, **options):
    """A JPEG 2000 codestream (or, with `jp2`, a JP2 file) of `photo(w, h)`, as Pillow writes it."""
    buf = io.BytesIO()
    PILImage.fromarray(photo(w, h)).save(buf, "JPEG2000", no_jp2=not jp2, **options)
    return buf.getvalue()

def j2k_segments(data):
    """The codestream's main-header marker segments as (marker, offset, length field), from SIZ
    up to the first SOT; `data` may be a raw codestream or a JP2 file holding one."""
    at = data.find(b"\xff\x4f\xff\x51") + 2
    found = []
    while at + 4 <= len(data):
        marker, length = struct.unpack_from(">HH", data, at)
        found.append((marker, at, length))
        if marker == SOT:
            break
        at += 2 + length
    return found


def patch_siz(data, **fields):
    """A copy with SIZ fields replaced (reference-grid values named as in `_SIZ_FIELDS`:
    `width` and `height` are Xsiz and Ysiz) or, with `components`, Csiz."""
    out = bytearray(data)
    _, at, _ = next(s for s in j2k_segments(data) if s[0] == 0xFF51)
    for name, value in fields.items():
        if name == "components":
            struct.pack_into(">H", out, at + 38, value)
        else:
            struct.pack_into(">I", out, at + 6 + 4 * _SIZ_FIELDS.index(name), value)
    return bytes(out)


def cod_segment(levels=5, block=(64, 64), precincts=None, layers=1):
    """A COD marker segment: 5/3 wavelet, LRCP, no colour transform, `block` code-blocks and,
    when given, one (log2 w, log2 h) precinct size per resolution."""
    scod = 1 if precincts else 0
    body = struct.pack(">BBHB", scod, 0, layers, 0)
    body += bytes([levels, block[0].bit_length() - 3, block[1].bit_length() - 3, 0, 1])
    if precincts:
        body += bytes(w | (h << 4) for w, h in precincts)
    return struct.pack(">HH", 0xFF52, len(body) + 2) + body


def replace_cod(data, segment):
    """A copy with the main header's COD segment replaced by `segment`."""
    _, at, length = next(s for s in j2k_segments(data) if s[0] == 0xFF52)
    return data[:at] + segment + data[at + 2 + length :]


def first_tile_part(data):
    """(offset of the first SOT, its Psot)."""
    _, at, _ = j2k_segments(data)[-1]
    return at, struct.unpack_from(">I", data, at + 6)[0]


def insert_in_tile_header(data, segment):
    """A copy with `segment` added to the first tile-part's header (its Psot grown to match)."""
    at, psot = first_tile_part(data)
    out = bytearray(data[: at + 12] + segment + data[at + 12 :])
    if psot:
        struct.pack_into(">I", out, at + 6, psot + len(segment))
    return bytes(out)


def _box(kind, body):
    return struct.pack(">I", len(body) + 8) + kind + body


def jp2_file(codestream, *, enumcs=16, palette=None, cdef=None, icc=None):
    """A JP2 file around a raw `codestream`: its image header from the SIZ, a colour box with
    the enumerated colour space `enumcs` (or the ICC profile `icc`), and optionally a palette (a list of RGB rows applied
    to the first component through a component mapping) and channel definitions (a list of
    (channel, type, association); type 1 is opacity, 2 premultiplied opacity)."""
    _, at, _ = next(s for s in j2k_segments(codestream) if s[0] == 0xFF51)
    x1, y1, x0, y0 = struct.unpack_from(">IIII", codestream, at + 6)
    (count,) = struct.unpack_from(">H", codestream, at + 38)
    bits = codestream[at + 40] & 0x7F
    header = _box(b"ihdr", struct.pack(">IIHBBBB", y1 - y0, x1 - x0, count, bits, 7, 0, 0))
    colour = struct.pack(">BBB", 2, 0, 0) + icc if icc is not None else struct.pack(">BBBI", 1, 0, 0, enumcs)
    header += _box(b"colr", colour)
    if palette is not None:
        columns = len(palette[0])
        body = struct.pack(">HB", len(palette), columns) + bytes([7] * columns) + bytes(v for row in palette for v in row)
        header += _box(b"pclr", body) + _box(b"cmap", b"".join(struct.pack(">HBB", 0, 1, i) for i in range(columns)))
    if cdef is not None:
        header += _box(b"cdef", struct.pack(">H", len(cdef)) + b"".join(struct.pack(">HHH", *d) for d in cdef))
    signature = _box(b"jP  ", b"\r\n\x87\n")
    return signature + _box(b"ftyp", b"jp2 \0\0\0\0jp2 ") + _box(b"jp2h", header) + _box(b"jp2c", codestream)


def ycc_to_rgb(ycc):
    """Full-range BT.601 YCbCr (sYCC) to RGB, rounded, as the core converts."""
    y, cb, cr = (ycc[..., i].astype(np.float64) for i in range(3))
    cb, cr = cb - 128, cr - 128
    rgb = np.stack([y + 1.402 * cr, y - 0.344136 * cb - 0.714136 * cr, y + 1.772 * cb], axis=-1)
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


def pnm16(arr):
    """A 16-bit binary PGM (H x W) or PPM (H x W x 3), which opj_compress reads."""
    magic = b"P5" if arr.ndim == 2 else b"P6"
    h, w = arr.shape[:2]
    return magic + f"\n{w} {h}\n65535\n".encode() + arr.astype(">u2").tobytes()
