"""Overlay plugins: installed packages named in ``overlays.plugins`` (entry points in the group
``casaba.overlays``, each naming an ``OverlayPlugin`` class) that draw on every image response.
Each receives the output as a numpy array (height x width x channels, uint8: gray, gray and
alpha, RGB or RGBA) after the core's steps and built-in overlay, and the request's context, and
returns it drawn on; the core then encodes it. A plugin that fails, or returns anything but such
an array of the same height and width, fails the request (500): nothing is served without it."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from casaba import _core, plugins
from casaba.errors import InternalError
from casaba.settings import Settings, SettingsError
from casaba.settings.keys import Key

GROUP = "casaba.overlays"
log = logging.getLogger("casaba.overlays")


class OverlayPlugin:
    """What an overlay plugin is: made once per worker with the settings, then asked to ``draw``
    on each image response. ``settings_keys`` declares its own configuration keys (read with
    ``self.settings.value(name)``)."""

    settings_keys: ClassVar[Sequence[Key]] = ()

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def tag(self) -> str:
        """What, besides the request, changes what it draws (its version, its settings): part
        of every cache key and ETag."""
        return ""

    def draw(self, image: np.ndarray, context: Mapping[str, Any]) -> np.ndarray:
        """``image`` drawn on (in place, or a new array). ``context``: ``identifier``,
        ``page_number``, ``full_size`` (width, height), ``region`` (x, y, width, height in
        full-size pixels), ``size`` (the output's width and height before rotation),
        ``rotation``, ``mirror``, ``quality`` and ``format``."""
        raise NotImplementedError


def overlay_plugin_classes(settings: Settings) -> list[tuple[str, type[OverlayPlugin]]]:
    """The classes ``overlays.plugins`` names, in order."""
    found = [(name, plugins.plugin_class(GROUP, "overlays.plugins", name)) for name in settings.overlays.plugin_names]
    for name, cls in found:
        if not issubclass(cls, OverlayPlugin):
            raise SettingsError(f"overlays.plugins: {name!r} is not an OverlayPlugin")
    return found


def failed(name: str, why: str) -> InternalError:
    return InternalError(f"overlay plugin {name}: {why}")


def drawn(image: _core.Image, planned: _core.Plan, by: Sequence[tuple[str, OverlayPlugin]], context: Mapping[str, Any], stop: _core.Stop) -> bytes:
    """The derivative of ``planned``, drawn on by each plugin in turn before it is encoded (unless
    ``stop`` stops it first). Runs on a pixel thread."""
    data, shape = image.render_pixels(planned, stop)
    pixels = np.frombuffer(data, np.uint8).reshape(shape)
    alpha = shape[2] in (2, 4)
    for name, plugin in by:
        try:
            out = plugin.draw(pixels, context)
        except Exception as e:
            log.exception("overlay plugin %s failed", name)
            raise failed(name, f"{type(e).__name__}: {e}") from None
        if not isinstance(out, np.ndarray) or out.dtype != np.uint8 or out.ndim not in (2, 3):
            raise failed(name, f"returned {type(out).__name__} {getattr(out, 'dtype', '')}; expected a uint8 array")
        out = out if out.ndim == 3 else out[:, :, None]
        if out.shape[:2] != pixels.shape[:2] or out.shape[2] not in ((2, 4) if alpha else (1, 3)):
            raise failed(name, f"returned an array of shape {out.shape} for one of {pixels.shape}")
        pixels = out
    if stop.stopped:
        raise _core.StoppedError("the work was stopped before it was done")
    h, w, c = pixels.shape
    return planned.encode(np.ascontiguousarray(pixels).tobytes(), (h, w, c))
