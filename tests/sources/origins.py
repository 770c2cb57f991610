"""Real origins on loopback for the source tests: a small HTTP/1.1 file server (in a thread of
the test process) whose behaviour each test server chooses, moto's standalone S3 server (a
child process), and a proxy in front of it that a test switches from passing requests through to
failing in one way or another. The servers record the requests they answer, so tests can count
what a tile costs."""

from __future__ import annotations

import base64
import enum
import hashlib
import http.client
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
from urllib.parse import urlsplit
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


class Fault(enum.Enum):
    """How a ``FaultyProxy`` answers."""

    #: Every request goes through to the server behind, and its answer back.
    NONE = "none"
    #: Nothing listens: connections are refused (open ones are closed at their next request).
    DOWN = "down"
    #: Requests are read and never answered (until the fault changes).
    HANG = "hang"
    #: S3's own errors: 500 InternalError, 503 SlowDown.
    ERROR_500 = "500"
    ERROR_503 = "503"
    #: The answer's head as the server sent it, then half its body, then the connection closes.
    CUT_SHORT = "cut short"
    #: A whole answer whose Content-Length (and body) is half of what the server sent.
    WRONG_LENGTH = "wrong length"
    #: The answer's head and half its body, then nothing more (until the fault changes).
    STALL = "stall"


#: S3's error bodies for the error faults.
S3_ERRORS = {
    Fault.ERROR_500: (500, "InternalError", "We encountered an internal error. Please try again."),
    Fault.ERROR_503: (503, "SlowDown", "Please reduce your request rate."),
}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class FaultyProxy:
    """An HTTP/1.1 proxy on a fixed loopback port (in threads of the test process) in front of
    ``upstream``; ``fault`` says how it answers, and may change at any time. Faults apply to
    every request, or with ``gets_only`` to GETs only (HEADs then still pass: an object is found,
    then its bytes fail)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.port = free_port()
        self.fault = Fault.NONE
        self.gets_only = False
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._listen()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set(self, fault: Fault, *, gets_only: bool = False) -> None:
        with self._changed:
            self.fault = fault
            self.gets_only = gets_only
            self._changed.notify_all()
        if fault is Fault.DOWN and self._server is not None:
            self._stop_listening()
        elif fault is not Fault.DOWN and self._server is None:
            self._listen()

    def close(self) -> None:
        self.set(Fault.DOWN)

    def _listen(self) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _stop_listening(self) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        self._server = None

    def _applies(self, method: str) -> Fault:
        with self._changed:
            return self.fault if method == "GET" or not self.gets_only else Fault.NONE

    def _hang(self, fault: Fault) -> None:
        """Wait until the fault is no longer ``fault`` (or a minute)."""
        with self._changed:
            self._changed.wait_for(lambda: self.fault is not fault, timeout=60)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self.relay()

            def do_GET(self) -> None:
                self.relay()

            def do_PUT(self) -> None:
                self.relay()

            def relay(self) -> None:
                fault = proxy._applies(self.command)
                length = int(self.headers.get("content-length") or 0)
                sent = self.rfile.read(length) if length else None
                if fault is Fault.DOWN:
                    self.close_connection = True
                    return
                if fault is Fault.HANG:
                    proxy._hang(Fault.HANG)
                    self.close_connection = True
                    return
                if fault in S3_ERRORS:
                    status, code, message = S3_ERRORS[fault]
                    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'
                    self.answer(status, [("content-type", "application/xml")], body.encode(), len(body))
                    return
                status, headers, body, announced = self.forward(sent)
                if self.command != "GET" or len(body) < 2 or fault is Fault.NONE:
                    self.answer(status, headers, body, announced)
                elif fault in (Fault.CUT_SHORT, Fault.STALL):
                    self.answer(status, headers, body[: len(body) // 2], len(body))
                    if fault is Fault.STALL:
                        self.wfile.flush()
                        proxy._hang(Fault.STALL)
                    self.close_connection = True
                else:  # WRONG_LENGTH
                    self.answer(status, headers, body[: len(body) // 2], len(body) // 2)

            def forward(self, sent: bytes | None) -> tuple[int, list[tuple[str, str]], bytes, int]:
                """The server's answer: status, headers, body and Content-Length (a HEAD's
                names the object's size)."""
                up = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                    up.request(self.command, self.path, body=sent, headers=headers)
                    answer = up.getresponse()
                    body = answer.read()
                    kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP | {"content-length"}]
                    return answer.status, kept, body, int(answer.getheader("content-length") or len(body))
                finally:
                    up.close()

            def answer(self, status: int, headers: list[tuple[str, str]], body: bytes, announced: int) -> None:
                try:
                    self.send_response(status)
                    for k, v in headers:
                        self.send_header(k, v)
                    self.send_header("content-length", str(announced))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return Handler
