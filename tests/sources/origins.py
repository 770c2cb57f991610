"""Real origins on loopback for the source tests: a small HTTP/1.1 file server (in a thread of
the test process) whose behaviour each test server chooses, and moto's standalone S3 server (a
child process). Both record the requests they answer, so tests can count what a tile costs."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from casaba.testing import free_port, stop, wait_for_port


@dataclass
class Seen:
    method: str
    path: str
    range: str | None
    status: int


@dataclass
class Behaviour:
    #: Answer ``Range`` with 206; when False, every GET is a 200 with the whole file.
    ranges: bool = True
    #: Seconds to wait before answering, for paths starting with a key ("" for all).
    delays: dict[str, float] = field(default_factory=dict)
    #: The same, only for ranged GETs that do not start at 0 (an image opens, then stalls).
    read_delays: dict[str, float] = field(default_factory=dict)
    #: (user, password) the origin demands with HTTP Basic.
    credentials: tuple[str, str] | None = None
    #: (name, value) of a header the origin demands, else 403.
    header: tuple[str, str] | None = None
    #: Path prefixes answered 403.
    forbidden: tuple[str, ...] = ()
    #: Path prefixes answered 500.
    broken: tuple[str, ...] = ()
    #: Content-Type by path; others are application/octet-stream.
    types: dict[str, str] = field(default_factory=dict)
    #: Paths answered 302 to a Location (a path, or a whole URL).
    redirects: dict[str, str] = field(default_factory=dict)
    #: Path prefixes whose bodies stop half-way, the connection closed (fewer bytes than said).
    truncated: tuple[str, ...] = ()


class Origin:
    """Serves ``files`` (path -> bytes) over HTTP/1.1 with ETag and Last-Modified, as told by
    ``behaviour``, and keeps the log of every request."""

    def __init__(self, files: dict[str, bytes], behaviour: Behaviour) -> None:
        self.files: dict[str, bytes] = {}
        self.etags: dict[str, str] = {}
        for path, data in files.items():
            self._store(path, data)
        self.behaviour = behaviour
        self.log: list[Seen] = []
        self.lock = threading.Lock()
        self.modified = time.time() - 3600
        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def put(self, path: str, data: bytes) -> None:
        with self.lock:
            self._store(path, data)
            self.modified += 1

    def _store(self, path: str, data: bytes) -> None:
        self.files[path] = data
        self.etags[path] = '"' + hashlib.md5(data).hexdigest() + '"'

    def seen(self, path: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.log if path is None or s.path == "/" + path]

    def clear(self) -> None:
        with self.lock:
            self.log.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: without this, Nagle holds the body back until the
            # client's delayed ACK (40 ms), which no real origin does.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self.answer(body=False)

            def do_GET(self) -> None:
                self.answer(body=True)

            def answer(self, body: bool) -> None:
                b = origin.behaviour
                path = self.path.lstrip("/")
                later = re.match(r"bytes=[1-9]", self.headers.get("range") or "")
                for prefix, delay in [*b.delays.items(), *(b.read_delays.items() if later else [])]:
                    if path.startswith(prefix):
                        time.sleep(delay)
                status, headers, payload = self.decide(path, b)
                with origin.lock:
                    origin.log.append(Seen(self.command, self.path, self.headers.get("range"), status))
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    if body and path.startswith(b.truncated):
                        self.wfile.write(payload[: len(payload) // 2])
                        self.close_connection = True
                    elif body:
                        self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def decide(self, path: str, b: Behaviour) -> tuple[int, dict[str, str], bytes]:
                if b.credentials:
                    expected = "Basic " + base64.b64encode(":".join(b.credentials).encode()).decode()
                    if self.headers.get("authorization") != expected:
                        return 401, {"www-authenticate": 'Basic realm="origin"'}, b"who are you?"
                if b.header and self.headers.get(b.header[0]) != b.header[1]:
                    return 403, {}, b"no key"
                if path in b.redirects:
                    return 302, {"location": b.redirects[path]}, b"elsewhere"
                if path.startswith(b.forbidden):
                    return 403, {}, b"forbidden"
                if path.startswith(b.broken):
                    return 500, {}, b"broken"
                with origin.lock:
                    data = origin.files.get(path)
                    etag = origin.etags.get(path, "")
                    modified = origin.modified
                if data is None:
                    return 404, {}, b"not here"
                headers = {
                    "etag": etag,
                    "last-modified": formatdate(modified, usegmt=True),
                    "content-type": b.types.get(path, "application/octet-stream"),
                }
                if_match = self.headers.get("if-match")
                if if_match and if_match != etag:
                    return 412, {}, b"changed"
                wanted = self.headers.get("range")
                m = re.fullmatch(r"bytes=(\d+)-(\d+)", wanted or "")
                if not b.ranges or self.command == "HEAD" or m is None:
                    if b.ranges:
                        headers["accept-ranges"] = "bytes"
                    return 200, headers, data
                start, end = int(m.group(1)), min(int(m.group(2)), len(data) - 1)
                if start >= len(data):
                    return 416, {"content-range": f"bytes */{len(data)}"}, b""
                headers["content-range"] = f"bytes {start}-{end}/{len(data)}"
                return 206, headers, data[start : end + 1]

        return Handler


class Moto:
    """moto's standalone S3 server on a free loopback port, recording every request it answers."""

    def __init__(self, folder: Path, *, enforce_auth: bool = False) -> None:
        self.port = free_port()
        self.recording = folder / f"moto-{self.port}.jsonl"
        env = {**os.environ, "MOTO_ENABLE_RECORDING": "true", "MOTO_RECORDER_FILEPATH": str(self.recording)}
        if enforce_auth:
            # No request goes unchecked: every key the tests could send is unknown to it.
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = "0"
        program = shutil.which("moto_server") or str(Path(os.sys.executable).parent / "moto_server")
        self.log = open(folder / f"moto-{self.port}.log", "wb")
        self.proc = subprocess.Popen([program, "-H", "127.0.0.1", "-p", str(self.port)], stdout=self.log, stderr=subprocess.STDOUT, env=env)
        wait_for_port(self.port, self.proc, 30)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")

    def seen(self, key: str | None = None) -> list[Seen]:
        """The object requests answered since the last ``clear()``: method, path and range."""
        if not self.recording.exists():
            return []
        out = []
        for line in self.recording.read_text().splitlines():
            entry = json.loads(line)
            path = entry["url"].split("://", 1)[-1].split("/", 1)[-1].split("?")[0]
            if key is None or path.endswith("/" + key):
                headers = {k.lower(): v for k, v in entry["headers"].items()}
                out.append(Seen(entry["method"], "/" + path, headers.get("range"), 0))
        return out

    def clear(self) -> None:
        self.recording.write_text("")

    def close(self) -> None:
        stop(self.proc)
        self.log.close()
