"""Logging without the server: rolling files' names and pruning on a fixed clock, the access
log's formats and request ids, and the application log's levels."""

import json
import logging
import re
from datetime import datetime
from types import SimpleNamespace

import pytest

from casaba.http import Response
from casaba.logs import application
from casaba.logs.access import MAX_ID, AccessLog, Clock, request_id
from casaba.logs.rolling import Rolling
from casaba.logs.sinks import RollingFile
from casaba.settings import SettingsError, load
from casaba.settings.kinds import strftime_pattern


def at(*parts):
    return datetime(*parts).timestamp()


@pytest.mark.parametrize(
    "pattern, strftime",
    [
        ("logs/application-%d{yyyy-MM-dd}.log", "logs/application-%Y-%m-%d.log"),
        ("logs/application-%d.log", "logs/application-%Y-%m-%d.log"),
        ("/var/log/access.%d{yyyy-MM-dd_HH}.log", "/var/log/access.%Y-%m-%d_%H.log"),
        ("month-%d{yyyy-MM}", "month-%Y-%m"),
        ("day-%d{dd.MM.yyyy}.log", "day-%d.%m.%Y.log"),
    ],
)
def test_logback_patterns_become_strftime_patterns(pattern, strftime):
    assert strftime_pattern(pattern) == strftime


@pytest.mark.parametrize(
    "pattern",
    ["application.log", "%d{yyyy-MM}/application.log", "a-%d.log.gz", "a-%d-%i.log", "a-%d{yyyy-MM-dd, UTC}.log", "a-%d{MM-dd}.log", "a-%d{yyyy-dd}.log", "a-%d-%d.log", "100%-%d.log"],
)
def test_patterns_casaba_cannot_keep_are_refused_naming_the_key(pattern):
    name = "log.access.RollingFileAppender.TimeBasedRollingPolicy.filename_pattern"
    with pytest.raises(SettingsError, match=name):
        load(None, environ={}, overrides={name: pattern})


def test_each_moment_belongs_to_the_file_of_its_day_or_hour():
    daily = Rolling("logs/a-%d{yyyy-MM-dd}.log", 30)
    start = daily.start(datetime(2026, 3, 9, 23, 59, 59, 999))
    assert start == datetime(2026, 3, 9) and daily.name(start) == "logs/a-2026-03-09.log"
    assert daily.shift(start, 1) == datetime(2026, 3, 10) and daily.shift(start, -30) == datetime(2026, 2, 7)
    hourly = Rolling("a-%d{yyyy-MM-dd_HH}.log", 2)
    assert hourly.name(hourly.start(datetime(2026, 3, 9, 7, 30))) == "a-2026-03-09_07.log"
    monthly = Rolling("a-%d{yyyy-MM}.log", 2)
    assert monthly.shift(monthly.start(datetime(2026, 1, 20)), -2) == datetime(2025, 11, 1)


def test_files_past_max_history_are_expired_and_nothing_else(tmp_path):
    rolling = Rolling(f"{tmp_path}/access-%d{{yyyy-MM-dd}}.log", 2)
    for day in ("2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09"):
        (tmp_path / f"access-{day}.log").write_text("x\n")
    (tmp_path / "access.log").write_text("not one of the days\n")
    (tmp_path / "error-2026-03-01.log").write_text("another log\n")
    expired = rolling.expired(datetime(2026, 3, 9))
    assert [p.name for p in expired] == ["access-2026-03-05.log", "access-2026-03-06.log"]
    assert Rolling(rolling.pattern, 0).expired(datetime(2026, 3, 9)) == [], "0 keeps every file"


def test_a_rolling_file_writes_each_line_into_the_file_of_its_day_and_prunes(tmp_path):
    now = [at(2026, 3, 8, 23, 59, 58)]
    (tmp_path / "app-2026-03-01.log").write_text("old\n")
    pattern = f"{tmp_path}/logs/app-%d{{yyyy-MM-dd}}.log"
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "app-2026-03-01.log").write_text("old\n")
    (tmp_path / "logs" / "app-2026-03-07.log").write_text("kept\n")
    # Two writers, as two worker processes would be, on the same files.
    one = RollingFile(Rolling(pattern, 1), str(tmp_path / "logs" / "app.log"), clock=lambda: now[0])
    two = RollingFile(Rolling(pattern, 1), "", clock=lambda: now[0])
    one.write("a")
    two.write("b")
    assert (tmp_path / "logs" / "app-2026-03-08.log").read_text() == "a\nb\n"
    assert not (tmp_path / "logs" / "app-2026-03-01.log").exists(), "past max_history"
    assert (tmp_path / "logs" / "app-2026-03-07.log").exists()
    assert (tmp_path / "app-2026-03-01.log").exists(), "another folder is not this log's"
    now[0] = at(2026, 3, 9, 0, 0, 1)
    two.write("c")
    one.write("d")
    assert (tmp_path / "logs" / "app-2026-03-08.log").read_text() == "a\nb\n"
    assert (tmp_path / "logs" / "app-2026-03-09.log").read_text() == "c\nd\n"
    assert not (tmp_path / "logs" / "app-2026-03-07.log").exists()
    assert (tmp_path / "logs" / "app.log").resolve() == tmp_path / "logs" / "app-2026-03-09.log"
    one.close()
    one.write("dropped after closing")
    two.close()
    assert "dropped" not in (tmp_path / "logs" / "app-2026-03-09.log").read_text()


