"""Errors that become HTTP responses, and the one place that maps any exception to a status."""

from __future__ import annotations

import logging

from casaba import _core

log = logging.getLogger("casaba")


class HttpError(Exception):
    """An error with an HTTP status and a public message (no paths, no secrets). ``reason``, when
    set, is logged (with the traceback of the exception that caused it) and never sent."""

    status = 500
    content_type = "text/plain; charset=utf-8"
    reason: str | None = None

    def __init__(self, message: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or []

    def body(self) -> bytes:
        return (self.message + "\n").encode()


class Redirect(HttpError):
    """Go elsewhere: a 3xx with ``Location``."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(f"Redirect: {location}", [("location", location)])
        self.status = status


class BadRequest(HttpError):
    status = 400


class Unauthorized(HttpError):
    """No credentials, or wrong ones: ``headers`` carry the ``WWW-Authenticate`` challenge."""

    status = 401


class Forbidden(HttpError):
    status = 403


class NotFound(HttpError):
    status = 404


class MethodNotAllowed(HttpError):
    status = 405


class PayloadTooLarge(HttpError):
    status = 413


class UnsupportedMediaType(HttpError):
    status = 415


class ServerError(HttpError):
    status = 500


class InternalError(ServerError):
    """A failure the client cannot mend (a delegate, an overlay, a plugin): the client gets a
    generic message; the log gets ``reason`` (and the traceback of what caused it)."""

    def __init__(self, reason: str) -> None:
        super().__init__("Internal server error.")
        self.reason = reason


class ClientGone(HttpError):
    """The client left before its answer was made (nginx's 499): nobody reads the answer; the
    status is for the logs and counts."""

    status = 499

    def __init__(self) -> None:
        super().__init__("The client closed the connection before the answer was made.")


class NotImplementedFeature(HttpError):
    status = 501


class BadGateway(HttpError):
    """The image's source failed or could not be reached."""

    status = 502


class GatewayTimeout(HttpError):
    """The image's source did not answer in time."""

    status = 504


def reason_of(exc: BaseException, err: HttpError) -> str:
    """A failure in one line, as the log gives it: the reason kept from the client, else the
    message; for an exception no HTTP error was made for, its type and text."""
    if exc is err:
        return err.reason or err.message
    return f"{type(exc).__name__}: {exc}"


def to_http_error(exc: BaseException) -> HttpError:
    """The HTTP error for any exception; unexpected ones are logged with their traceback."""
    if isinstance(exc, HttpError):
        if exc.reason:
            log.error("%s", exc.reason, exc_info=exc.__cause__)
        else:
            log.debug("answered %d: %s", exc.status, exc.message)
        return exc
    if isinstance(exc, _core.RequestError):
        return BadRequest(f"{exc}.")
    if isinstance(exc, _core.LimitError):
        return Forbidden(f"The request exceeds a limit: {exc}")
    if isinstance(exc, _core.UnsupportedError):
        return NotImplementedFeature(f"The image uses a feature this server does not read: {exc}")
    if isinstance(exc, _core.ImageFormatError):
        return ServerError(f"The image could not be decoded: {exc}")
    if isinstance(exc, _core.ImageIoError):
        log.error("image read failed: %s", exc)
        return ServerError("The image could not be read from its storage.")
    log.exception("unexpected error", exc_info=exc)
    return ServerError("Internal server error.")
