"""Image information (info.json) for the IIIF Image API 3.0, from an image's structure."""

from __future__ import annotations

import math
from typing import Any

from casaba.iiif.params import CORE_MAX_PIXELS, OUTPUT_FORMATS, Limits

CONTEXT_3 = "http://iiif.io/api/image/3/context.json"
PROFILE_3 = "http://iiif.io/api/image/3/level2.json"
MEDIA_TYPE_3 = f'application/ld+json;profile="{CONTEXT_3}"'

#: Features beyond those level 2 requires that every image here offers.
_FEATURES = [
    "baseUriRedirect",
    "canonicalLinkHeader",
    "cors",
    "jsonldMediaType",
    "mirroring",
    "profileLinkHeader",
    "regionByPct",
    "regionByPx",
    "regionSquare",
    "rotationBy90s",
    "sizeByConfinedWh",
    "sizeByH",
    "sizeByPct",
    "sizeByW",
    "sizeByWh",
]


def tile_size(native: tuple[int, int] | None, min_tile_size: int) -> tuple[int, int]:
    """The image's own tile size when it is tiled, else ``min_tile_size`` square."""
    return native if native else (min_tile_size, min_tile_size)


def scale_factors(width: int, height: int, tile: tuple[int, int]) -> list[int]:
    """1, 2, 4, ... up to the first factor at which the whole image fits in one tile."""
    factors = [1]
    while math.ceil(width / factors[-1]) > tile[0] or math.ceil(height / factors[-1]) > tile[1]:
        factors.append(factors[-1] * 2)
    return factors


def max_area(width: int, height: int, limits: Limits) -> int:
    """The most pixels a response may have for this image: max_pixels, the area at max_scale,
    and what the core holds at most."""
    bounds = [CORE_MAX_PIXELS]
    if limits.max_pixels:
        bounds.append(limits.max_pixels)
    if limits.max_scale:
        bounds.append(math.floor(width * height * limits.max_scale * limits.max_scale))
    return min(bounds)


def sizes(width: int, height: int, factors: list[int], min_size: int, area: int) -> list[dict[str, int]]:
    """The image at each scale factor (``ceil(full / factor)``, what viewers compute for a level),
    smallest first, within ``area`` and no smaller than ``min_size`` (the smallest is always kept)."""
    out: list[dict[str, int]] = []
    for f in factors:
        w, h = math.ceil(width / f), math.ceil(height / f)
        if w * h > area:
            continue
        if out and max(w, h) < min_size:
            break
        out.append({"width": w, "height": h})
    return out[::-1]


def info_v3(
    image_id: str,
    width: int,
    height: int,
    native_tile: tuple[int, int] | None,
    limits: Limits,
    min_size: int,
    min_tile_size: int,
) -> dict[str, Any]:
    tile = tile_size(native_tile, min_tile_size)
    factors = scale_factors(width, height, tile)
    area = max_area(width, height, limits)
    features = list(_FEATURES)
    if limits.max_scale == 0 or limits.max_scale > 1:
        features.append("sizeUpscaling")
    info: dict[str, Any] = {
        "@context": CONTEXT_3,
        "id": image_id,
        "type": "ImageService3",
        "protocol": "http://iiif.io/api/image",
        "profile": "level2",
        "width": width,
        "height": height,
    }
    info["maxArea"] = area
    info["sizes"] = sizes(width, height, factors, min_size, area)
    info["tiles"] = [{"width": tile[0], "height": tile[1], "scaleFactors": factors}]
    info["preferredFormats"] = ["jpg"]
    info["extraFormats"] = [f for f in OUTPUT_FORMATS if f not in ("jpg", "png")]
    info["extraQualities"] = ["color", "gray", "bitonal"]
    info["extraFeatures"] = sorted(features)
    return info
