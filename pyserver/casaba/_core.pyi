"""Type stubs for the Rust core, ``casaba._core``. Kept in step with rust_core/src/bindings/."""

from collections.abc import Sequence
from os import PathLike
from typing import Final, Protocol, final

__all__ = [
    "CoreError",
    "decoded_tile_cache_usage",
    "Image",
    "ImageFormatError",
    "ImageIoError",
    "LimitError",
    "MAX_PIXELS",
    "max_side",
    "output_size",
    "Overlay",
    "overlay_position",
    "Plan",
    "RequestError",
    "set_decoded_tile_cache_size",
    "UnsupportedError",
    "sniff",
    "Stop",
    "StoppedError",
    "write_pyramid_tiff",
]

class CoreError(Exception): ...
class ImageFormatError(CoreError): ...
class UnsupportedError(CoreError): ...
class LimitError(CoreError): ...
class ImageIoError(CoreError): ...
class RequestError(CoreError): ...
class StoppedError(CoreError): ...

@final
class Stop:
    """A render's stop flag: ``stop()``, from any thread, ends the render it was given to at its
    next check (between chunks, bands and steps) with ``StoppedError``."""

    def __init__(self) -> None: ...
    def stop(self) -> None: ...
    @property
    def stopped(self) -> bool: ...

#: The most pixels the core holds in one image (its default decode limit), the output included.
MAX_PIXELS: Final[int]

def max_side(format: str) -> int | None:
    """The widest and tallest image the core writes in ``format``; None where it has no limit."""

def output_size(width: int, height: int, degrees: float) -> tuple[int, int]:
    """The output of a ``width`` x ``height`` request turned clockwise by ``degrees`` (0–360), as a plan makes it."""

def overlay_position(text: str) -> str | None:
    """The overlay position ``text`` names by Cantaloupe's rules, by its own name; None when none."""

class _Reader(Protocol):
    """What ``Image.open_reader`` reads through; ``read`` returns exactly ``length`` bytes."""

    def read(self, offset: int, length: int, /) -> bytes: ...

@final
class Overlay:
    """An overlay, ready to draw on any number of outputs."""

    @staticmethod
    def image(data: bytes, *, position: str = "bottom right", inset: int = 0, min_output: tuple[int, int] = ...) -> Overlay: ...
    @staticmethod
    def string(
        text: str,
        *,
        font: bytes | None = None,
        bold: bool = False,
        size: float = 18.0,
        min_size: float = 14.0,
        glyph_spacing: float = 0.0,
        color: tuple[int, int, int, int] = ...,
        stroke_color: tuple[int, int, int, int] = ...,
        stroke_width: float = 0.0,
        background: tuple[int, int, int, int] = ...,
        position: str = "bottom right",
        inset: int = 0,
        min_output: tuple[int, int] = ...,
        word_wrap: bool = False,
    ) -> Overlay: ...
    @property
    def position(self) -> str: ...
    @property
    def inset(self) -> int: ...

@final
class Plan:
    """What one request will do to one image, as data."""

    @property
    def level(self) -> int: ...
    @property
    def read(self) -> tuple[int, int, int, int]: ...
    @property
    def resized(self) -> bool: ...
    @property
    def passthrough(self) -> bool: ...
    @property
    def passthrough_refusal(self) -> str | None: ...
    @property
    def output_size(self) -> tuple[int, int]: ...
    @property
    def steps(self) -> list[str]: ...
    def encode(self, data: bytes, shape: tuple[int, int, int]) -> bytes:
        """Pixels of ``shape`` (height, width, channels) encoded as this plan encodes its output."""

@final
class Image:
    """An opened image: its structure and the means to read its pixels."""

    @staticmethod
    def open(path: str | PathLike[str], *, page: int = 1, max_decode_pixels: int | None = None) -> Image: ...
    @staticmethod
    def from_bytes(data: bytes, *, page: int = 1, max_decode_pixels: int | None = None) -> Image: ...
    @staticmethod
    def open_reader(
        reader: _Reader,
        size: int,
        *,
        page: int = 1,
        max_decode_pixels: int | None = None,
        chunk_size: int = 65536,
        cache_size: int = 1048576,
    ) -> Image: ...
    @property
    def pages(self) -> int: ...
    @property
    def orientation(self) -> int: ...
    @property
    def format(self) -> str: ...
    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def channels(self) -> int: ...
    @property
    def levels(self) -> list[tuple[int, int]]: ...
    @property
    def tile_size(self) -> tuple[int, int] | None: ...
    @property
    def compression(self) -> str: ...
    def plan(
        self,
        region: tuple[int, int, int, int],
        size: tuple[int, int],
        *,
        mirror: bool = False,
        rotation: float = 0.0,
        quality: str = "default",
        format: str = "jpg",
        jpeg_quality: int = 80,
        jpeg_progressive: bool = False,
        webp_quality: int = 80,
        tiff_compression: str = "lzw",
        background: tuple[int, int, int] = ...,
        downscale_filter: str = "lanczos3",
        upscale_filter: str = "lanczos3",
        overlay: Overlay | None = None,
        drawn_after: bool = False,
        redactions: Sequence[tuple[int, int, int, int, tuple[int, int, int]]] = ...,
    ) -> Plan: ...
    def render(self, plan: Plan, stop: Stop | None = None) -> bytes: ...
    def render_pixels(self, plan: Plan, stop: Stop | None = None) -> tuple[bytearray, tuple[int, int, int]]:
        """The plan's pixels before encoding, and their (height, width, channels)."""
    def write_pyramid(
        self, path: str | PathLike[str], *, tile: int = 256, quality: int = 90, band_pixels: int = ...
    ) -> None: ...

def sniff(head: bytes) -> str | None: ...
def write_pyramid_tiff(
    path: str | PathLike[str],
    data: bytes,
    width: int,
    height: int,
    channels: int,
    *,
    tile: int = 256,
    quality: int = 85,
) -> None: ...

def set_decoded_tile_cache_size(bytes: int) -> None: ...
def decoded_tile_cache_usage() -> dict[str, int]: ...
