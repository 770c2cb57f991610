"""``Content-Disposition`` on request, as Cantaloupe does it: the query argument
``response-content-disposition=inline|attachment[; filename=...]``, with every filename sanitised."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

QUERY_ARG = "response-content-disposition"
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]")
_UNICODE_UNSAFE = re.compile(r"[^\w.\- ]", re.UNICODE)


def _clean(name: str, unsafe: re.Pattern[str]) -> str:
    return unsafe.sub("_", name.replace("..", "")).strip() or "image"


def content_disposition(requested: str | None, identifier: str, extension: str) -> str | None:
    """The header value for the query argument's value, or None when there is nothing to send."""
    if not requested:
        return None
    default_name = _clean(identifier, _ASCII_UNSAFE) + "." + extension
    if requested.startswith("inline"):
        return f'inline; filename="{default_name}"'
    if not requested.startswith("attachment"):
        return None
    ascii_name = re.search(r'filename="?([^";]*)"?', requested)
    parts = ["attachment", f'filename="{_clean(ascii_name.group(1), _ASCII_UNSAFE) if ascii_name else default_name}"']
    utf8_name = re.search(r"filename\*= ?(?:utf-8|UTF-8)''([^\";]*)", requested)
    if utf8_name:
        parts.append("filename*=UTF-8''" + quote(_clean(unquote(utf8_name.group(1)), _UNICODE_UNSAFE)))
    return "; ".join(parts)
