"""Scale-constrained images, as Cantaloupe serves them: ``identifier;1:2`` is a virtual image
half the size of the stored one. Its info.json describes the virtual image, requests are made in
its pixels, and nothing larger than it can be asked for, so the stored resolution stays out of
reach. Pure: sizes and rectangles only."""

from __future__ import annotations

from dataclasses import replace

from casaba.iiif.params import Limits

Scale = tuple[int, int]


def virtual_size(width: int, height: int, scale: Scale | None) -> tuple[int, int]:
    """The size clients see: ``width * n / d`` by ``height * n / d``, rounded, at least 1."""
    if scale is None:
        return width, height
    n, d = scale
    return max(1, (2 * width * n + d) // (2 * d)), max(1, (2 * height * n + d) // (2 * d))


def full_region(
    region: tuple[int, int, int, int], virtual: tuple[int, int], full: tuple[int, int]
) -> tuple[int, int, int, int]:
    """A rectangle of the virtual image in the stored image's pixels; the virtual image's
    edges map onto the stored image's edges exactly."""
    (vw, vh), (fw, fh) = virtual, full
    if (vw, vh) == (fw, fh):
        return region
    x, y, w, h = region

    def along(v: int, virtual_side: int, full_side: int) -> int:
        return full_side if v >= virtual_side else (2 * v * full_side + virtual_side) // (2 * virtual_side)

    x0, y0 = along(x, vw, fw), along(y, vh, fh)
    x1, y1 = along(x + w, vw, fw), along(y + h, vh, fh)
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def limits(configured: Limits, scale: Scale | None) -> Limits:
    """The limits for a virtual image: no upscaling beyond it, whatever ``max_scale`` allows
    for stored images (a larger size would show more than the constraint grants)."""
    if scale is None:
        return configured
    cap = min(configured.max_scale, 1.0) if configured.max_scale else 1.0
    return replace(configured, max_scale=cap)
