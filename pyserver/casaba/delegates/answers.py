"""What delegates' answers mean, checked strictly: anything unexpected is a ``DelegateError``
(a 500 with a logged reason), never a guess that lets a request through."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from casaba.errors import HttpError, InternalError, NotImplementedFeature
from casaba.meta_identifier import MetaIdentifier
from casaba.settings.kinds import Color

DENIED_MESSAGES = {401: "Authentication is required.", 403: "Access to this image is not allowed."}


class DelegateError(InternalError):
    """A delegate failed, answered wrongly or too late (a 500 with ``reason`` logged)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"delegate: {reason}")


class Refusal(HttpError):
    """An authorization answer that stops the request: a status of the delegate's choosing,
    with ``WWW-Authenticate`` for a 401. For info.json requests the body is a small info.json."""

    def __init__(self, status: int, message: str, headers: list[tuple[str, str]], json_body: dict[str, Any] | None = None) -> None:
        super().__init__(message, headers)
        self.status = status
        self.json_body = json_body
        if json_body is not None:
            self.content_type = "application/json"

    def body(self) -> bytes:
        if self.json_body is None:
            return super().body()
        return json.dumps(self.json_body, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Allowed:
    pass


@dataclass(frozen=True)
class Denied:
    status: int
    #: The WWW-Authenticate value of a 401.
    challenge: str | None = None


@dataclass(frozen=True)
class Redirect:
    status: int
    location: str


@dataclass(frozen=True)
class ScaleRedirect:
    status: int
    scale: tuple[int, int]


Verdict = Allowed | Denied | Redirect | ScaleRedirect
ALLOWED = Allowed()


def verdict(answer: Any, where: str) -> Verdict:
    """The meaning of a ``pre_authorize`` or ``authorize`` answer, Cantaloupe's rules."""
    if answer is True:
        return ALLOWED
    if answer is False:
        return Denied(403)
    if not isinstance(answer, dict):
        raise DelegateError(f"{where} answered {type(answer).__name__}; expected True, False or a dict with status_code")
    status = answer.get("status_code")
    if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
        raise DelegateError(f"{where} answered a dict without a status_code from 200 to 599: {sorted(answer)}")
    location, challenge = answer.get("location"), answer.get("challenge")
    scale = scale_of(answer, where)
    if (location or scale) and not 300 <= status <= 399:
        raise DelegateError(f"{where} answered a location or scale with status {status}; redirects need 3xx")
    if challenge is not None and status != 401:
        raise DelegateError(f"{where} answered a challenge with status {status}; a challenge needs 401")
    if status < 300:
        return ALLOWED
    if status < 400:
        if isinstance(location, str) and location:
            return Redirect(status, location)
        if scale:
            return ScaleRedirect(status, scale)
        raise DelegateError(f"{where} answered status {status} without a location or a scale constraint")
    if status == 401:
        if not isinstance(challenge, str) or not challenge:
            raise DelegateError(f"{where} answered 401 without a challenge (the WWW-Authenticate value)")
        return Denied(401, challenge)
    return Denied(status)


def scale_of(answer: dict[str, Any], where: str) -> tuple[int, int] | None:
    if "scale_constraint" in answer:
        pair = answer["scale_constraint"]
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2):
            raise DelegateError(f"{where} answered scale_constraint {pair!r}; expected [numerator, denominator]")
        n, d = pair
    elif "scale_numerator" in answer or "scale_denominator" in answer:
        n, d = answer.get("scale_numerator"), answer.get("scale_denominator")
    else:
        return None
    if not (isinstance(n, int) and isinstance(d, int)) or isinstance(n, bool) or isinstance(d, bool) or not 1 <= n <= d:
        raise DelegateError(f"{where} answered the scale constraint {n!r}:{d!r}; expected integers 1 <= n <= d")
    return (n, d)


def message(v: Denied) -> str:
    return DENIED_MESSAGES.get(v.status, "The request was refused.")


def refusal(v: Denied, json_body: dict[str, Any] | None = None) -> Refusal:
    headers = [("www-authenticate", v.challenge)] if v.challenge else []
    return Refusal(v.status, message(v), headers, json_body)


