"""The control panel's form fields, made from the key declarations (a checkbox for a boolean,
a select for a choice, a number input for a number, a password field that starts empty for a
secret, text for the rest), and the changes a submitted form asks for."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from casaba.settings import Settings
from casaba.settings.keys import Key
from casaba.settings.kinds import Bool, Choice, Float, Int
from casaba.web.admin.areas import label, secret

#: The hidden field naming each checkbox that was on the form: an absent checkbox is unticked.
CHECKBOX = "_checkbox"


def fixed(key: Key) -> str | None:
    """Why the key cannot be changed from the panel, if it cannot."""
    if not key.live:
        return "needs a restart"
    if key.env in os.environ:
        return f"set by the environment variable {key.env}, which wins over the file"
    return None


def shown(text: str) -> str:
    return f"<code>{escape(text)}</code>" if text else "<em>empty</em>"


def field(key: Key, current: Any, submitted: str | None = None, error: str | None = None) -> str:
    """One key's row: its label, its control (holding ``submitted`` when the form is shown
    again), its name, current value, default and documentation, and ``error`` beside it."""
    name, kind = key.name, key.kind
    ident = f"k-{name}"
    reason = fixed(key)
    text = kind.text(current) if submitted is None else submitted
    attributes = f'id="{escape(ident)}" name="{escape(name)}" aria-describedby="d-{escape(name)}"'
    if reason:
        attributes += " disabled"
    if error:
        attributes += f' aria-invalid="true" aria-errormessage="e-{escape(name)}"'
    if secret(name):
        control = f'<input type="password" {attributes} value="" autocomplete="new-password" placeholder="leave empty to keep">'
        now = "<em>set</em>" if current else "<em>not set</em>"
    elif isinstance(kind, Bool):
        ticked = " checked" if text == "true" else ""
        marker = "" if reason else f'<input type="hidden" name="{CHECKBOX}" value="{escape(name)}">'
        control = f'<input type="checkbox" {attributes} value="true"{ticked}>{marker}'
        now = shown(kind.text(current))
    elif isinstance(kind, Choice):
        options = "".join(
            f'<option value="{escape(o)}"{" selected" if o == text else ""}>{escape(o) or "(none)"}</option>' for o in kind.options
        )
        control = f"<select {attributes}>{options}</select>"
        now = shown(kind.text(current))
    elif isinstance(kind, (Int, Float)):
        step = "1" if isinstance(kind, Int) else "any"
        high = f' max="{kind.high}"' if isinstance(kind, Int) and kind.high is not None else ""
        control = f'<input type="number" {attributes} value="{escape(text)}" step="{step}" min="{kind.low:g}"{high}>'
        now = shown(kind.text(current))
    else:
        control = f'<input type="text" {attributes} value="{escape(text)}" spellcheck="false">'
        now = shown(kind.text(current))
    default = shown(kind.text(key.default))
    note = f' · <strong class="fixed">{escape(reason)}</strong>' if reason else ""
    problem = f'<p class="error" id="e-{escape(name)}" role="alert">{escape(error)}</p>' if error else ""
    return f"""<div class="field{" invalid" if error else ""}">
<label for="{escape(ident)}">{escape(label(key))}</label>
<div class="control">{control}</div>
<p class="meta" id="d-{escape(name)}"><code>{escape(name)}</code> · now {now} · default {default}{note}<br><span class="doc">{escape(key.doc)}</span></p>
{problem}</div>"""


def submitted(form: Sequence[tuple[str, str]], keys: Mapping[str, Key]) -> dict[str, str]:
    """The raw values a form gives for ``keys``: each field's text, and "true" or "false" for
    each checkbox the form had."""
    values = {name: value for name, value in form if name in keys}
    for marker, name in form:
        if marker == CHECKBOX and name in keys:
            values[name] = "true" if values.get(name) == "true" else "false"
    return values


def changes(values: Mapping[str, str], keys: Mapping[str, Key], settings: Settings) -> dict[str, str]:
    """The values that differ from the settings' (an empty secret keeps the stored one; a value
    that does not parse is a change, for ``apply`` to refuse with its reason)."""
    changed = {}
    for name, text in values.items():
        if secret(name) and not text:
            continue
        try:
            same = bool(keys[name].kind.parse(text) == settings.value(name))
        except ValueError:
            same = False
        if not same:
            changed[name] = text
    return changed
