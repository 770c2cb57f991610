"""Every configuration key: its name (Cantaloupe's where Cantaloupe has one), type, default and
one line of documentation. Each key also has an environment twin, ``CASABA_`` plus the key in
upper case with every other character turned into ``_``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class Kind:
    """How a raw string becomes a value; ``allowed`` says what is accepted, for error messages."""

    allowed = "text"

    def parse(self, raw: str) -> Any:
        return raw


class Str(Kind):
    pass


class Bool(Kind):
    allowed = "true or false"
    _values = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}

    def parse(self, raw: str) -> bool:
        try:
            return self._values[raw.strip().lower()]
        except KeyError:
            raise ValueError from None


@dataclass(frozen=True)
class Int(Kind):
    low: int = 0
    high: int | None = None

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return f"an integer from {self.low}" + (f" to {self.high}" if self.high is not None else " up")

    def parse(self, raw: str) -> int:
        value = int(raw.strip())
        if value < self.low or (self.high is not None and value > self.high):
            raise ValueError
        return value


@dataclass(frozen=True)
class Float(Kind):
    low: float = 0.0

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return f"a number from {self.low:g} up"

    def parse(self, raw: str) -> float:
        value = float(raw.strip().rstrip("fF"))
        if not value >= self.low or value == float("inf"):
            raise ValueError
        return value


@dataclass(frozen=True)
class Choice(Kind):
    options: tuple[str, ...]

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(o or "(blank)" for o in self.options)

    def parse(self, raw: str) -> str:
        value = raw.strip()
        if value not in self.options:
            raise ValueError
        return value


_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "T": 1 << 40, "TB": 1 << 40}


class ByteSize(Kind):
    allowed = "a number of bytes, optionally with a unit: 512K, 64M, 2G, 1T"

    def parse(self, raw: str) -> int:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", raw)
        if not m or m.group(2).upper() not in _UNITS:
            raise ValueError
        return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


_NAMED_COLORS = {"white": (255, 255, 255), "black": (0, 0, 0)}


class Color(Kind):
    allowed = "white, black or a #RRGGBB colour"

    def parse(self, raw: str) -> tuple[int, int, int]:
        value = raw.strip().lower()
        if value in _NAMED_COLORS:
            return _NAMED_COLORS[value]
        if re.fullmatch(r"#[0-9a-f]{6}", value):
            return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
        raise ValueError


@dataclass(frozen=True)
class Key:
    name: str
    kind: Kind
    default: Any
    doc: str

    @property
    def env(self) -> str:
        return "CASABA_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper())


#: processor.tif.compression's values, Cantaloupe's names (blank for none), as the core names them.
TIF_COMPRESSIONS = {"": "none", "Deflate": "deflate", "JPEG": "jpeg", "LZW": "lzw", "RLE": "packbits"}

KEYS: dict[str, Key] = {
    k.name: k
    for k in [
        Key("http.host", Str(), "0.0.0.0", "Address the HTTP server listens on."),
        Key("http.port", Int(1, 65535), 8182, "TCP port the HTTP server listens on."),
        Key("http.workers", Int(0, 256), 0, "Server worker processes; 0 means one per CPU core."),
        Key("base_uri", Str(), "", "Public base URI for ids and Link headers behind a proxy; empty means from the request."),
        Key("slash_substitute", Str(), "", "Character sequence that stands for '/' in identifiers; empty for none."),
        Key(
            "meta_identifier.transformer",
            Choice(("StandardMetaIdentifierTransformer",)),
            "StandardMetaIdentifierTransformer",
            "How a page number is written inside an identifier.",
        ),
        Key(
            "meta_identifier.transformer.StandardMetaIdentifierTransformer.delimiter",
            Str(),
            ";",
            "Separates the identifier from its page number, as in 'scan.tif;2'.",
        ),
        Key("max_pixels", Int(0), 10_000_000, "Most pixels a response may have; 0 for no limit."),
        Key("max_scale", Float(0.0), 1.0, "Largest scale a request may ask for (1.0 = full size); 0 for no limit."),
        Key("source.static", Choice(("FilesystemSource",)), "FilesystemSource", "The source that serves every identifier."),
        Key(
            "FilesystemSource.lookup_strategy",
            Choice(("BasicLookupStrategy",)),
            "BasicLookupStrategy",
            "How FilesystemSource turns an identifier into a path.",
        ),
        Key(
            "FilesystemSource.BasicLookupStrategy.path_prefix",
            Str(),
            "",
            "Folder (with trailing slash) put before the identifier; empty serves Casaba's demo images.",
        ),
        Key("FilesystemSource.BasicLookupStrategy.path_suffix", Str(), "", "Text put after the identifier, e.g. '.tif'."),
        Key("endpoint.iiif.2.enabled", Bool(), True, "Serve the IIIF Image API 2.1 at /iiif/2."),
        Key("endpoint.iiif.3.enabled", Bool(), True, "Serve the IIIF Image API 3.0 at /iiif/3."),
        Key("endpoint.iiif.min_size", Int(1), 64, "Smallest size listed in info.json sizes."),
        Key("endpoint.iiif.min_tile_size", Int(1), 512, "Tile size advertised for images that are not tiled."),
        Key(
            "cache.decoded_tiles.max_size",
            ByteSize(),
            64 << 20,
            "Memory for decoded tiles shared by neighbouring requests, per worker; 0 turns it off.",
        ),
        Key("processor.jpg.quality", Int(1, 100), 80, "JPEG output quality."),
        Key("processor.webp.quality", Int(1, 100), 80, "WebP output quality (WebP output is lossy; alpha is kept exactly)."),
        Key(
            "processor.tif.compression",
            Choice(tuple(TIF_COMPRESSIONS)),
            "LZW",
            "TIFF output compression: Deflate, JPEG (at processor.jpg.quality), LZW, RLE (PackBits), or blank for none.",
        ),
        Key("processor.background_color", Color(), (255, 255, 255), "Colour behind transparent pixels in formats without alpha."),
    ]
}
