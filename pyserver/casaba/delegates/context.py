"""The request context a delegate reads as ``self.context``: Cantaloupe's keys, filled in as the
request goes on. Every key is plain data (str, int, list, dict), so that a delegate ported from
Cantaloupe's ``delegates.rb`` reads ``context["identifier"]`` as before."""

from __future__ import annotations

from typing import Any, TypedDict

from casaba.http import Request
from casaba.meta_identifier import MetaIdentifier
from casaba.iiif.params import MEDIA_TYPES, ImageRequest, Resolved


class RequestContext(TypedDict, total=False):
    """What a delegate knows about the request, as in Cantaloupe. Keys appear as the request
    goes on: the first group at once, ``full_size`` and the next once the image is opened (not
    for ``pre_authorize``), the last group for image requests only (``authorize`` and after)."""

    #: The client's address: the first ``X-Forwarded-For`` entry, else the connection's.
    client_ip: str
    #: Cookie names to values.
    cookies: dict[str, str]
    #: The image's identifier, without page number or scale constraint.
    identifier: str
    #: The URI as the server received it (scheme, host and path, before any proxy).
    local_uri: str
    #: Page number, from 1.
    page_number: int
    #: Request headers; names are matched without regard to case.
    request_headers: dict[str, str]
    #: The URI as the client sent it (``base_uri`` or ``X-Forwarded-*`` respected).
    request_uri: str
    #: ``[numerator, denominator]``; ``[1, 1]`` when the request has no scale constraint.
    scale_constraint: list[int]
    #: ``{"width": w, "height": h}`` of the image (the page asked for) as stored.
    full_size: dict[str, int]
    page_count: int
    #: Embedded metadata. Casaba does not read it yet: always empty.
    metadata: dict[str, Any]
    #: The operations that change something, in order, each a dict with a ``class`` key named
    #: as in Cantaloupe (CropByPixels, CropByPercent, CropToSquare, ScaleByPixels,
    #: ScaleByPercent, Transpose, Rotate, ColorTransform, Encode).
    operations: list[dict[str, Any]]
    #: Media type of the output, e.g. ``image/jpeg``.
    output_format: str
    #: ``{"width": w, "height": h}`` of the image the client receives (before rotation).
    resulting_size: dict[str, int]


class Headers(dict[str, str]):
    """Header names to values; ``headers["Authorization"]`` and ``headers["authorization"]``
    are the same entry."""

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(name.lower(), default)


def from_request(request: Request, base: str) -> dict[str, Any]:
    """The keys known before anything is read: who asks, for what, how. ``base`` is the public
    scheme and authority the client used."""
    headers = Headers((str(k).lower(), str(v)) for k, v in request.headers.items())
    query = f"?{request.query_string}" if request.query_string else ""
    forwarded = headers.get("x-forwarded-for", "")
    return {
        "client_ip": forwarded.split(",")[0].strip() if forwarded else client_address(request.client),
        "cookies": cookies(headers.get("cookie", "")),
        "local_uri": f"{request.scheme}://{headers.get('host') or request.server}{request.path}{query}",
        "request_headers": headers,
        "request_uri": f"{base}{request.path}{query}",
        "identifier": "",
        "page_number": 1,
        "scale_constraint": [1, 1],
    }


def identify(context: dict[str, Any], meta: MetaIdentifier) -> None:
    context["identifier"] = meta.identifier
    context["page_number"] = meta.page
    context["scale_constraint"] = list(meta.scale) if meta.scale else [1, 1]


def image_opened(context: dict[str, Any], width: int, height: int, pages: int) -> None:
    context["full_size"] = {"width": width, "height": height}
    context["page_count"] = pages
    context["metadata"] = {}


def image_request(context: dict[str, Any], req: ImageRequest, resolved: Resolved, region: tuple[int, int, int, int]) -> None:
    """The operations of an image request as Cantaloupe lists them; ``region`` is the crop in
    the stored image's pixels (``resolved.region`` may be in a scale-constrained image's)."""
    ops: list[dict[str, Any]] = []
    x, y, w, h = region
    full = (context["full_size"]["width"], context["full_size"]["height"])
    if (x, y, w, h) != (0, 0, *full):
        kind = {"square": "CropToSquare", "percent": "CropByPercent"}.get(req.region.kind, "CropByPixels")
        ops.append({"class": kind, "x": x, "y": y, "width": w, "height": h})
    if resolved.size != (w, h):
        kind = "ScaleByPercent" if req.size.kind == "percent" else "ScaleByPixels"
        ops.append({"class": kind, "width": resolved.size[0], "height": resolved.size[1]})
    if resolved.mirror:
        ops.append({"class": "Transpose", "axis": "horizontal"})
    if resolved.rotation:
        ops.append({"class": "Rotate", "degrees": resolved.rotation})
    if resolved.quality in ("gray", "bitonal"):
        ops.append({"class": "ColorTransform", "type": resolved.quality})
    ops.append({"class": "Encode", "format": MEDIA_TYPES[resolved.format]})
    context["operations"] = ops
    context["output_format"] = MEDIA_TYPES[resolved.format]
    context["resulting_size"] = {"width": resolved.size[0], "height": resolved.size[1]}


def client_address(client: str) -> str:
    """``1.2.3.4`` from Granian's ``1.2.3.4:5678`` (and ``::1`` from ``[::1]:5678``)."""
    host = client.rsplit(":", 1)[0] if client.count(":") == 1 or client.startswith("[") else client
    return host.strip("[]")


def cookies(header: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in header.split(";"):
        name, eq, value = part.strip().partition("=")
        if eq and name:
            out[name] = value.strip().strip('"')
    return out
