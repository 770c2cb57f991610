"""IIIF Image API request parameters: parsed from path segments into a frozen ``ImageRequest``,
resolved against an image's size into pixels, and written back in canonical form. Pure: no I/O.

Resolution owns every check that is the client's fault, so that such a request is a 4xx before
the core is called: the upscaling rules, ``max_scale``, ``max_pixels``, and the limits the core
exports (the largest side each output format holds, the most pixels the core makes), checked
against the output after rotation as the core computes it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from casaba import _core
from casaba.errors import BadRequest, Forbidden

QUALITIES = ("default", "color", "gray", "bitonal")
#: Formats of the Image API that this server writes.
OUTPUT_FORMATS = ("jpg", "png", "gif", "webp", "tif")
#: Their media types.
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp", "tif": "image/tiff"}
#: Formats the Image API names; asking for one not in OUTPUT_FORMATS is a 400 that says so.
KNOWN_FORMATS = ("jpg", "png", "gif", "webp", "tif", "jp2", "pdf")


class Version(Enum):
    V2 = "2"
    V3 = "3"


@dataclass(frozen=True)
class Region:
    kind: str  # "full", "square", "pixels" or "percent"
    values: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Size:
    kind: str  # "max", "width", "height", "percent", "exact" or "confined"
    width: int | None = None
    height: int | None = None
    percent: float | None = None
    upscale: bool = False


@dataclass(frozen=True)
class Rotation:
    degrees: float
    mirror: bool


@dataclass(frozen=True)
class ImageRequest:
    identifier: str
    region: Region
    size: Size
    rotation: Rotation
    quality: str
    format: str


@dataclass(frozen=True)
class Limits:
    """``max_pixels`` and ``max_scale`` from the configuration; 0 means no limit."""

    max_pixels: int = 0
    max_scale: float = 0.0


@dataclass(frozen=True)
class Resolved:
    """A request in pixels: the region in full-image coordinates and the output size before rotation."""

    region: tuple[int, int, int, int]
    size: tuple[int, int]
    mirror: bool
    #: Clockwise degrees, 0 to 360.
    rotation: float
    quality: str
    format: str


_INT = r"(?:0|[1-9][0-9]*)"
_NUM = r"(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"
_PIXELS = re.compile(rf"({_INT}),({_INT}),({_INT}),({_INT})")
_PERCENT = re.compile(rf"pct:({_NUM}),({_NUM}),({_NUM}),({_NUM})")
_ROTATION = re.compile(rf"(!?)({_NUM})")


def parse_region(text: str) -> Region:
    if text in ("full", "square"):
        return Region(text)
    m = _PIXELS.fullmatch(text)
    kind = "pixels"
    if not m:
        m = _PERCENT.fullmatch(text)
        kind = "percent"
    if not m:
        raise BadRequest(f"Invalid region {text!r}: expected full, square, x,y,w,h or pct:x,y,w,h.")
    # Pixels as integers, exact however many digits; a percentage past float's range is infinite.
    x, y, w, h = (int(v) if kind == "pixels" else float(v) for v in m.groups())
    if w <= 0 or h <= 0:
        raise BadRequest(f"Invalid region {text!r}: width and height must be greater than zero.")
    if kind == "percent" and (x >= 100 or y >= 100):
        raise BadRequest(f"Invalid region {text!r}: it lies outside the image.")
    return Region(kind, (x, y, w, h))


def parse_size(text: str, version: Version) -> Size:
    upscale = version is Version.V3 and text.startswith("^")
    body = text[1:] if upscale else text
    if body == "max" or (version is Version.V2 and body == "full"):
        return Size("max", upscale=upscale)
    # 2.1 has no '^': a size larger than the region is allowed (within max_scale).
    upscale = upscale or version is Version.V2
    if body.startswith("pct:"):
        raw = body[4:]
        if not re.fullmatch(_NUM, raw) or float(raw) <= 0:
            raise BadRequest(f"Invalid size {text!r}: pct: needs a number greater than zero.")
        return Size("percent", percent=float(raw), upscale=upscale)
    confined = body.startswith("!")
    if confined:
        body = body[1:]
    m = re.fullmatch(rf"({_INT})?,({_INT})?", body)
    if not m or m.group(1) is None and m.group(2) is None:
        raise BadRequest(f"Invalid size {text!r}: expected max, w,, ,h, pct:n, w,h or !w,h.")
    w = int(m.group(1)) if m.group(1) is not None else None
    h = int(m.group(2)) if m.group(2) is not None else None
    if w == 0 or h == 0:
        raise BadRequest(f"Invalid size {text!r}: width and height must be greater than zero.")
    if confined and (w is None or h is None):
        raise BadRequest(f"Invalid size {text!r}: !w,h needs both a width and a height.")
    if w is not None and h is not None:
        return Size("confined" if confined else "exact", w, h, upscale=upscale)
    return Size("width" if w is not None else "height", w, h, upscale=upscale)


def parse_rotation(text: str) -> Rotation:
    m = _ROTATION.fullmatch(text)
    if not m or float(m.group(2)) > 360:
        raise BadRequest(f"Invalid rotation {text!r}: expected a number from 0 to 360, optionally after '!'.")
    return Rotation(float(m.group(2)), m.group(1) == "!")


def parse_quality_format(text: str) -> tuple[str, str]:
    quality, dot, fmt = text.rpartition(".")
    if not dot or quality not in QUALITIES:
        raise BadRequest(f"Invalid quality {quality or text!r}: expected one of {', '.join(QUALITIES)}.")
    if fmt not in OUTPUT_FORMATS:
        if fmt in KNOWN_FORMATS:
            raise BadRequest(f"Output format {fmt!r} is not supported; this server writes {', '.join(OUTPUT_FORMATS)}.")
        raise BadRequest(f"Invalid format {fmt!r}.")
    return quality, fmt


def parse_image_request(identifier: str, params: Sequence[str], version: Version) -> ImageRequest:
    """``params`` are the four path segments region, size, rotation and quality.format."""
    if len(params) != 4:
        raise BadRequest("An image request needs region/size/rotation/quality.format.")
    region, size, rotation, quality_format = params
    quality, fmt = parse_quality_format(quality_format)
    return ImageRequest(
        identifier=identifier,
        region=parse_region(region),
        size=parse_size(size, version),
        rotation=parse_rotation(rotation),
        quality=quality,
        format=fmt,
    )


def _round(v: float) -> int:
    if not math.isfinite(v):
        raise BadRequest("A number in the request is too large.")
    return int(math.floor(v + 0.5))


def _round_ratio(n: int, d: int) -> int:
    """``_round(n / d)`` for positive integers, exact at any size (a float quotient overflows)."""
    return (2 * n + d) // (2 * d)


def resolve_region(region: Region, width: int, height: int) -> tuple[int, int, int, int]:
    if region.kind == "full":
        return (0, 0, width, height)
    if region.kind == "square":
        side = min(width, height)
        return ((width - side) // 2, (height - side) // 2, side, side)
    x, y, w, h = region.values
    if region.kind == "percent":
        # x and y are below 100, so a width or height past 100 reaches the edge all the same.
        w, h = min(w, 100.0), min(h, 100.0)
        x0, y0 = _round(x * width / 100), _round(y * height / 100)
        x1, y1 = _round((x + w) * width / 100), _round((y + h) * height / 100)
    else:
        x0, y0, x1, y1 = int(x), int(y), int(x + w), int(y + h)
    x1, y1 = min(x1, width), min(y1, height)
    if x0 >= width or y0 >= height or x1 <= x0 or y1 <= y0:
        raise BadRequest("The region lies outside the image or is empty.")
    return (x0, y0, x1 - x0, y1 - y0)


def _fit_area(w: float, h: float, max_pixels: int) -> tuple[float, float]:
    """Shrink (w, h) keeping its aspect until it has at most ``max_pixels`` pixels."""
    if max_pixels and w * h > max_pixels:
        f = math.sqrt(max_pixels / (w * h))
        return w * f, h * f
    return w, h


def resolve_size(size: Size, rw: int, rh: int, limits: Limits) -> tuple[int, int]:
    """The output size for a region of ``rw`` x ``rh``, checked against the upscaling rules and limits."""
    if size.kind == "max":
        scale = limits.max_scale if size.upscale and limits.max_scale else 1.0
        fw, fh = _fit_area(rw * scale, rh * scale, limits.max_pixels)
        w, h = max(1, math.floor(fw)), max(1, math.floor(fh))
    elif size.kind == "width":
        assert size.width is not None
        w, h = size.width, max(1, _round_ratio(rh * size.width, rw))
    elif size.kind == "height":
        assert size.height is not None
        w, h = max(1, _round_ratio(rw * size.height, rh)), size.height
    elif size.kind == "percent":
        assert size.percent is not None
        w, h = max(1, _round(rw * size.percent / 100)), max(1, _round(rh * size.percent / 100))
    elif size.kind == "exact":
        assert size.width is not None and size.height is not None
        w, h = size.width, size.height
    else:
        assert size.width is not None and size.height is not None
        if size.width * rh <= size.height * rw:
            w, h = size.width, min(size.height, max(1, _round_ratio(rh * size.width, rw)))
        else:
            w, h = min(size.width, max(1, _round_ratio(rw * size.height, rh))), size.height
    if not size.upscale and (w > rw or h > rh):
        raise BadRequest(
            f"The requested size {w}x{h} is larger than the {rw}x{rh} region; "
            "prefix the size with ^ to ask for upscaling."
        )
    if limits.max_scale and (w > rw * limits.max_scale + 1e-9 or h > rh * limits.max_scale + 1e-9):
        raise BadRequest(f"The requested size {w}x{h} exceeds the largest scale allowed (max_scale = {limits.max_scale:g}).")
    if limits.max_pixels and w * h > limits.max_pixels:
        raise Forbidden(f"The requested size {w}x{h} exceeds the most pixels allowed (max_pixels = {limits.max_pixels}).")
    return w, h


def check_output(size: tuple[int, int], rotation: float, fmt: str) -> None:
    """Refuse an output the core would not make: the ``size`` turned by ``rotation`` (clockwise
    degrees, 0 to 360) as the core turns it, against the most pixels the core makes and the
    largest side ``fmt`` holds."""
    w, h = size
    # Turned only when it may fit: a turn never makes fewer pixels, and a size past them may be
    # past the core's 32-bit sides too.
    if w * h <= _core.MAX_PIXELS:
        w, h = _core.output_size(w, h, rotation)
    turned = "" if (w, h) == size else f" ({w}x{h} once rotated)"
    if w * h > _core.MAX_PIXELS:
        raise Forbidden(f"The requested size {size[0]}x{size[1]}{turned} exceeds the largest image this server makes ({_core.MAX_PIXELS} pixels).")
    side = _core.max_side(fmt)
    if side is not None and max(w, h) > side:
        raise BadRequest(f"The requested size {size[0]}x{size[1]}{turned} is too large for {fmt}: at most {side} pixels wide and high.")


def resolve(req: ImageRequest, width: int, height: int, limits: Limits) -> Resolved:
    region = resolve_region(req.region, width, height)
    size = resolve_size(req.size, region[2], region[3], limits)
    rotation = req.rotation.degrees % 360
    check_output(size, rotation, req.format)
    return Resolved(region, size, req.rotation.mirror, rotation, req.quality, req.format)


def _number(v: float) -> str:
    """``v`` in the fewest digits that read back as it, without an exponent (which the grammar
    has no room for)."""
    return str(int(v)) if v == int(v) else format(Decimal(repr(v)), "f")


def canonical(req: ImageRequest, resolved: Resolved, width: int, height: int, version: Version) -> str:
    """The canonical ``region/size/rotation/quality.format`` of a resolved request."""
    x, y, w, h = resolved.region
    region = "full" if resolved.region == (0, 0, width, height) else f"{x},{y},{w},{h}"
    ow, oh = resolved.size
    if version is Version.V3:
        size = "max" if (ow, oh) == (w, h) else f"{ow},{oh}"
        if ow > w or oh > h:
            size = "^" + size
    elif (ow, oh) == (w, h):
        size = "full"
    else:
        size = f"{ow}," if _round(h * ow / w) == oh else f"{ow},{oh}"
    rotation = ("!" if req.rotation.mirror else "") + _number(req.rotation.degrees)
    return f"{region}/{size}/{rotation}/{req.quality}.{req.format}"
