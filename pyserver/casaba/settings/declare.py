"""How a key is declared: ``Key`` (name, kind, default, one doc line, whether it changes live),
the dataclass fields ``key`` and ``section`` that hold keys and sections, and the walks over
declared sections (``walk``, ``build``, ``key_of``) that ``keys`` derives its tables from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from casaba.settings.kinds import Kind


@dataclass(frozen=True)
class Key:
    name: str
    kind: Kind
    default: Any
    doc: str
    #: Whether a running server can take a new value without a restart (``serving.live``).
    live: bool = True

    @property
    def env(self) -> str:
        return "CASABA_" + re.sub(r"[^A-Z0-9]", "_", self.name.upper())


_KEY = "casaba.key"
_SECTION = "casaba.section"
T = TypeVar("T")


def names(text: str) -> list[str]:
    """The names of a comma-separated list, in order."""
    return [n.strip() for n in text.split(",") if n.strip()]


def key(name: str, kind: Kind, default: Any, doc: str, *, live: bool = True) -> Any:
    """A section's field that holds the value of the key ``name``; ``live=False`` for a key whose
    change needs a restart."""
    return field(default=default, metadata={_KEY: Key(name, kind, default, doc, live)})


def section(cls: type[T], prefix: str = "") -> Any:
    """A field that holds a section; ``prefix`` goes before the names of its keys."""
    return field(default_factory=cls, metadata={_SECTION: (cls, prefix)})


def walk(cls: type, prefix: str = "", path: tuple[str, ...] = ()) -> Iterator[tuple[Key, tuple[str, ...]]]:
    """Each key of the section ``cls`` (and of the sections in it), with its attribute path."""
    for f in fields(cls):
        if _KEY in f.metadata:
            declared: Key = f.metadata[_KEY]
            yield replace(declared, name=prefix + declared.name), (*path, f.name)
        else:
            inner, more = f.metadata[_SECTION]
            yield from walk(inner, prefix + more, (*path, f.name))


def build(cls: type[T], values: dict[str, Any], prefix: str = "") -> T:
    """The section ``cls`` with every key's value taken from ``values`` (by key name)."""
    made: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if _KEY in f.metadata:
            made[f.name] = values[prefix + f.metadata[_KEY].name]
        else:
            inner, more = f.metadata[_SECTION]
            made[f.name] = build(inner, values, prefix + more)
    return cls(**made)


def key_of(section_cls: type, attribute: str) -> Key:
    """The key a top-level section's attribute holds, e.g. ``key_of(HttpSettings, "port")``."""
    declared: Key = next(f for f in fields(section_cls) if f.name == attribute).metadata[_KEY]
    return declared
