"""Meta-identifiers, Cantaloupe's way of naming a page (and a scale constraint) inside the
identifier: ``identifier``, ``identifier;2``, ``identifier;1:2`` or ``identifier;2;1:2``, with a
configurable delimiter. Components are read from the right, so the identifier itself may
contain the delimiter."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class MetaIdentifier:
    identifier: str
    page: int = 1
    #: A scale constraint n:d (a virtual image n/d the size of the real one), if any.
    scale: tuple[int, int] | None = None


def parse(text: str, delimiter: str = ";") -> MetaIdentifier:
    d = re.escape(delimiter)
    m = re.fullmatch(rf"(?P<id>.+?)(?:{d}(?P<page>\d+))?(?:{d}(?P<n>\d+):(?P<d>\d+))?", text, re.DOTALL)
    if not m:
        return MetaIdentifier(text)
    scale = (int(m["n"]), int(m["d"])) if m["n"] is not None else None
    return MetaIdentifier(m["id"], int(m["page"]) if m["page"] is not None else 1, scale)
