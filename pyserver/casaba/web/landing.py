"""``/``: the landing page, as Cantaloupe has one: the version, what is served and from what kind
of source, the endpoints, and a viewer that zooms into any identifier (``?id=`` opens one). It
names kinds, never folders, hosts, buckets or credentials."""

from __future__ import annotations

from html import escape

from casaba import __version__
from casaba.errors import NotFound
from casaba.http import Request, Response
from casaba.iiif.params import Version
from casaba.serving.iiif import IiifService
from casaba.web.pages import PAGE_HEADERS, get_only, page

def served(iiif: IiifService) -> list[str]:
    s = iiif.settings
    lines = [f"Images from <strong>{escape(s.source.static)}</strong>" + (", chosen per image by the delegate" if s.source.delegate else "")]
    cache = s.server_cache.derivative if s.server_cache.derivative_enabled and s.server_cache.derivative else ""
    lines.append(f"Derivative cache: <strong>{escape(cache)}</strong>" if cache else "No derivative cache")
    lines.append("Delegates: " + ("on" if s.delegates.configured else "none"))
    overlay = s.overlays.strategy == "ScriptStrategy" or s.overlays.enabled or s.overlays.plugin_names
    lines.append("Overlays: " + ("on" if overlay else "none"))
    return lines


async def landing(iiif: IiifService, request: Request, parts: list[str]) -> Response:
    if len(parts) > 2 or parts[1]:
        raise NotFound("Not found.")
    get_only(request)
    endpoints = []
    for v, name in ((Version.V3, "IIIF Image API 3.0"), (Version.V2, "IIIF Image API 2.1")):
        state = "" if v in iiif.versions else " (not enabled)"
        endpoints.append(f"<li>{name}: <code>/iiif/{v.value}/{{identifier}}/info.json</code>{state}</li>")
    if iiif.settings.health.enabled:
        endpoints.append('<li>Health: <a href="health"><code>/health</code></a></li>')
    if iiif.settings.api.enabled:
        endpoints.append("<li>HTTP API (cache purges, with credentials): <code>POST /tasks</code></li>")
    if iiif.settings.admin.enabled:
        endpoints.append('<li>Control panel: <a href="admin"><code>/admin</code></a></li>')
    items = "".join(f"<li>{line}</li>" for line in served(iiif))
    identifier = escape(request.query.get("id", ""))
    body = f"""<header><h1>Casaba <span class="version">{escape(__version__)}</span></h1>
<p>A IIIF image server.</p></header>
<main>
<section aria-labelledby="view-h"><h2 id="view-h">View an image</h2>
<form id="open" action="" method="get">
<label for="id">Identifier</label>
<input id="id" name="id" value="{identifier}" autocomplete="off" spellcheck="false" required>
<button type="submit">View</button>
</form>
<div id="viewer" class="viewer" hidden>
<canvas tabindex="0" aria-label="The image; drag or use the arrow keys to move, + and - to zoom"></canvas>
<div class="controls"><button type="button" data-zoom="in" aria-label="Zoom in">+</button><button type="button" data-zoom="out" aria-label="Zoom out">−</button><button type="button" data-zoom="home" aria-label="Whole image">⌂</button></div>
<p class="status" role="status" aria-live="polite"></p>
</div>
</section>
<section aria-labelledby="served-h"><h2 id="served-h">Serving</h2><ul>{items}</ul></section>
<section aria-labelledby="endpoints-h"><h2 id="endpoints-h">Endpoints</h2><ul>{"".join(endpoints)}</ul></section>
</main>"""
    return Response(200, list(PAGE_HEADERS), page(f"Casaba {__version__}", body, ("viewer.js",)))
