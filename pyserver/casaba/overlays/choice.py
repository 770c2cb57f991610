"""Which overlay an image request gets, ready for the core to draw: the BasicStrategy one (the
``overlays.BasicStrategy`` keys) or, under ScriptStrategy, the one the delegate's ``overlay``
answer describes (Cantaloupe's keys: ``string``, ``font``, ``font_size``, ``font_min_size``,
``font_weight``, ``glyph_spacing``, ``color``, ``stroke_color``, ``stroke_width``,
``background_color``, ``position``, ``inset``, ``word_wrap``; or ``image``, ``position``,
``inset``).

Each comes with a tag naming everything that changes its pixels (its settings, and the bytes of
its image or font), for cache keys and ETags."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from typing import Any

from casaba import _core, colors
from casaba.caches.lru import Lru
from casaba.errors import InternalError
from casaba.overlays.fonts import BOLD_FROM, font_file
from casaba.overlays.images import OverlayImages
from casaba.settings import SettingsError
from casaba.settings.keys import OverlaySettings

RGBA = tuple[int, int, int, int]


@dataclass(frozen=True)
class StringSpec:
    text: str
    font: str
    size: int
    min_size: int
    #: Wrapped to the width at ``size`` (``min_size`` unused); the BasicStrategy keys never wrap.
    word_wrap: bool
    weight: float
    glyph_spacing: float
    color: RGBA
    stroke_color: RGBA
    stroke_width: float
    background: RGBA
    position: str
    inset: int
    min_output: tuple[int, int]


@dataclass(frozen=True)
class ImageSpec:
    location: str
    position: str
    inset: int
    min_output: tuple[int, int]


Spec = StringSpec | ImageSpec


class AnswerError(InternalError):
    """The delegate's ``overlay`` answer describes no overlay: a 500, with the reason logged."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"delegate: overlay answered {reason}")


@dataclass(frozen=True)
class Chosen:
    overlay: _core.Overlay
    #: Names everything that changes its pixels.
    tag: str


def basic_spec(s: OverlaySettings) -> Spec | None:
    """The BasicStrategy overlay the settings describe, or None when they draw nothing;
    SettingsError when they name no image for an image overlay."""
    if not s.enabled:
        return None
    thresholds = (s.output_width_threshold, s.output_height_threshold)
    if s.type == "image":
        if not s.image.strip():
            raise SettingsError("overlays.BasicStrategy.image is not set: an image overlay needs a path or URL")
        return ImageSpec(s.image.strip(), s.position, s.inset, thresholds)
    text = s.string.replace("\\n", "\n")
    if not text:
        return None
    return StringSpec(
        text, s.font, s.font_size, s.font_min_size, False, s.font_weight, s.glyph_spacing,
        s.color, s.stroke_color, s.stroke_width, s.background_color, s.position, s.inset, thresholds,
    )  # fmt: skip


def script_spec(answer: dict[str, Any], defaults: OverlaySettings) -> Spec:
    """The overlay a delegate's ``overlay`` answer describes (keys it leaves out take the
    BasicStrategy keys' defaults); AnswerError when it describes none."""

    def value(key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        v = answer.get(key, default)
        if v is None:
            return default
        if not isinstance(v, kind) or isinstance(v, bool) and kind is not bool:
            raise AnswerError(f"{key} = {v!r}; expected {kind}")
        return v

    def colour(key: str, default: RGBA) -> RGBA:
        v = answer.get(key)
        if v is None:
            return default
        try:
            return colors.parse(str(v))
        except ValueError:
            raise AnswerError(f"{key} = {v!r}; expected a CSS colour") from None

    position_name = value("position", str, defaults.position)
    position = _core.overlay_position(position_name)
    if position is None:
        raise AnswerError(f"position = {position_name!r}; expected e.g. 'bottom right'")
    inset = value("inset", int, defaults.inset)
    if inset < 0:
        raise AnswerError(f"inset = {inset}; expected 0 or more")
    if answer.get("image"):
        return ImageSpec(value("image", str, ""), position, inset, (0, 0))
    text = value("string", str, "").replace("\\n", "\n")
    if not text:
        raise AnswerError(f"neither an image nor a string: {sorted(answer)}")
    size = value("font_size", int, defaults.font_size)
    min_size = value("font_min_size", int, defaults.font_min_size)
    if not 1 <= min_size <= 10_000 or not 1 <= size <= 10_000:
        raise AnswerError(f"font sizes {size} and {min_size}; expected 1 to 10000")
    number = (int, float)
    return StringSpec(
        text,
        value("font", str, defaults.font),
        size,
        min_size,
        value("word_wrap", bool, False),
        float(value("font_weight", number, defaults.font_weight)),
        float(value("glyph_spacing", number, defaults.glyph_spacing)),
        colour("color", defaults.color),
        colour("stroke_color", defaults.stroke_color),
        max(0.0, float(value("stroke_width", number, defaults.stroke_width))),
        colour("background_color", defaults.background_color),
        position,
        inset,
        (0, 0),
    )


def tag(spec: Spec, data: bytes | None) -> str:
    digest = hashlib.sha1(repr(tuple(getattr(spec, f.name) for f in fields(spec))).encode())
    digest.update(hashlib.sha1(data).digest() if data is not None else b"bundled")
    return digest.hexdigest()[:24]


class Overlays:
    """The overlays of one generation of the settings."""

    def __init__(self, settings: OverlaySettings) -> None:
        self.settings = settings
        self.script = settings.strategy == "ScriptStrategy"
        self._basic = None if self.script else basic_spec(settings)
        self._images = OverlayImages()
        self._made: Lru[Spec, Chosen] = Lru(256)

    async def choose(self, answer: dict[str, Any] | None) -> Chosen | None:
        """The overlay of one image request, given the delegate's ``overlay`` answer (asked only
        under ScriptStrategy); None for none."""
        spec = (script_spec(answer, self.settings) if answer else None) if self.script else self._basic
        if spec is None:
            return None
        chosen = self._made.get(spec)
        if chosen is None:
            chosen = await self._make(spec)
            self._made.put(spec, chosen)
        return chosen

    async def _make(self, spec: Spec) -> Chosen:
        data: bytes | None
        try:
            if isinstance(spec, ImageSpec):
                data = await self._images.get(spec.location)
                overlay = _core.Overlay.image(data, position=spec.position, inset=spec.inset, min_output=spec.min_output)
            else:
                data = font_file(spec.font, spec.weight)
                overlay = _core.Overlay.string(
                    spec.text, font=data, bold=data is None and spec.weight >= BOLD_FROM, size=spec.size, min_size=spec.min_size,
                    glyph_spacing=spec.glyph_spacing, color=spec.color, stroke_color=spec.stroke_color,
                    stroke_width=spec.stroke_width, background=spec.background, position=spec.position, inset=spec.inset,
                    min_output=spec.min_output, word_wrap=spec.word_wrap,
                )  # fmt: skip
        except (ValueError, _core.CoreError) as e:
            raise InternalError(f"overlay: {e}") from None
        return Chosen(overlay, tag(spec, data))
