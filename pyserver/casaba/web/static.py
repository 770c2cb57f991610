"""``/static/<name>``: the few files the server's own pages use (its style sheet and scripts),
shipped in the package beside this module; nothing is fetched from elsewhere. The control
panel's own script is there only while the panel is (``endpoint.admin.enabled``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from casaba.errors import NotFound
from casaba.http import Request, Response
from casaba.serving.iiif import IiifService
from casaba.web.admin.figure import SCRIPT as PANEL_SCRIPT
from casaba.web.pages import get_only

FOLDER = Path(__file__).parent / "static"
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


@lru_cache(maxsize=None)
def read(name: str) -> bytes | None:
    path = FOLDER / name
    if "/" in name or path.suffix not in TYPES or not path.is_file():
        return None
    return path.read_bytes()


async def static(iiif: IiifService, request: Request, parts: list[str]) -> Response:
    name = "/".join(parts[2:])
    body = read(name) if name != PANEL_SCRIPT or iiif.settings.admin.enabled else None
    if body is None:
        raise NotFound("Not found.")
    get_only(request)
    headers = [("content-type", TYPES[Path(name).suffix]), ("cache-control", "public, max-age=604800, immutable")]
    return Response(200, headers, body)
