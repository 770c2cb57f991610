"""The access log (``log.access.*``): a line per request, in Common Log Format, NCSA combined
(Cantaloupe's) or JSON, each with the request's id, also sent back as ``X-Request-Id``.

The id is the client's (or a proxy's) ``X-Request-Id`` when it is short and plain (visible
ASCII but quotes and backslashes, at most ``MAX_ID`` characters), else a new random one. CLF and
combined lines end with the id after a space, so the usual parsers still read the fields before
it. Credentials a query or a Referer carries are masked (``masking``); the ``Authorization``
and ``Cookie`` headers are never written. With every access appender off there is no
``AccessLog`` at all: the request path then only finds its generation's ``access`` to be None."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from casaba.http import Response
from casaba.logs.masking import masked, masked_query
from casaba.logs.sinks import Sink, Stdout, Syslog, file_sink
from casaba.settings.log_keys import AccessLogSettings

log = logging.getLogger("casaba")

MAX_ID = 128
_PLAIN_ID = re.compile(r"[!#-\[\]-~]{1,%d}" % MAX_ID)
#: What a path keeps as it is in a request line: the characters of a URI path but ``%``.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def request_id(given: str | None) -> str:
    """The id of a request that came with the header value ``given`` (None: without one)."""
    if given is not None and _PLAIN_ID.fullmatch(given):
        return given
    return os.urandom(8).hex()


def _plain(text: str) -> str:
    """``text`` safe between double quotes on one line: quotes, backslashes and anything but
    printable ASCII escaped as JSON escapes them."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return text
    return json.dumps(text)[1:-1]


class Clock:
    """The time of the current second as each format writes it, worked out once a second."""

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self.now = now
        self.second = -1
        self.clf = self.iso = ""

    def read(self) -> tuple[str, str]:
        second = int(self.now())
        if second != self.second:
            moment = time.localtime(second)
            self.second = second
            self.clf = time.strftime("%d/%b/%Y:%H:%M:%S %z", moment)
            iso = time.strftime("%Y-%m-%dT%H:%M:%S%z", moment)
            self.iso = f"{iso[:-2]}:{iso[-2:]}"
        return self.clf, self.iso


def _sent(scope: Any, response: Response) -> int:
    """The body's length as ``http.send`` sends it: nothing for HEAD and 304."""
    if scope.method == "HEAD" or response.status == 304:
        return 0
    return response.file_size if response.file is not None else len(response.body)


def _client(scope: Any) -> str:
    """The client's address without its port (Granian gives ``ip:port``)."""
    return scope.client.rpartition(":")[0].strip("[]") or scope.client or "-"


def _request_line(scope: Any) -> str:
    query = f"?{_plain(masked_query(scope.query_string))}" if scope.query_string else ""
    return f"{scope.method} {quote(scope.path, safe=_PATH_SAFE)}{query} HTTP/{scope.http_version}"


def common(scope: Any, response: Response, rid: str, clock: Clock) -> str:
    size = _sent(scope, response)
    return f'{_client(scope)} - - [{clock.read()[0]}] "{_request_line(scope)}" {response.status} {size or "-"} {rid}'


def combined(scope: Any, response: Response, rid: str, clock: Clock) -> str:
    size = _sent(scope, response)
    headers = scope.headers
    referer, agent = _plain(masked(headers.get("referer") or "-")), _plain(headers.get("user-agent") or "-")
    return (
        f'{_client(scope)} - - [{clock.read()[0]}] "{_request_line(scope)}" {response.status} {size or "-"} '
        f'"{referer}" "{agent}" {rid}'
    )


def as_json(scope: Any, response: Response, rid: str, clock: Clock) -> str:
    headers = scope.headers
    referer = headers.get("referer")
    return json.dumps(
        {
            "time": clock.read()[1],
            "remote_addr": _client(scope),
            "method": scope.method,
            "path": scope.path,
            "query": masked_query(scope.query_string),
            "protocol": f"HTTP/{scope.http_version}",
            "status": response.status,
            "bytes": _sent(scope, response),
            "referer": masked(referer) if referer else None,
            "user_agent": headers.get("user-agent"),
            "request_id": rid,
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


Format = Callable[[Any, Response, str, Clock], str]
FORMATS: dict[str, Format] = {"common": common, "combined": combined, "json": as_json}


def sinks(settings: AccessLogSettings) -> list[Sink]:
    """Where the settings send access lines."""
    made: list[Sink] = []
    if settings.console.enabled:
        made.append(Stdout())
    sink = file_sink(settings.file, settings.rolling)
    if sink is not None:
        made.append(sink)
    if settings.syslog.enabled:
        made.append(Syslog(settings.syslog, "casaba-access: "))
    return made


class AccessLog:
    """Logs a request as it is answered (``__call__``, with Granian's scope and the response)."""

    def __init__(self, settings: AccessLogSettings, clock: Clock | None = None) -> None:
        self.format = FORMATS[settings.format]
        self.sinks = sinks(settings)
        self.clock = clock or Clock()
        self._failed = False

    def __call__(self, scope: Any, response: Response) -> None:
        """Give the response its ``x-request-id`` header and write its line."""
        rid = request_id(scope.headers.get("x-request-id"))
        response.headers = [*response.headers, ("x-request-id", rid)]
        line = self.format(scope, response, rid, self.clock)
        for sink in self.sinks:
            try:
                sink.write(line)
            except OSError as e:
                if not self._failed:  # once, not at every request
                    self._failed = True
                    log.error("cannot write the access log: %s", e)

    def close(self) -> None:
        for sink in self.sinks:
            sink.close()


def access_log(settings: AccessLogSettings) -> AccessLog | None:
    """The access log the settings ask for; None when every appender is off."""
    return AccessLog(settings) if settings.enabled else None
