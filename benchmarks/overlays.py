"""The overlays the benchmarks draw, as the Cantaloupe tutorial sets them up: its string ("My
DHSI Images 2024", white with a black outline on a translucent box) and an image (the PNG logo
with alpha of ``images.logo_png``), both bottom right, 10 pixels in. Each is given as the
``overlays.BasicStrategy`` settings a server runs with, and as the ``_core.Overlay`` the server
makes of those settings, for the core's own benchmarks."""

from __future__ import annotations

import asyncio

from benchmarks import images
from casaba import _core
from casaba.overlays.choice import Overlays
from casaba.settings.load import load

KINDS = ("string", "image")

_TUTORIAL = {
    "overlays.BasicStrategy.enabled": "true",
    "overlays.BasicStrategy.position": "bottom right",
    "overlays.BasicStrategy.inset": "10",
}


def settings(kind: str) -> dict[str, str]:
    """The ``overlays.BasicStrategy`` keys of the ``kind`` overlay ("string" or "image")."""
    if kind == "string":
        return _TUTORIAL | {
            "overlays.BasicStrategy.type": "string",
            "overlays.BasicStrategy.string": "My DHSI Images 2024",
            "overlays.BasicStrategy.string.stroke.color": "black",
            "overlays.BasicStrategy.string.stroke.width": "1",
            "overlays.BasicStrategy.string.background.color": "rgba(0, 0, 0, 100)",
        }
    if kind == "image":
        return _TUTORIAL | {"overlays.BasicStrategy.type": "image", "overlays.BasicStrategy.image": str(images.logo_png())}
    raise ValueError(f"no overlay {kind!r}: one of {', '.join(KINDS)}")


def core_overlay(kind: str) -> _core.Overlay:
    """The overlay a server with ``settings(kind)`` draws, made by the server's own code (font
    lookup and image reading included)."""
    chosen = asyncio.run(Overlays(load(environ={}, overrides=settings(kind)).overlays).choose(None))
    if chosen is None:
        raise RuntimeError(f"the {kind} overlay's settings draw nothing")
    return chosen.overlay