def checked_dict(answer: Any, where: str) -> dict[str, Any]:
    if answer is None:
        return {}
    if not isinstance(answer, dict) or not all(isinstance(k, str) for k in answer):
        raise DelegateError(f"{where} answered {type(answer).__name__}; expected a dict with string keys")
    return answer


#: A rectangle of the full image (x, y, width, height) and the RGB colour that fills it.
Redaction = tuple[int, int, int, int, tuple[int, int, int]]
BLACK = (0, 0, 0)


def redactions(answer: Any, where: str) -> tuple[Redaction, ...]:
    """The rectangles a ``redactions`` answer names, each with its colour (black unless the
    answer's ``color`` names one, as Cantaloupe reads it); an empty rectangle hides nothing."""
    if answer is None:
        return ()
    if not isinstance(answer, (list, tuple)):
        raise DelegateError(f"{where} answered {type(answer).__name__}; expected a list of rectangles")
    out = []
    for r in answer:
        try:
            x, y, width, height = int(r["x"]), int(r["y"]), int(r["width"]), int(r["height"])
        except (TypeError, KeyError, ValueError):
            raise DelegateError(f"{where} answered {r!r}; expected a dict with x, y, width and height") from None
        if width < 0 or height < 0:
            raise DelegateError(f"{where} answered {r!r}; a width or height below zero")
        color = r.get("color")
        try:
            red, green, blue = BLACK if color is None else Color().parse(color)
        except (AttributeError, TypeError, ValueError):
            raise DelegateError(f"{where} answered the color {color!r}; expected {Color().allowed}") from None
        if width and height:
            out.append((x, y, width, height, (red, green, blue)))
    return tuple(out)


@dataclass(frozen=True)
class Decisions:
    """What delegates decided for one image request beyond yes or no, as plain data: part of the
    request's memo key and ETag, and what the pixel steps will apply."""

    redactions: tuple[Redaction, ...] = ()
    #: The overlay answer, frozen (see ``frozen``).
    overlay: Any = None
    metadata: str | None = None

    def refuse_unsupported(self) -> None:
        """Fail closed: Casaba cannot embed XMP metadata yet, so it must not answer without it."""
        missing = [what for what, asked in (("embedded XMP metadata", self.metadata),) if asked]
        if missing:
            raise NotImplementedFeature(
                f"The delegate asks for {' and '.join(missing)}, which this server cannot apply yet; "
                "the image is not served without them."
            )


NO_DECISIONS = Decisions()


def frozen(value: Any) -> Any:
    """A hashable copy of plain data (dicts, lists), for memo keys and ETags."""
    if isinstance(value, dict):
        return tuple(sorted((str(k), frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    return value


def components(meta: MetaIdentifier) -> dict[str, Any]:
    """A meta-identifier as Cantaloupe's delegate methods see it."""
    parts: dict[str, Any] = {"identifier": meta.identifier, "page_number": meta.page}
    if meta.scale:
        parts["scale_constraint"] = list(meta.scale)
    return parts


def meta_identifier(parts: Any, where: str) -> MetaIdentifier:
    """The meta-identifier a ``deserialize_meta_identifier`` answer describes."""
    if not isinstance(parts, dict) or not isinstance(parts.get("identifier"), str) or not parts["identifier"]:
        raise DelegateError(f"{where} answered {parts!r}; expected a dict with an identifier")
    page = parts.get("page_number") or 1
    scale = parts.get("scale_constraint")
    if not isinstance(page, int) or page < 1:
        raise DelegateError(f"{where} answered the page number {page!r}; expected an integer from 1")
    if scale is not None:
        if not (isinstance(scale, (list, tuple)) and len(scale) == 2 and all(isinstance(v, int) for v in scale)):
            raise DelegateError(f"{where} answered the scale constraint {scale!r}; expected [numerator, denominator]")
        scale = (scale[0], scale[1])
    return MetaIdentifier(parts["identifier"], page, scale)
