"""Meta-identifiers, Cantaloupe's way of naming a page (and a scale constraint) inside the
identifier: ``identifier``, ``identifier;2``, ``identifier;1:2`` or ``identifier;2;1:2``, with a
configurable delimiter. Components are read from the right, so the identifier itself may
contain the delimiter.

A scale constraint ``n:d`` names a virtual image n/d the size of the stored one (see
``iiif.scale_constraint``); ``normalized`` gives the form a request is redirected to."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from casaba.errors import BadRequest


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


def serialize(meta: MetaIdentifier, delimiter: str = ";") -> str:
    """The shortest meta-identifier for ``meta``: page 1 and no scale constraint are left out."""
    text = meta.identifier
    if meta.page != 1:
        text += f"{delimiter}{meta.page}"
    if meta.scale:
        text += f"{delimiter}{meta.scale[0]}:{meta.scale[1]}"
    return text


def normalized(meta: MetaIdentifier) -> MetaIdentifier:
    """``meta`` with its scale constraint in lowest terms, and none for n:n; a 400 for a
    constraint that is no reduction (n > d, or n or d zero)."""
    if meta.scale is None:
        return meta
    n, d = meta.scale
    if n < 1 or d < 1 or n > d:
        raise BadRequest(f"Invalid scale constraint {n}:{d}: expected n:d with 1 <= n <= d.")
    if n == d:
        return replace(meta, scale=None)
    g = math.gcd(n, d)
    return replace(meta, scale=(n // g, d // g)) if g > 1 else meta
