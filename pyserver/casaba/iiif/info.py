"""Image information (info.json) for the IIIF Image API 3.0 and 2.1, from an image's structure
and the configured limits."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from casaba import _core
from casaba.iiif.params import OUTPUT_FORMATS, Limits, Version

PROTOCOL = "http://iiif.io/api/image"


@dataclass(frozen=True)
class Profile:
    """What differs between the API versions in responses."""

    context: str
    level2: str
    #: Media type of info.json unless the client asks for the other one.
    media_type: str


PROFILES = {
    Version.V3: Profile(
        "http://iiif.io/api/image/3/context.json",
        "http://iiif.io/api/image/3/level2.json",
        'application/ld+json;profile="http://iiif.io/api/image/3/context.json"',
    ),
    Version.V2: Profile(
        "http://iiif.io/api/image/2/context.json",
        "http://iiif.io/api/image/2/level2.json",
        "application/json",
    ),
}

#: Features beyond the level 2 minimum that every image here offers, in 3.0's names.
_FEATURES_3 = [
    "baseUriRedirect",
    "canonicalLinkHeader",
    "cors",
    "jsonldMediaType",
    "mirroring",
    "profileLinkHeader",
    "regionByPct",
    "regionByPx",
    "regionSquare",
    "rotationArbitrary",
    "rotationBy90s",
    "sizeByConfinedWh",
    "sizeByH",
    "sizeByPct",
    "sizeByW",
    "sizeByWh",
]
#: The same in 2.1's names (2.1 lists only what goes beyond level 2).
_FEATURES_2 = [
    "baseUriRedirect",
    "canonicalLinkHeader",
    "cors",
    "jsonldMediaType",
    "mirroring",
    "profileLinkHeader",
    "regionSquare",
    "rotationArbitrary",
]
_QUALITIES = ["color", "gray", "bitonal"]


def tile_size(native: tuple[int, int] | None, min_tile_size: int) -> tuple[int, int]:
    """The image's own tile size when it is tiled, else ``min_tile_size`` square."""
    return native if native else (min_tile_size, min_tile_size)


def scale_factors(width: int, height: int, tile: tuple[int, int]) -> list[int]:
    """1, 2, 4, ... up to the first factor at which the whole image fits in one tile."""
    factors = [1]
    while math.ceil(width / factors[-1]) > tile[0] or math.ceil(height / factors[-1]) > tile[1]:
        factors.append(factors[-1] * 2)
    return factors


def upscaling_allowed(limits: Limits) -> bool:
    return limits.max_scale == 0 or limits.max_scale > 1


def max_area(width: int, height: int, limits: Limits) -> int:
    """The most pixels a response may have for this image: max_pixels, the area at max_scale,
    and what the core holds at most."""
    bounds = [_core.MAX_PIXELS]
    if limits.max_pixels:
        bounds.append(limits.max_pixels)
    if limits.max_scale:
        bounds.append(math.floor(width * height * limits.max_scale * limits.max_scale))
    return min(bounds)


def max_dimensions(width: int, height: int, limits: Limits) -> dict[str, int]:
    """maxWidth and maxHeight: the full image at max_scale (none when the scale is unlimited)."""
    if not limits.max_scale:
        return {}
    return {"maxWidth": math.floor(width * limits.max_scale), "maxHeight": math.floor(height * limits.max_scale)}


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


@dataclass(frozen=True)
class ImageFacts:
    """What info.json says about one image, whichever the version."""

    width: int
    height: int
    native_tile: tuple[int, int] | None


def info(
    version: Version,
    image_id: str,
    facts: ImageFacts,
    limits: Limits,
    min_size: int,
    min_tile_size: int,
) -> dict[str, Any]:
    w, h = facts.width, facts.height
    tile = tile_size(facts.native_tile, min_tile_size)
    factors = scale_factors(w, h, tile)
    area = max_area(w, h, limits)
    bounds = {**max_dimensions(w, h, limits), "maxArea": area}
    profile = PROFILES[version]
    # Level 2 requires jpg and png; 3.0 lists only the others, 2.1 lists every format.
    extra_formats = [f for f in OUTPUT_FORMATS if f not in ("jpg", "png")]
    common = {
        "protocol": PROTOCOL,
        "width": w,
        "height": h,
        "sizes": sizes(w, h, factors, min_size, area),
        "tiles": [{"width": tile[0], "height": tile[1], "scaleFactors": factors}],
    }
    if version is Version.V2:
        supports = _FEATURES_2 + (["sizeAboveFull"] if upscaling_allowed(limits) else [])
        return {
            "@context": profile.context,
            "@id": image_id,
            **common,
            "profile": [
                profile.level2,
                {"formats": list(OUTPUT_FORMATS), "qualities": ["default", *_QUALITIES], "supports": sorted(supports), **bounds},
            ],
        }
    features = _FEATURES_3 + (["sizeUpscaling"] if upscaling_allowed(limits) else [])
    return {
        "@context": profile.context,
        "id": image_id,
        "type": "ImageService3",
        "profile": "level2",
        **common,
        **bounds,
        "preferredFormats": ["jpg"],
        "extraFormats": extra_formats,
        "extraQualities": _QUALITIES,
        "extraFeatures": sorted(features),
    }
