"""What the server's own pages share: one HTML frame (its style sheet, its scripts, nothing from
elsewhere) and the headers that keep them from being framed or fed foreign scripts."""

from __future__ import annotations

from html import escape

from casaba import __version__
from casaba.errors import MethodNotAllowed
from casaba.http import Request


def url(name: str) -> str:
    """A static file's URL relative to the server's root, naming the version so that a browser
    never keeps one across an upgrade."""
    return f"static/{name}?v={__version__}"


#: Sent with every page of the server's own: no framing, scripts and styles from here only.
PAGE_HEADERS = [
    ("content-type", "text/html; charset=utf-8"),
    ("cache-control", "no-cache"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
]


def page(title: str, body: str, scripts: tuple[str, ...] = ()) -> bytes:
    tags = "".join(f'<script src="{url(s)}" defer></script>' for s in scripts)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{url("casaba.css")}">
{tags}
</head>
<body>
{body}
</body>
</html>
""".encode()


def get_only(request: Request) -> None:
    """Pages that only show: GET and HEAD."""
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed("Only GET and HEAD are allowed here.", [("allow", "GET, HEAD")])
