"""The application log and the error log, as the ``log.application.*`` and ``log.error.*`` keys
say, set on Python's ``logging`` in this process (``configure``, again whenever they change).

Casaba logs under the logger ``casaba``, which takes ``log.application.level``. The handlers sit
on the root logger, so other libraries' messages go to the same places, from ``info`` up (as
Cantaloupe keeps Jetty's debug messages out of its log), and so do Granian's once it is started
with ``GRANIAN_LOGGING``. The console splits as Cantaloupe's does: warnings and errors to the
standard error, the rest to the standard output. Every line has the credentials URLs carry
masked (``masking``), whoever wrote it."""

from __future__ import annotations

import logging
import sys
from typing import Any

from casaba.logs.masking import MaskingFormatter
from casaba.logs.sinks import SinkHandler, file_sink, syslog_handler
from casaba.settings.log_keys import LEVELS, LogSettings

#: The console's lines, as Casaba has always written them.
CONSOLE_FORMAT = "[%(levelname)s] %(name)s: %(message)s"
#: Cantaloupe's file pattern (``%date %level [%thread] %logger [%file:%line] %msg``), with the
#: worker's process id beside the thread.
FILE_FORMAT = "%(asctime)s %(levelname)s [%(process)d %(threadName)s] %(name)s [%(filename)s:%(lineno)d] %(message)s"
SYSLOG_FORMAT = "%(levelname)s [%(process)d %(threadName)s] %(name)s %(message)s"

#: Granian's ``log_dictconfig``: its logger keeps no handler of its own and hands its messages
#: on to the root logger's, which ``configure`` sets.
GRANIAN_LOGGING: dict[str, Any] = {"loggers": {"_granian": {"handlers": [], "propagate": True}}}

logging.addLevelName(LEVELS["trace"], "TRACE")

#: The handlers ``configure`` put on the root logger, replaced by the next call.
_installed: list[logging.Handler] = []


class _BelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.WARNING


def _set(handler: logging.Handler, level: int, form: str) -> logging.Handler:
    handler.setLevel(level)
    handler.setFormatter(MaskingFormatter(form))
    return handler


def handlers(settings: LogSettings) -> list[logging.Handler]:
    """The handlers the settings ask for, each with its level and format."""
    app = settings.application
    level = LEVELS[app.level]
    made: list[logging.Handler] = []
    if app.console.enabled:
        out = _set(logging.StreamHandler(sys.stdout), level, CONSOLE_FORMAT)
        out.addFilter(_BelowWarning())
        made += [out, _set(logging.StreamHandler(sys.stderr), max(level, logging.WARNING), CONSOLE_FORMAT)]
    sink = file_sink(app.file, app.rolling)
    if sink is not None:
        made.append(_set(SinkHandler(sink), level, FILE_FORMAT))
    if app.syslog.enabled:
        made.append(_set(syslog_handler(app.syslog, "casaba: "), level, SYSLOG_FORMAT))
    errors = file_sink(settings.error.file, settings.error.rolling)
    if errors is not None:
        made.append(_set(SinkHandler(errors), max(level, logging.WARNING), FILE_FORMAT))
    return made


def configure(settings: LogSettings) -> None:
    """Log as ``settings`` say from now on: the handlers made before are swapped for new ones
    in one assignment (a record goes to the old or the new, once), then closed. Handlers others
    put on the root logger (a test's) are kept."""
    made = handlers(settings)
    level = LEVELS[settings.application.level]
    root = logging.getLogger()
    old = list(_installed)
    root.handlers = [h for h in root.handlers if h not in old] + made
    _installed[:] = made
    logging.getLogger("casaba").setLevel(level)
    root.setLevel(max(level, logging.INFO))
    for handler in old:
        handler.close()