def scope(method="GET", path="/iiif/3/a b.jpg/full/max/0/default.jpg", query="", headers=None, client="10.1.2.3:50412"):
    return SimpleNamespace(method=method, path=path, query_string=query, http_version="1.1", client=client, headers=headers or {})


def access(tmp_path, form):
    settings = load(None, environ={}, overrides={"log.access.format": form, "log.access.FileAppender.enabled": "true", "log.access.FileAppender.pathname": str(tmp_path / "access.log")})
    return AccessLog(settings.log.access, Clock(lambda: at(2026, 3, 9, 14, 5, 7)))


def lines(tmp_path):
    return (tmp_path / "access.log").read_text().splitlines()


def test_common_and_combined_lines_end_with_the_request_id_also_sent_as_a_header(tmp_path):
    log = access(tmp_path, "common")
    response = Response(200, [("content-type", "image/jpeg")], b"x" * 1234)
    log(scope(headers={"x-request-id": "req-42.abc"}), response)
    assert response.headers[-1] == ("x-request-id", "req-42.abc")
    log(scope(method="HEAD"), Response(200, [], b"x" * 10))
    log(scope(path="/", query='a="1"'), Response(304))
    when = datetime(2026, 3, 9, 14, 5, 7).astimezone().strftime("%d/%b/%Y:%H:%M:%S %z")
    first, head, empty = lines(tmp_path)
    assert first == f'10.1.2.3 - - [{when}] "GET /iiif/3/a%20b.jpg/full/max/0/default.jpg HTTP/1.1" 200 1234 req-42.abc'
    assert head.startswith('10.1.2.3 - - [') and " 200 - " in head
    assert '"GET /?a=\\"1\\" HTTP/1.1" 304 - ' in empty
    log.close()
    log = access(tmp_path, "combined")
    log(scope(headers={"referer": "http://example.org/", "user-agent": 'Bot "quoted"\n'}, client="[::1]:8000"), Response(404, [], b"Not found.\n"))
    assert lines(tmp_path)[-1].startswith("::1 - - [")
    assert lines(tmp_path)[-1].split(" 404 11 ")[1].rsplit(" ", 1)[0] == '"http://example.org/" "Bot \\"quoted\\"\\n"'


def test_json_lines_hold_every_field(tmp_path):
    log = access(tmp_path, "json")
    log(scope(query="x=1", headers={"user-agent": "curl/8"}), Response(200, [], file="/x", file_size=99))
    line = json.loads(lines(tmp_path)[-1])
    assert line["time"] == datetime(2026, 3, 9, 14, 5, 7).astimezone().isoformat()
    assert (line["remote_addr"], line["method"], line["path"], line["query"]) == ("10.1.2.3", "GET", "/iiif/3/a b.jpg/full/max/0/default.jpg", "x=1")
    assert (line["status"], line["bytes"], line["user_agent"], line["referer"]) == (200, 99, "curl/8", None)
    assert len(line["request_id"]) == 16


def test_an_incoming_id_is_kept_only_when_short_and_plain():
    assert request_id("abc-DEF_123:x/y+z=") == "abc-DEF_123:x/y+z="
    assert request_id("a" * MAX_ID) == "a" * MAX_ID
    for bad in (None, "", "has space", 'quo"te', "back\\slash", "a" * (MAX_ID + 1), "naïve", "tab\t"):
        made = request_id(bad)
        assert made != bad and len(made) == 16 and int(made, 16) >= 0
    assert request_id(None) != request_id(None)


def test_the_application_level_and_the_error_log(tmp_path):
    root = logging.getLogger()
    before = (list(root.handlers), root.level, logging.getLogger("casaba").level)
    log = logging.getLogger("casaba.test")

    def configure(level):
        application.configure(
            load(
                None,
                environ={},
                overrides={
                    "log.application.level": level,
                    "log.application.ConsoleAppender.enabled": "false",
                    "log.application.FileAppender.enabled": "true",
                    "log.application.FileAppender.pathname": str(tmp_path / "app.log"),
                    "log.error.FileAppender.enabled": "true",
                    "log.error.FileAppender.pathname": str(tmp_path / "error.log"),
                },
            ).log
        )

    try:
        for level in ("TRACE", "debug", "info", "warn", "error", "off", "all"):
            configure(level)
            for n in (5, logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR):
                log.log(n, "%s at %d", level.lower(), n)
        logging.getLogger("other.library").debug("never: another library's debug message")
        logging.getLogger("other.library").info("another library's info message")
    finally:
        application.configure(load(None, environ={}, overrides={"log.application.ConsoleAppender.enabled": "false"}).log)
        root.handlers, root.level = before[0], before[1]
        logging.getLogger("casaba").setLevel(before[2])
    def seen(path):
        return set(re.findall(r"(\w+) at (\d+)$", path.read_text(), re.M))

    least = {"trace": 5, "debug": 10, "info": 20, "warn": 30, "error": 40, "off": 99, "all": 1}
    assert seen(tmp_path / "app.log") == {(level, str(n)) for level, low in least.items() for n in (5, 10, 20, 30, 40) if n >= low}
    assert seen(tmp_path / "error.log") == {(level, str(n)) for level, low in least.items() for n in (30, 40) if n >= low}
    app = (tmp_path / "app.log").read_text()
    assert " TRACE [" in app and "never" not in app and "another library's info message" in app
