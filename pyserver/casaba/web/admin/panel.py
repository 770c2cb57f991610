"""The control panel's page: an area per part of the configuration, each its own form, with a
notice after a save and the reason beside the field after a refusal."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape

from casaba import __version__
from casaba.settings import Settings
from casaba.settings.keys import Key
from casaba.web.admin import fields
from casaba.web.admin.areas import AREAS, OTHER, Area, area_of, secret
from casaba.web.admin.figure import AREA as PREVIEWED, SCRIPT, figure
from casaba.web.admin.guard import token
from casaba.web.pages import page


@dataclass(frozen=True)
class Refusal:
    """A form that was refused: the area, the key the reason names (if it is in the area), the
    reason, and what was typed, to show again."""

    area: str
    message: str
    key: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)


def keys_by_area(settings: Settings) -> dict[str, dict[str, Key]]:
    """Every key the settings have, by area, in declaration order."""
    found: dict[str, dict[str, Key]] = {a.id: {} for a in (*AREAS, OTHER)}
    for name, key in settings.declared_keys().items():
        found[area_of(name).id][name] = key
    return found


def culprit(message: str, names: list[str]) -> str | None:
    """The first of ``names`` the message names (the key it is about), if any."""
    places = [(m.start(), name) for name in names if (m := re.search(rf"(?<![\w.]){re.escape(name)}(?![\w.])", message))]
    return min(places)[1] if places else None


def without_secrets(message: str, settings: Settings, values: Mapping[str, str]) -> str:
    """``message`` with every secret the settings hold or the form gave blotted out."""
    for name in settings.declared_keys():
        if secret(name):
            for value in {str(settings.value(name)), values.get(name, "")}:
                if value:
                    message = message.replace(value, "•••")
    return message


def render(
    settings: Settings, status: str, notice: tuple[str, str] | None = None, refusal: Refusal | None = None, before: Mapping[str, str] | None = None
) -> bytes:
    """The whole panel: the ``status`` section, then the areas, each with what ``before`` has
    for it (HTML) above its form; ``notice`` is (area id, text) after a save."""
    by_area = keys_by_area(settings)
    areas = [a for a in (*AREAS, OTHER) if by_area[a.id]]
    nav = '<li><a href="#status">Status</a></li>' + "".join(f'<li><a href="#{a.id}">{escape(a.title)}</a></li>' for a in areas)
    if settings.path is None:
        where = '<p class="error" role="alert">The server was started without a configuration file, so there is nothing to save changes to: start it with <code>--config FILE</code>. Saving is disabled.</p>'
    else:
        where = f"<p>Saving writes the change to <code>{escape(str(settings.path))}</code> (comments and other keys kept) and every worker serves with it within a second, without a restart.</p>"
    said = f'<p class="notice" role="status">{escape(notice[1])}</p>' if notice is not None and notice[0] == "status" else ""
    sections = f'<section id="status" aria-labelledby="h-status"><h2 id="h-status">Status</h2>{said}{status}</section>'
    sections += "".join(area_html(a, by_area[a.id], settings, notice, refusal, (before or {}).get(a.id, "")) for a in areas)
    body = f"""<header><h1>Casaba control panel <span class="version">{escape(__version__)}</span></h1>
{where}
<nav aria-label="Areas"><ul class="areas">{nav}</ul></nav></header>
<main class="panel">{sections}</main>"""
    return page("Casaba control panel", body, (SCRIPT,))


def area_html(area: Area, keys: dict[str, Key], settings: Settings, notice: tuple[str, str] | None, refusal: Refusal | None, before: str) -> str:
    refused = refusal if refusal is not None and refusal.area == area.id else None
    rows = []
    for name, key in keys.items():
        typed = refused.values.get(name) if refused else None
        if typed is not None and secret(name):
            typed = ""
        error = refused.message if refused and refused.key == name else None
        rows.append(fields.field(key, settings.value(name), typed, error))
    said = ""
    if notice is not None and notice[0] == area.id:
        said = f'<p class="notice" role="status">{escape(notice[1])}</p>'
    if refused is not None and refused.key is None:
        said = f'<p class="error" role="alert">Not saved: {escape(refused.message)}</p>'
    elif refused is not None:
        said = '<p class="error" role="alert">Not saved: see the field marked below. Nothing was changed.</p>'
    disabled = " disabled" if settings.path is None else ""
    preview = figure() if area.id == PREVIEWED else ""
    return f"""<section id="{area.id}" aria-labelledby="h-{area.id}"{' class="with-preview"' if preview else ""}><h2 id="h-{area.id}">{escape(area.title)}</h2>
{said}{before}<form method="post" action="admin#{area.id}" class="settings">
<input type="hidden" name="_area" value="{area.id}"><input type="hidden" name="_token" value="{token(settings.admin)}">
{"".join(rows)}
<div class="actions"><button type="submit"{disabled}>Save {escape(area.title)}</button></div>
</form>{preview}</section>"""
