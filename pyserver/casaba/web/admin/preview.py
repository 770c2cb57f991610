"""``/admin/preview.jpg`` and ``/admin/preview.json``: the overlay the overlays form holds now
(its fields in the query, unsaved) on the demo test chart (``figure.DEMO``, ``figure.PARAMS``),
and the words that say what it shows. Nothing is changed, so GET; never stored.

The form's values are checked as a save checks them (a bad one is a 400 whose text names its
key) and the image is made by the image endpoint's own steps: the overlay chosen by
``Overlays``, the overlay plugins made as a generation makes them, the derivative prepared,
planned and rendered on the pixel threads by ``Derivatives``, only without the derivative
cache (a preview is seen once) and without delegates (a preview is no request for an image of
theirs). The chart is read from the demo folder, whatever the configured source is."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import parse_qsl

from casaba import _core
from casaba.caches.facade import CacheFacade
from casaba.delegates.answers import NO_DECISIONS
from casaba.errors import BadRequest, InternalError, NotFound
from casaba.http import Request, Response
from casaba.iiif.params import Version, parse_image_request
from casaba.meta_identifier import MetaIdentifier
from casaba.overlays.choice import Overlays, basic_spec
from casaba.overlays.plugins import overlay_plugin_classes
from casaba.serving.derivatives import Derivatives, Prepared
from casaba.serving.iiif import IiifService
from casaba.serving.opening import Opened
from casaba.settings import Settings, SettingsError
from casaba.singleflight import SingleFlight
from casaba.sources.base import LocalImage
from casaba.sources.filesystem import FilesystemSource
from casaba.web.admin import fields
from casaba.web.admin.figure import AREA, DEMO, PARAMS, described
from casaba.web.admin.panel import keys_by_area, without_secrets
from casaba.web.pages import get_only

NO_STORE = ("cache-control", "no-store")


def demo_chart() -> Path:
    """The demo chart's file, drawn first if need be. OpenCV, which draws it, is imported only
    here, on a thread: a worker that shows no preview never loads it."""
    from casaba import demo

    return demo.chart(demo.default_folder())


class DemoFolder:
    """Where the preview's image is: the demo folder, read as FilesystemSource reads a file."""

    def __init__(self) -> None:
        # The page's image and its words are asked for at once: the chart is drawn once.
        self._drawing: SingleFlight[Path] = SingleFlight()

    async def locate(self, identifier: str) -> LocalImage:
        path = await self._drawing.run(DEMO, partial(asyncio.to_thread, demo_chart))
        return FilesystemSource.file(path, identifier)


DEMO_FOLDER = DemoFolder()


@dataclass(frozen=True)
class Made:
    """A preview worked out up to its pixels."""

    settings: Settings
    overlay: _core.Overlay | None
    derivatives: Derivatives
    opened: Opened
    prepared: Prepared
    planned: _core.Plan


def form_settings(settings: Settings, query: str) -> Settings:
    """``settings`` with the values the overlays form gives in ``query``, checked as a save
    checks them; BadRequest naming the key otherwise."""
    keys = keys_by_area(settings)[AREA]
    values = fields.submitted(parse_qsl(query, keep_blank_values=True), keys)
    changes = fields.changes(values, keys, settings)
    try:
        for name in changes:
            reason = fields.fixed(keys[name])
            if reason:
                raise SettingsError(f"{name} cannot change from the panel: {reason}")
        return settings.changed(changes, "the form") if changes else settings
    except SettingsError as e:
        raise BadRequest(without_secrets(str(e), settings, values)) from None


async def made(iiif: IiifService, request: Request) -> Made:
    settings = form_settings(iiif.settings, request.query_string)
    try:
        basic_spec(settings.overlays)  # as a save checks it, whatever the strategy
        if settings is iiif.settings:
            overlays, plugins = iiif.overlays, iiif.derivatives.plugins
        else:
            overlays = Overlays(settings.overlays)
            plugins = [(name, cls(settings)) for name, cls in overlay_plugin_classes(settings)]
        chosen = await overlays.choose(None)
    except SettingsError as e:
        raise BadRequest(without_secrets(str(e), iiif.settings, {})) from None
    except InternalError as e:  # an overlay image or font the form names cannot be read
        raise BadRequest(without_secrets(e.reason or e.message, iiif.settings, {})) from None
    derivatives = Derivatives(iiif.limits, settings.processor, iiif.threads, CacheFacade(None), plugins)
    meta = MetaIdentifier(DEMO)
    opened = await iiif.opener.open(meta, DEMO_FOLDER)
    req = parse_image_request(DEMO, PARAMS, Version.V3)
    base = request.base_uri(settings.iiif.base_uri)
    prepared = derivatives.prepare(req, Version.V3, base, opened.info, meta, NO_DECISIONS, chosen)
    overlay = chosen.overlay if chosen else None
    return Made(settings, overlay, derivatives, opened, prepared, derivatives.plan(opened, prepared))


async def preview(iiif: IiifService, request: Request, name: str) -> Response:
    """``name``: ``preview.jpg`` (the image) or ``preview.json`` (its alternative text and status
    line). The caller has checked the user."""
    get_only(request)
    if name not in ("preview.jpg", "preview.json"):
        raise NotFound("Not found.")
    m = await made(iiif, request)
    if name == "preview.json":
        drawn = any(step.startswith("overlay ") for step in m.planned.steps)
        alt, status = described(m.settings, m.overlay, drawn, m.planned.output_size)
        body = json.dumps({"alt": alt, "status": status}).encode()
        return Response(200, [("content-type", "application/json"), NO_STORE], body)
    hit = await m.derivatives.render(m.opened, m.prepared, m.planned)
    media_type = dict(m.prepared.headers)["content-type"]
    return Response(200, [("content-type", media_type), NO_STORE], hit.read())
