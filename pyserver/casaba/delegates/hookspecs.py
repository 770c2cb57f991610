"""Every delegate method Casaba calls, with Cantaloupe's names and return values, so that the
rules of a Cantaloupe ``delegates.rb`` port line by line.

A delegate is a class with some of these methods (subclass ``Delegate`` for the documentation
and type hints, or write a plain ``class CustomDelegate`` as in Cantaloupe). Casaba makes a fresh
instance for every request, with no arguments, and sets ``context`` (a read-only mapping, see
``casaba.delegates.context.RequestContext``) and ``settings`` before calling any method. Methods
take no arguments (the two meta-identifier methods take one) and may be ``async def``.

Several delegates can be installed at once (the delegate script, then the packages named in
``delegates.plugins``, in that order). For each method:

- ``pre_authorize``, ``authorize``: every delegate must allow; the first that does not answers.
- ``extra_iiif2_information_response_keys``, ``extra_iiif3_information_response_keys``: the
  dictionaries are merged; a key from an earlier delegate wins.
- ``redactions``: the lists are joined.
- every other method: the first answer that is not ``None`` is used.

A method that raises, answers something it should not, or takes longer than
``delegates.timeout`` fails the request with a 500 (the traceback is logged, the client gets a
generic message); the worker carries on. A method a delegate does not define costs nothing.

These are pluggy hook specifications (project name ``casaba``): the manager registers each
delegate class as a plugin, so a method's signature is checked against its specification when
the server starts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, Union

import pluggy

if TYPE_CHECKING:
    from casaba.settings import Settings
    from casaba.settings.keys import Key

PROJECT = "casaba"
hookspec = pluggy.HookspecMarker(PROJECT)
#: Marks a delegate method with pluggy options, e.g. ``@hookimpl(trylast=True)``; optional.
hookimpl = pluggy.HookimplMarker(PROJECT)

T = TypeVar("T")
#: A method's answer, or an awaitable of it for ``async def`` methods.
Answer = Union[T, Awaitable[T]]
#: What the authorization methods return: True, False, or a dict (see ``pre_authorize``).
Authorization = Union[bool, dict[str, Any]]


class Delegate:
    """The base of delegate classes. Override the methods you need; the others cost nothing."""

    #: The request context (Cantaloupe's keys), set before any method is called. Read-only.
    context: Mapping[str, Any]
    #: The configuration: Casaba's keys and the ones this class declares in ``settings_keys``.
    settings: Settings
    #: Configuration keys this delegate reads, each with a type, a default, a doc line and an
    #: environment twin (``CASABA_`` + the name in capitals). A bad value stops start-up.
    settings_keys: ClassVar[Sequence[Key]] = ()
    #: Whether the plain (not ``async``) methods may block on I/O. True runs them on a thread of
    #: their own, so they cannot stall other requests, and gives up on them after
    #: ``delegates.timeout`` (the thread is left to finish). False runs them on the event loop,
    #: which saves the thread hand-off (tens of microseconds): for methods that only compute.
    blocking: ClassVar[bool] = True

    @classmethod
    def startup(cls, settings: Settings) -> None:
        """Called once as the server starts (by ``casaba serve``, then in each worker), with the
        settings; raise ``ValueError`` with a message naming the key to stop start-up. This is
        not a per-request method and has no context."""

    @hookspec
    def pre_authorize(self) -> Answer[Authorization]:
        """Whether the request may go on, decided before the image is read (every info and
        image request; ``full_size`` and later keys are not in the context yet).

        - ``True`` allows; ``False`` refuses with 403.
        - A dict with ``status_code``:
          200–299 allows;
          301–399 with ``location`` redirects there;
          301–399 with ``scale_numerator`` and ``scale_denominator`` (or ``scale_constraint``
          as ``[n, d]``) redirects to the same request for a virtual image n/d the size, whose
          info.json and tiles are in the reduced size (an answer equal to the request's own
          ``context["scale_constraint"]`` allows, so that the redirected request goes through);
          401 needs ``challenge``, sent as the ``WWW-Authenticate`` header;
          any other 4xx or 5xx is answered with that status.

        A refused info.json request is answered with a small info.json (status, message and the
        extra keys), as in Cantaloupe, so that clients find an authentication ``service``.
        """
        return True

    @hookspec
    def authorize(self) -> Answer[Authorization]:
        """Like ``pre_authorize``, once the image has been read: image requests only, with
        ``full_size``, ``page_count``, ``operations``, ``output_format`` and
        ``resulting_size`` in the context."""
        return True

    @hookspec
    def extra_iiif2_information_response_keys(self) -> Answer[dict[str, Any]]:
        """Keys merged into Image API 2.1 info.json (they replace Casaba's own on a clash),
        e.g. ``{"license": "...", "service": {...}}``. ``{}`` adds nothing."""
        return {}

    @hookspec
    def extra_iiif3_information_response_keys(self) -> Answer[dict[str, Any]]:
        """Keys merged into Image API 3.0 info.json, e.g. ``{"rights": "...", "service": [...]}``."""
        return {}

    @hookspec(firstresult=True)
    def source(self) -> Answer[str | None]:
        """With ``source.delegate = true``: the source of this identifier, ``"FilesystemSource"``,
        ``"HttpSource"`` or ``"S3Source"``. ``None`` leaves it to ``source.static``."""
        return None

    @hookspec(firstresult=True)
    def filesystemsource_pathname(self) -> Answer[str | None]:
        """With ``FilesystemSource.lookup_strategy = ScriptLookupStrategy``: the path of the
        image file, or ``None`` when there is none (404). Not the place for authorization."""
        return None

    @hookspec(firstresult=True)
    def httpsource_resource_info(self) -> Answer[str | dict[str, Any] | None]:
        """With ``HttpSource.lookup_strategy = ScriptLookupStrategy``: the image's URL, or a dict
        with ``uri`` (required), ``username`` and ``secret`` (HTTP Basic at the origin),
        ``headers`` (a dict sent with every request for the image) and ``send_head_request``
        (default true); ``None`` when there is none (404)."""
        return None

    @hookspec(firstresult=True)
    def s3source_object_info(self) -> Answer[dict[str, Any] | None]:
        """With ``S3Source.lookup_strategy = ScriptLookupStrategy``: a dict with ``bucket`` and
        ``key``, and optionally ``endpoint``, ``region``, ``access_key_id`` and
        ``secret_access_key`` for another store than the configured one; ``None`` when there
        is none (404)."""
        return None

    @hookspec(firstresult=True)
    def overlay(self) -> Answer[dict[str, Any] | None]:
        """With ``overlays.strategy = ScriptStrategy``: the overlay to draw on this image
        response, as in Cantaloupe: a string overlay (``string``, and optionally ``font``,
        ``font_size``, ``font_min_size``, ``font_weight``, ``glyph_spacing``, ``color``,
        ``stroke_color``, ``stroke_width``, ``background_color``, ``position``, ``inset``; what
        is left out takes the ``overlays.BasicStrategy`` keys' defaults) or an image overlay
        (``image``: a path or URL, ``position``, ``inset``); ``None`` for none. An answer that
        describes no overlay fails the request (500): it is never served without it."""
        return None

    @hookspec
    def redactions(self) -> Answer[list[dict[str, Any]]]:
        """Rectangles to fill on every derivative of the image, each ``{"x", "y", "width",
        "height"}`` in the full image's pixels (whatever the scale constraint), with an optional
        ``color`` (an opaque CSS colour: a name, ``#RRGGBB``, ``#RGB`` or ``rgb()``; black by
        default); ``[]`` for none. A part outside
        the image is left out. The rectangles show at every region, size, rotation and format, and
        are grown to what the level read blends (whole JPEG blocks, say), so no pixel of an
        answer depends on a hidden one. Asked only while ``redaction.enabled`` (the default)."""
        return []

    @hookspec(firstresult=True)
    def metadata(self) -> Answer[str | None]:
        """XMP to embed in the derivative image, or ``None``. Casaba does not embed XMP yet, so
        an answer is refused with 501."""
        return None

    @hookspec(firstresult=True)
    def deserialize_meta_identifier(self, meta_identifier: str) -> Answer[dict[str, Any] | None]:
        """With ``meta_identifier.transformer = DelegateMetaIdentifierTransformer``: the parts of
        a meta-identifier from the URL, ``{"identifier": str, "page_number": int,
        "scale_constraint": [n, d]}`` (only ``identifier`` is required). ``None`` leaves it to
        the standard transformer. The context has the request keys but no identifier yet."""
        return None

    @hookspec(firstresult=True)
    def serialize_meta_identifier(self, components: dict[str, Any]) -> Answer[str | None]:
        """The reverse of ``deserialize_meta_identifier``, for URLs Casaba writes (redirects to a
        scale-constrained image). ``None`` leaves it to the standard transformer."""
        return None


#: Every hook, in the order of the class.
HOOKS: tuple[str, ...] = tuple(name for name, value in vars(Delegate).items() if hasattr(value, f"{PROJECT}_spec"))
