"""Where log lines go: a file (``AppendFile``), a file per period (``RollingFile``), the standard
output, syslog; and ``SinkHandler``, through which the application log writes to the first two.

Several worker processes write to the same files. Each file is opened with ``O_APPEND`` and each
line (a record with its traceback included) is one ``write``: the kernel puts every write at the
file's end as a whole, so lines from different processes never interleave or overwrite each
other. A closed sink drops what it is given (a line written as the settings change)."""

from __future__ import annotations

import logging
import logging.handlers
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from casaba.logs.rolling import Rolling
from casaba.settings.log_keys import FileAppenderSettings, RollingFileAppenderSettings, SyslogAppenderSettings

log = logging.getLogger("casaba")


class Sink(Protocol):
    def write(self, line: str) -> None: ...
    def close(self) -> None: ...


def _open(path: str) -> int:
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)


class AppendFile:
    """One file, appended to."""

    def __init__(self, path: str) -> None:
        self.fd = _open(path)

    def write(self, line: str) -> None:
        if self.fd >= 0:
            os.write(self.fd, (line + "\n").encode("utf-8", "backslashreplace"))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class RollingFile:
    """The file of the current period of ``rolling``, found again as each line is written; on
    entering a new period, ``link`` (if any) is pointed at the new file and the files past
    keeping are deleted. ``clock`` gives the time (``time.time``)."""

    def __init__(self, rolling: Rolling, link: str = "", clock: Callable[[], float] = time.time) -> None:
        self.rolling = rolling
        self.link = link
        self.clock = clock
        self.fd = -1
        #: When the current period ends (seconds since the epoch), and the file's name.
        self.until = 0.0
        self.path = ""
        self.closed = False

    def write(self, line: str) -> None:
        if self.closed:
            return
        now = self.clock()
        if now >= self.until:
            self._enter(now)
        os.write(self.fd, (line + "\n").encode("utf-8", "backslashreplace"))

    def _enter(self, now: float) -> None:
        start = self.rolling.start(datetime.fromtimestamp(now))
        path = self.rolling.name(start)
        fd = _open(path)
        if self.fd >= 0:
            os.close(self.fd)
        self.fd, self.path = fd, path
        self.until = self.rolling.shift(start, 1).timestamp()
        if self.link:
            _point(self.link, path)
        for old in self.rolling.expired(start):
            try:
                old.unlink()
            except FileNotFoundError:
                pass  # another worker deleted it first

    def close(self) -> None:
        self.closed = True
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def _point(link: str, target: str) -> None:
    """Make ``link`` a symbolic link to ``target`` in one step (a regular file there is kept)."""
    place = Path(link)
    if place.exists() and not place.is_symlink():
        log.warning("%s is a file, not a link to the current log file: left as it is", link)
        return
    temporary = place.with_name(f".{place.name}.{os.getpid()}.link")
    try:
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(os.path.abspath(target))
        os.replace(temporary, place)
    except OSError as e:
        log.warning("cannot point %s at %s: %s", link, target, e)


class Stdout:
    """The standard output, a line at a time."""

    def write(self, line: str) -> None:
        os.write(1, (line + "\n").encode("utf-8", "backslashreplace"))

    def close(self) -> None:
        pass


def syslog_handler(settings: SyslogAppenderSettings, ident: str) -> logging.handlers.SysLogHandler:
    """A handler that sends records to the syslog server over UDP, each prefixed with ``ident``."""
    handler = logging.handlers.SysLogHandler((settings.host, settings.port), facility=settings.facility.lower())
    handler.ident = ident
    return handler


class Syslog:
    """Lines sent to a syslog server, at the informational level."""

    def __init__(self, settings: SyslogAppenderSettings, ident: str) -> None:
        self.handler = syslog_handler(settings, ident)

    def write(self, line: str) -> None:
        self.handler.emit(logging.makeLogRecord({"msg": line, "levelno": logging.INFO, "levelname": "INFO"}))

    def close(self) -> None:
        self.handler.close()


def file_sink(file: FileAppenderSettings, rolling: RollingFileAppenderSettings) -> Sink | None:
    """The file sink a log's FileAppender or RollingFileAppender keys ask for, if any."""
    if file.enabled:
        return AppendFile(file.pathname)
    if rolling.enabled:
        return RollingFile(Rolling(rolling.filename_pattern, rolling.max_history), rolling.pathname)
    return None


class SinkHandler(logging.Handler):
    """A ``logging`` handler writing each formatted record to a sink, as one line."""

    def __init__(self, sink: Sink) -> None:
        super().__init__()
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.sink.write(self.format(record))
        except Exception:
            self.handleError(record)

    def close(self) -> None:
        # Under the lock ``handle`` holds while emitting: no record is half-written to a
        # closed file by another thread.
        with self.lock:  # type: ignore[union-attr]
            self.sink.close()
        super().close()
