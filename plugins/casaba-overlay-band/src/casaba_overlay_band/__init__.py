"""A Casaba overlay plugin: a translucent band with the institution's name along the foot of
every image response wide enough (``overlay_band.*`` keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import cv2
import numpy as np

from casaba.overlays.plugins import OverlayPlugin
from casaba.settings import Settings
from casaba.settings.keys import Float, Int, Key, Str

__all__ = ["Band"]
__version__ = "0.1.0"

FONT = cv2.FONT_HERSHEY_SIMPLEX


class Band(OverlayPlugin):
    settings_keys = (
        Key("overlay_band.text", Str(), "Casaba", "The institution's name, drawn in the band."),
        Key("overlay_band.opacity", Float(0.0), 0.5, "How dark the band is, from 0 (not at all) to 1 (black)."),
        Key("overlay_band.min_width", Int(0), 200, "Responses narrower than this get no band."),
    )

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.text = str(settings.value("overlay_band.text"))
        self.opacity = min(1.0, float(settings.value("overlay_band.opacity")))
        self.min_width = int(settings.value("overlay_band.min_width"))

    def tag(self) -> str:
        return f"{__version__}|{self.text}|{self.opacity}|{self.min_width}"

    def draw(self, image: np.ndarray, context: Mapping[str, Any]) -> np.ndarray:
        height, width, channels = image.shape
        if width < self.min_width:
            return image
        band = max(12, height // 12)
        colour = 3 if channels >= 3 else 1
        foot = image[height - band :, :, :colour]
        foot[:] = (foot * (1.0 - self.opacity)).astype(np.uint8)
        # The largest Hershey scale whose text is at most 60 % of the band tall.
        (_, text_height), _ = cv2.getTextSize(self.text, FONT, 1.0, 1)
        scale = 0.6 * band / max(text_height, 1)
        thickness = max(1, round(scale * 1.5))
        white = (255,) * channels
        baseline = height - band + round((band + text_height * scale) / 2)
        cv2.putText(image, self.text, (band // 2, baseline), FONT, scale, white, thickness, cv2.LINE_AA)
        return image
