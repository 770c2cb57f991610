"""The load generator: ``wrk`` with ``walk.lua``, which sends the next path of a list with every
request and counts the answers that are not 200. Closed loop: each connection waits for its
answer before it asks again, so ``connections`` is the concurrency."""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SCRIPT = Path(__file__).with_name("walk.lua")
TIMEOUT_S = 60  # wrk's default (2 s) would count a slow 100 MP JPEG request as a socket error


@dataclass(frozen=True)
class Result:
    requests: int  # every answer, whatever its status
    non200: int
    statuses: dict[str, int]
    socket_errors: int  # connect, read, write errors and timeouts
    seconds: float
    bytes: int
    p50_ms: float
    p99_ms: float

    @property
    def ok_per_s(self) -> float:
        """Only 200 answers count as throughput."""
        return (self.requests - self.non200) / self.seconds

    @property
    def errors(self) -> int:
        return self.non200 + self.socket_errors

    @property
    def kb_per_answer(self) -> float:
        return self.bytes / max(self.requests, 1) / 1024


def available() -> bool:
    return shutil.which("wrk") is not None


def run(base: str, paths: list[str], connections: int, seconds: float, threads: int = 1) -> Result:
    """Load ``base`` for ``seconds`` with ``connections`` keep-alive connections walking ``paths``."""
    threads = max(1, min(threads, connections))
    with tempfile.NamedTemporaryFile("w", prefix="casaba-load-", suffix=".txt") as f:
        f.write("\n".join(paths) + "\n")
        f.flush()
        cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", f"--timeout={TIMEOUT_S}s",
               "-s", str(SCRIPT), base, "--", f.name, str(threads)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("LOADJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{out}")
    d = json.loads(line.removeprefix("LOADJSON "))
    return Result(
        requests=d["requests"],
        non200=d["non200"],
        statuses=d["statuses"],
        socket_errors=d["connect"] + d["read"] + d["write"] + d["timeout"],
        seconds=d["duration_us"] / 1e6,
        bytes=d["bytes"],
        p50_ms=d["p50_us"] / 1e3,
        p99_ms=d["p99_us"] / 1e3,
    )


def answer(base: str, path: str, timeout: float = 120) -> tuple[int, str, bytes]:
    """One GET outside any timing: status, content type and body; OSError when none came."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.getheader("content-type", "").split(";")[0], r.read()
    finally:
        conn.close()


def first_answer(base: str, path: str, timeout: float = 120) -> str | None:
    """Ask once, outside any timing: ``None`` when the answer is a 200 whole JPEG, else what was wrong."""
    try:
        status, content_type, body = answer(base, path, timeout)
    except OSError as e:
        return f"no answer ({e})"
    if status != 200:
        return f"HTTP {status}"
    if content_type != "image/jpeg" or body[:2] != b"\xff\xd8" or body[-2:] != b"\xff\xd9":
        return "not a whole JPEG"
    return None
