"""``/admin``: GET shows the panel; POST saves one area's form into the configuration file
through ``serving.live.apply`` (only the keys that changed), waits until this worker serves with
it, and goes back to the area with a notice; a refused value shows the form again with the
reason (400) and nothing applied. ``/admin/preview.*`` is the Overlays area's preview
(``preview``). 404 while ``endpoint.admin.enabled`` is false."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qsl

from casaba.errors import BadRequest, NotFound, UnsupportedMediaType
from casaba.http import Request, Response
from casaba.serving import generation, live
from casaba.serving.iiif import IiifService
from casaba.settings import Settings, SettingsError
from casaba.web.admin import fields, status
from casaba.web.admin.areas import AREAS, OTHER
from casaba.web.admin.guard import require_same_site, require_user, token
from casaba.web.admin.panel import Refusal, culprit, keys_by_area, render, without_secrets
from casaba.web.admin.preview import preview
from casaba.web.pages import PAGE_HEADERS, get_only
from casaba.web.tasks import VERBS, carry_out

#: Bytes a form may have: every key of an area, with room to spare.
FORM_LIMIT = 256 << 10
#: Seconds a save waits for this worker to serve with it (the others switch as quickly).
SWITCH_WAIT = 1.0
NOTICES = {
    "saved": "Saved. Every worker serves with the change within a second.",
    "pending": "Saved to the configuration file, but this worker has not switched to it yet: see its log if this lasts.",
    "same": "Nothing to save: no value was changed.",
    "purged": "Purged: every worker has forgotten it.",
}


async def admin(iiif: IiifService, request: Request, parts: list[str]) -> Response:
    settings = iiif.settings
    if not settings.admin.enabled or len(parts) > 3:
        raise NotFound("Not found.")
    require_user(request, settings.admin)
    if len(parts) == 3:
        return await preview(iiif, request, parts[2])
    if request.method == "POST":
        return await save(iiif, request)
    get_only(request)
    query = request.query
    notice = next(((query[k], text) for k, text in NOTICES.items() if k in query), None)
    return Response(200, list(PAGE_HEADERS), await panel(iiif, notice))


async def panel(iiif: IiifService, notice: tuple[str, str] | None = None, refusal: Refusal | None = None) -> bytes:
    """The panel, with the status of every worker now."""
    settings = iiif.settings
    now = await asyncio.to_thread(status.read)
    before = {"caches": status.caches_html(now, iiif, token(settings.admin))}
    return render(settings, status.status_html(now, settings.http.workers), notice, refusal, before)


async def save(iiif: IiifService, request: Request) -> Response:
    settings = iiif.settings
    if request.header("content-type").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise UnsupportedMediaType("The control panel takes forms (application/x-www-form-urlencoded).")
    try:
        form = parse_qsl((await request.body(FORM_LIMIT)).decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        raise BadRequest("The form is not UTF-8.") from None
    sent = dict(form)
    require_same_site(request, settings.admin, sent.get("_token", ""), settings.iiif.base_uri)
    if sent.get("_action") == "purge":
        return await purge(iiif, sent.get("verb", ""), sent.get("identifier", "").strip())
    area = next((a for a in (*AREAS, OTHER) if a.id == sent.get("_area")), None)
    if area is None:
        raise BadRequest("The form names no area of the control panel.")
    keys = keys_by_area(settings)[area.id]
    values = fields.submitted(form, keys)
    changes = fields.changes(values, keys, settings)
    if not changes:
        return back(area.id, "same")
    try:
        new = await live.apply(settings, changes)
    except SettingsError as e:
        message = without_secrets(str(e), settings, values)
        refusal = Refusal(area.id, message, culprit(message, list(keys)), values)
        return Response(400, list(PAGE_HEADERS), await panel(iiif, refusal=refusal))
    return back(area.id, "saved" if await switched(iiif, new, list(changes)) else "pending")


async def purge(iiif: IiifService, verb: str, identifier: str) -> Response:
    """What a purge button names, purged as the task API's verb of that name purges it."""
    if verb not in VERBS:
        raise BadRequest(f"The purge must name one of {', '.join(VERBS)}.")
    if verb == "PurgeItemFromCache" and not identifier:
        raise BadRequest("Name the image to purge: its identifier.")
    await carry_out(verb, identifier if verb == "PurgeItemFromCache" else None, iiif.settings, iiif.purges)
    return back("caches", "purged")


def back(area: str, what: str) -> Response:
    """See the panel again at the area (303: the browser asks with GET)."""
    return Response(303, [("location", f"admin?{what}={area}#{area}"), ("cache-control", "no-store")])


async def switched(iiif: IiifService, new: Settings, names: list[str]) -> bool:
    """Wait (at most ``SWITCH_WAIT`` seconds) until this worker serves with ``new``'s values of
    ``names``; whether it does."""
    deadline = time.monotonic() + SWITCH_WAIT
    while True:
        now = generation.latest(iiif).settings
        try:
            if all(now.value(name) == new.value(name) for name in names):
                return True
        except KeyError:  # a key of delegates this worker has not made yet
            pass
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.02)
