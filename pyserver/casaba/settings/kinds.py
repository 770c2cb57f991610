"""How the raw text of a configuration value becomes a value, and back: one ``Kind`` per type of
key, each saying in ``allowed`` what it accepts, for error messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from casaba import _core, colors


class Kind:
    """How a raw string becomes a value; ``allowed`` says what is accepted, for error messages."""

    allowed = "text"

    def parse(self, raw: str) -> Any:
        return raw

    def text(self, value: Any) -> str:
        """``value`` written as the raw text ``parse`` reads it from (for forms and files)."""
        return str(value)


@dataclass(frozen=True)
class Str(Kind):
    pass


@dataclass(frozen=True)
class Bool(Kind):
    allowed = "true or false"
    _values = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}

    def parse(self, raw: str) -> bool:
        try:
            return self._values[raw.strip().lower()]
        except KeyError:
            raise ValueError from None

    def text(self, value: Any) -> str:
        return "true" if value else "false"


@dataclass(frozen=True)
class Int(Kind):
    low: int = 0
    high: int | None = None
    #: A blank entry is allowed and means None (Cantaloupe leaves some numbers blank).
    optional: bool = False

    @property
    def allowed(self) -> str:  # type: ignore[override]
        bound = f" to {self.high}" if self.high is not None else " up"
        return f"an integer from {self.low}{bound}" + (" or blank" if self.optional else "")

    def parse(self, raw: str) -> int | None:
        if not raw.strip() and self.optional:
            return None
        value = int(raw.strip())
        if value < self.low or (self.high is not None and value > self.high):
            raise ValueError
        return value

    def text(self, value: Any) -> str:
        return "" if value is None else str(value)


#: Byte-size units, as Cantaloupe writes them (powers of 1024), case aside.
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "T": 1 << 40, "TB": 1 << 40}


@dataclass(frozen=True)
class ByteSize(Kind):
    """A size in bytes, as Cantaloupe writes them: 65536, 64K, 512KB, 5M, 1G, 1T, 1.5G, 512 K."""

    low: int = 0

    @property
    def allowed(self) -> str:  # type: ignore[override]
        least = f" of at least {self.low}" if self.low else ""
        return f"a size in bytes{least} such as 65536, 1.5G, 64K or 5M (units K, M, G, T: powers of 1024)"

    def parse(self, raw: str) -> int:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", raw)
        if not m or m.group(2).upper() not in _UNITS:
            raise ValueError
        value = int(float(m.group(1)) * _UNITS[m.group(2).upper()])
        if value < self.low:
            raise ValueError
        return value


@dataclass(frozen=True)
class Float(Kind):
    low: float = 0.0
    #: The value of a blank entry (Cantaloupe's sample leaves some numbers blank), if allowed.
    blank: float | None = None

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return f"a number from {self.low:g} up" + (" or blank" if self.blank is not None else "")

    def parse(self, raw: str) -> float:
        if not raw.strip() and self.blank is not None:
            return self.blank
        value = float(raw.strip().rstrip("fF"))
        if not value >= self.low or value == float("inf"):
            raise ValueError
        return value

    def text(self, value: Any) -> str:
        return repr(float(value))


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


@dataclass(frozen=True)
class Color(Kind):
    """A CSS colour (``colors``): red, green and blue, or with ``alpha`` red, green, blue and
    alpha; without ``alpha`` a colour must be opaque."""

    alpha: bool = False

    @property
    def allowed(self) -> str:  # type: ignore[override]
        kind = "a CSS colour" if self.alpha else "an opaque CSS colour"
        return f"{kind}: a name, #RRGGBB, #RRGGBBAA, #RGB, rgb(r, g, b) or rgba(r, g, b, a)"

    def parse(self, raw: str) -> tuple[int, ...]:
        rgba = colors.parse(raw)
        if self.alpha:
            return rgba
        if rgba[3] != 255:
            raise ValueError
        return rgba[:3]

    def text(self, value: Any) -> str:
        rgba = (*value, 255)[:4]
        return "#" + "".join(f"{c:02x}" for c in (rgba if rgba[3] != 255 else rgba[:3]))


@dataclass(frozen=True)
class OverlayPosition(Kind):
    """An overlay position by Cantaloupe's rules (words in any order and case), as its own name."""

    allowed = "top left, top center, top right, left center, center, right center, bottom left, bottom center, bottom right, repeat or scaled"

    def parse(self, raw: str) -> str:
        name = _core.overlay_position(raw)
        if name is None:
            raise ValueError
        return name


@dataclass(frozen=True)
class AnyCaseChoice(Choice):
    """A choice whatever its case, as logback reads levels and syslog facilities."""

    def parse(self, raw: str) -> str:
        return super().parse(next((o for o in self.options if o.lower() == raw.strip().lower()), raw))


#: The parts of a logback date pattern Casaba knows, as ``strftime`` writes them, coarsest first.
DATE_PARTS = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M"}
_DATE = re.compile(r"%d(?:\{([^}]*)\})?")
_DATE_TOKEN = re.compile(r"yyyy|MM|dd|HH|mm|[^A-Za-z'%]+")


def strftime_pattern(pattern: str) -> str:
    """The ``strftime`` pattern of a logback file name pattern (``FilenamePattern``), whose one
    ``%d{...}`` (``%d`` alone is ``%d{yyyy-MM-dd}``) is in the file's name, not its folder; a
    ValueError for anything else (``%i``, compression, a time zone)."""
    found = list(_DATE.finditer(pattern))
    if len(found) != 1:
        raise ValueError
    match = found[0]
    if "/" in pattern[match.end() :] or pattern.endswith((".gz", ".zip")):
        raise ValueError
    java = match.group(1) if match.group(1) is not None else "yyyy-MM-dd"
    tokens = _DATE_TOKEN.findall(java)
    parts = [t for t in tokens if t in DATE_PARTS]
    # Each part once, from the year down with none skipped, so that every file's period is known.
    if "".join(tokens) != java or not parts or sorted(parts, key=list(DATE_PARTS).index) != list(DATE_PARTS)[: len(parts)]:
        raise ValueError
    date = "".join(DATE_PARTS.get(t, t) for t in tokens)
    before, after = pattern[: match.start()], pattern[match.end() :]
    if "%" in before or "%" in after:
        raise ValueError
    return before + date + after


@dataclass(frozen=True)
class FilenamePattern(Kind):
    """A rolling log file's name with its date as logback writes it (``strftime_pattern``)."""

    allowed = "a file path whose name holds one %d{...} of yyyy, MM, dd, HH and mm (as logs/app-%d{yyyy-MM-dd}.log), or blank"

    def parse(self, raw: str) -> str:
        value = raw.strip()
        if value:
            strftime_pattern(value)
        return value
