"""The Overlays area's preview: the request it shows (Casaba's demo test chart as a viewer asks
for it), its figure (the image, a caption, and a status that says what is drawn, or why nothing
is, or why no preview could be made), and those words, made from what the image endpoint's own
steps chose. ``static/preview.js`` keeps the figure in step with the form as it changes."""

from __future__ import annotations

from html import escape

from casaba import _core
from casaba.settings import Settings

#: The area whose form the preview follows.
AREA = "overlays"
#: The demo image shown, and the request for it: a viewer's first view of a whole image.
DEMO = "chart.jpg"
PARAMS = ("full", "!800,800", "0", "default.jpg")
#: Where the preview is made (``preview.py``: ``.jpg`` the image, ``.json`` its words),
#: relative to the panel's page.
SOURCE = "admin/preview"
#: The script that keeps the figure in step with the form.
SCRIPT = "preview.js"


def figure() -> str:
    """The figure, showing the saved settings' overlay until the script shows the form's."""
    shown = escape("/".join((DEMO, *PARAMS)))
    return f"""<figure class="preview" id="preview" data-source="{SOURCE}">
<img src="{SOURCE}.jpg" alt="The demo test chart with the overlay of the saved settings, if they draw one">
<figcaption><p class="status" role="status" aria-live="polite"></p>
<p>Preview of <code>{shown}</code>: the demo test chart as a viewer asks for it, with the overlay the form holds, as you type, before you save.</p></figcaption>
</figure>"""


def where(overlay: _core.Overlay) -> str:
    place = {"repeat": "repeated over the image", "scaled": "scaled to fit the image"}.get(overlay.position, f"at {overlay.position}")
    return place + (f", {overlay.inset} px in" if overlay.inset else "")


def described(settings: Settings, overlay: _core.Overlay | None, drawn: bool, size: tuple[int, int]) -> tuple[str, str]:
    """The image's alternative text and the status line of a preview of ``size`` made with
    ``settings``: ``overlay`` is the one chosen (if any), ``drawn`` whether the plan draws it."""
    s = settings.overlays
    chart = f"The demo test chart, {size[0]} × {size[1]},"
    then = f" Then the overlay plugins draw: {', '.join(s.plugin_names)}." if s.plugin_names else ""
    if overlay is not None and drawn:
        what = f"the image {s.image.strip()}" if s.type == "image" else "the string “" + s.string.replace("\\n", " ") + "”"
        return f"{chart} with {what} {where(overlay)}.", f"Draws {what} {where(overlay)}.{then}"
    if s.strategy == "ScriptStrategy":
        why = "under ScriptStrategy each request's overlay is the one the delegate's overlay method answers, which a preview does not ask."
    elif not s.enabled:
        why = "Basic Strategy Enabled is off."
    elif overlay is None:
        why = "the string is empty."
    else:
        low = [f"narrower than {s.output_width_threshold}"] if s.output_width_threshold else []
        low += [f"shorter than {s.output_height_threshold}"] if s.output_height_threshold else []
        why = f"this response is {size[0]} × {size[1]}, and responses {' or '.join(low)} get none."
    return f"{chart} without an overlay.", f"No overlay: {why}{then}"
