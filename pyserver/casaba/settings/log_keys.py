"""The ``log.*`` keys, Cantaloupe's names and defaults (its sample's, but for its placeholder
paths: a file is named when it is enabled): the application log, the error log (its warnings
and errors again, in a file of their own) and the access log, each to the console, a file, a
file per day (``RollingFileAppender``) or syslog."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from casaba.settings.declare import key, section
from casaba.settings.kinds import AnyCaseChoice, Bool, Choice, FilenamePattern, Int, Str

#: log.application.level's values, Cantaloupe's (logback's) names, and the ``logging`` levels they
#: are: ``trace`` is below DEBUG, ``all`` lets everything through, ``off`` nothing.
LEVELS = {
    "trace": logging.DEBUG - 5,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "all": 1,
    "off": logging.CRITICAL + 1,
}

#: Syslog facilities by logback's names (SyslogAppender.facility).
FACILITIES = ("KERN", "USER", "MAIL", "DAEMON", "AUTH", "SYSLOG", "LPR", "NEWS", "UUCP", "CRON", "AUTHPRIV", "FTP") + tuple(
    f"LOCAL{n}" for n in range(8)
)

#: log.access.format's values: Common Log Format, NCSA combined (Cantaloupe's), one JSON object.
ACCESS_FORMATS = ("common", "combined", "json")

@dataclass(frozen=True)
class ConsoleAppenderSettings:
    enabled: bool = key("enabled", Bool(), False, "Write the log to the standard output (warnings and errors of the application log to the standard error).")


@dataclass(frozen=True)
class ApplicationConsoleSettings:
    enabled: bool = key("enabled", Bool(), True, "Write the log to the standard output (warnings and errors to the standard error).")


@dataclass(frozen=True)
class FileAppenderSettings:
    enabled: bool = key("enabled", Bool(), False, "Append the log to one file; not together with the RollingFileAppender.")
    pathname: str = key("pathname", Str(), "", "The file (its folder is made if need be); every worker appends whole lines to it.")


@dataclass(frozen=True)
class RollingFileAppenderSettings:
    enabled: bool = key("enabled", Bool(), False, "Append the log to a file per day (per period of filename_pattern); not together with the FileAppender.")
    pathname: str = key("pathname", Str(), "", "A link kept pointing at the current file (blank for none): each line goes straight into the file of its day.")
    policy: str = key("policy", Choice(("TimeBasedRollingPolicy",)), "TimeBasedRollingPolicy", "How files roll: by time (the only policy).")
    filename_pattern: str = key(
        "TimeBasedRollingPolicy.filename_pattern",
        FilenamePattern(),
        "",
        "The files' names, with the date as logback writes it: logs/application-%d{yyyy-MM-dd}.log (a file a day; HH, a file an hour).",
    )
    max_history: int = key(
        "TimeBasedRollingPolicy.max_history", Int(0), 30, "Files of past periods kept beside the current one; older ones are deleted. 0 keeps all."
    )


@dataclass(frozen=True)
class SyslogAppenderSettings:
    enabled: bool = key("enabled", Bool(), False, "Send the log to a syslog server over UDP.")
    host: str = key("host", Str(), "", "Host name of the syslog server; needed when enabled.")
    port: int = key("port", Int(1, 65535), 514, "UDP port of the syslog server.")
    facility: str = key("facility", AnyCaseChoice(FACILITIES), "LOCAL0", "Syslog facility of the messages.")


@dataclass(frozen=True)
class ApplicationLogSettings:
    level: str = key(
        "level",
        AnyCaseChoice(tuple(LEVELS)),
        # Cantaloupe's sample file says debug (a file brought over keeps it); a server that says
        # nothing logs what an operator reads, not a line per refused request.
        "info",
        "Least severity logged by Casaba: trace, debug, info, warn, error, all or off (other libraries' messages from info up).",
    )
    console: ApplicationConsoleSettings = section(ApplicationConsoleSettings, "ConsoleAppender.")
    file: FileAppenderSettings = section(FileAppenderSettings, "FileAppender.")
    rolling: RollingFileAppenderSettings = section(RollingFileAppenderSettings, "RollingFileAppender.")
    syslog: SyslogAppenderSettings = section(SyslogAppenderSettings, "SyslogAppender.")


@dataclass(frozen=True)
class ErrorLogSettings:
    """The application log's warnings and errors, again, in a file of their own."""

    file: FileAppenderSettings = section(FileAppenderSettings, "FileAppender.")
    rolling: RollingFileAppenderSettings = section(RollingFileAppenderSettings, "RollingFileAppender.")


@dataclass(frozen=True)
class AccessLogSettings:
    format: str = key(
        "format",
        Choice(ACCESS_FORMATS),
        "common",
        "Each request's line: common (Common Log Format), combined (with referrer and user agent) or json; all end with the request id (not a Cantaloupe key).",
    )
    console: ConsoleAppenderSettings = section(ConsoleAppenderSettings, "ConsoleAppender.")
    file: FileAppenderSettings = section(FileAppenderSettings, "FileAppender.")
    rolling: RollingFileAppenderSettings = section(RollingFileAppenderSettings, "RollingFileAppender.")
    syslog: SyslogAppenderSettings = section(SyslogAppenderSettings, "SyslogAppender.")

    @property
    def enabled(self) -> bool:
        """Whether any appender is on: else requests are not logged, and get no request id."""
        return self.console.enabled or self.file.enabled or self.rolling.enabled or self.syslog.enabled


@dataclass(frozen=True)
class LogSettings:
    application: ApplicationLogSettings = section(ApplicationLogSettings, "log.application.")
    error: ErrorLogSettings = section(ErrorLogSettings, "log.error.")
    access: AccessLogSettings = section(AccessLogSettings, "log.access.")

    def appenders(self) -> list[tuple[str, FileAppenderSettings, RollingFileAppenderSettings]]:
        """Each log's file appenders, with the prefix of their keys' names (for checks)."""
        return [
            ("log.application.", self.application.file, self.application.rolling),
            ("log.error.", self.error.file, self.error.rolling),
            ("log.access.", self.access.file, self.access.rolling),
        ]
