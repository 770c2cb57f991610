"""Logging on a real server with two workers, changed live through its configuration file: the
access log in each format with request ids (also a response header), the application log's
level, the error log, and a rolling error log named by day that prunes old days."""

import json
import re
import time
from datetime import date, timedelta

import httpx
import pytest

from casaba.settings.write import write_atomically
from casaba.testing import running_server

WORKERS = 2
#: Every worker serves with a changed file within this many seconds of the first that does.
SWITCH = 1.0
COMMON = re.compile(r'^(\S+) - - \[([^\]]+)\] "(\S+) (\S+) HTTP/1\.1" (\d{3}) (\d+|-) (\S+)$')
COMBINED = re.compile(r'^(\S+) - - \[([^\]]+)\] "(\S+) (\S+) HTTP/1\.1" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)" (\S+)$')


@pytest.fixture(scope="module")
def logged(tmp_path_factory, images):
    folder = tmp_path_factory.mktemp("logging")
    logs = folder / "logs"
    logs.mkdir()
    old = [logs / f"error-{date.today() - timedelta(days=n)}.log" for n in (3, 4)]
    for path in old:
        path.write_text("from days ago\n")
    settings = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{images}/",
        "log.application.level": "info",
        "log.application.FileAppender.enabled": "true",
        "log.application.FileAppender.pathname": str(logs / "application.log"),
        "log.error.RollingFileAppender.enabled": "true",
        "log.error.RollingFileAppender.pathname": str(logs / "error.log"),
        "log.error.RollingFileAppender.TimeBasedRollingPolicy.filename_pattern": str(logs / "error-%d{yyyy-MM-dd}.log"),
        "log.error.RollingFileAppender.TimeBasedRollingPolicy.max_history": "2",
        "log.access.FileAppender.enabled": "true",
        "log.access.FileAppender.pathname": str(logs / "access.log"),
    }
    config = folder / "casaba.properties"
    with running_server(settings, workers=WORKERS, config_path=config) as base:
        yield base, config, settings, logs, old


def change(logged, **changes):
    """Write the configuration file with ``changes`` (key names with ``_`` for ``.``)."""
    _, config, settings, _, _ = logged
    settings.update({name.replace("__", "."): value for name, value in changes.items()})
    write_atomically(config, "".join(f"{k} = {v}\n" for k, v in settings.items()))


def get(base, path, **headers):
    # A new connection each time, so that the requests go to every worker.
    with httpx.Client(base_url=base, timeout=30) as client:
        return client.get(path, headers=headers)


def line_of(logs, rid):
    """The access line of the request ``rid``, once written."""
    found = [line for line in (logs / "access.log").read_text().splitlines() if line.endswith(rid) or f'"{rid}"' in line]
    assert len(found) == 1, found
    return found[0]


def until(check, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.1)


def every_worker_logs(base, logs, pattern):
    """Wait until requests log lines matching ``pattern``, then see that ten more all do."""
    n = iter(range(10_000))

    def one():
        rid = f"probe-{next(n)}-{time.monotonic_ns()}"
        get(base, "/iiif/3/photo.jpg/info.json", **{"x-request-id": rid})
        return pattern.match(line_of(logs, rid)) is not None

    until(one)
    time.sleep(SWITCH)
    assert all(one() for _ in range(10))


def test_access_lines_in_each_format_with_the_request_id(logged):
    base, _, _, logs, _ = logged
    for form, pattern in (("combined", COMBINED), ("json", re.compile(r"^\{.*\}$")), ("common", COMMON)):
        change(logged, log__access__format=form)
        every_worker_logs(base, logs, pattern)
        kept = get(base, "/iiif/3/photo.jpg/full/64,/0/default.jpg", **{"x-request-id": f"mine-{form}", "user-agent": "tester/1"})
        assert kept.status_code == 200 and kept.headers["x-request-id"] == f"mine-{form}"
        made = get(base, "/iiif/3/photo.jpg/info.json", **{"x-request-id": "has space"})
        rid = made.headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{16}", rid), "a bad incoming id is replaced"
        assert "has space" not in (logs / "access.log").read_text()
        line = line_of(logs, f"mine-{form}")
        if form == "json":
            fields = json.loads(line)
            assert (fields["path"], fields["status"], fields["bytes"], fields["user_agent"]) == (
                "/iiif/3/photo.jpg/full/64,/0/default.jpg", 200, len(kept.content), "tester/1"
            )
            assert json.loads(line_of(logs, rid))["request_id"] == rid
        else:
            fields = pattern.match(line).groups()
            assert fields[0] == "127.0.0.1" and fields[2:6] == ("GET", "/iiif/3/photo.jpg/full/64,/0/default.jpg", "200", str(len(kept.content)))
            assert pattern.match(line_of(logs, rid)).groups()[-1] == rid
            if form == "combined":
                assert fields[7] == "tester/1"


def test_a_repeated_request_answered_before_routing_is_logged_too(logged):
    base, _, _, logs, _ = logged
    for n in range(4):
        response = get(base, "/iiif/3/photo.jpg/full/32,/0/default.jpg", **{"x-request-id": f"again-{n}"})
        assert response.status_code == 200 and response.headers["x-request-id"] == f"again-{n}"
        assert " 200 " in line_of(logs, f"again-{n}")


def test_the_level_changes_live_in_every_worker(logged):
    base, _, _, logs, _ = logged
    application = logs / "application.log"

    def debug_logged(name):
        get(base, f"/iiif/3/{name}/info.json")
        return f"answered 404: No image has the identifier '{name}'" in application.read_text()

    n = iter(range(10_000))
    assert not any(debug_logged(f"absent-info-{i}") for i in range(6)), "info hides debug messages"
    change(logged, log__application__level="debug")
    until(lambda: debug_logged(f"absent-now-{next(n)}"))
    time.sleep(SWITCH)
    assert all(debug_logged(f"absent-debug-{i}") for i in range(10)), "a worker still at info"
    change(logged, log__application__level="INFO")
    until(lambda: not debug_logged(f"absent-again-{next(n)}"))
    time.sleep(SWITCH)
    assert not any(debug_logged(f"absent-after-{i}") for i in range(10)), "a worker still at debug"


def test_warnings_go_to_the_error_log_of_the_day_and_old_days_are_pruned(logged):
    base, _, _, logs, old = logged
    change(logged, **{"a.key.casaba.does.not.use": "1"})
    today = logs / f"error-{date.today()}.log"

    def warned():
        return today.exists() and today.read_text().count("ignoring 1 key(s) Casaba does not use: a.key.casaba.does.not.use") == WORKERS

    until(warned)
    assert "INFO" not in today.read_text(), "the error log has warnings and errors only"
    assert "a.key.casaba.does.not.use" in (logs / "application.log").read_text()
    assert (logs / "error.log").resolve() == today.resolve(), "the pathname links to the current file"
    assert [p.exists() for p in old] == [False, False], "days past max_history are deleted"
