"""Helpers for tests of Casaba and of its plugins: a real server on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_properties(path: Path, settings: Mapping[str, object]) -> Path:
    """Write ``settings`` as a ``.properties`` file (values are written as given)."""
    lines = [f"{k} = {str(v).replace(chr(92), chr(92) * 2)}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"the server did not listen on port {port} within {timeout} s")


@contextmanager
def running_server(
    settings: Mapping[str, object],
    *,
    workers: int = 1,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """Start ``casaba serve`` with ``settings`` on a free port; yield its base URL; stop it after."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="casaba-test-") as tmp:
        config = write_properties(Path(tmp) / "casaba.properties", settings)
        log = open(Path(tmp) / "server.log", "wb")
        cmd = [sys.executable, "-m", "casaba", "serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("CASABA_")}
        child_env.update(env or {})
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=child_env)
        try:
            try:
                wait_for_port(port, proc, timeout)
            except (RuntimeError, TimeoutError) as e:
                log.flush()
                raise RuntimeError(f"{e}\n{(Path(tmp) / 'server.log').read_text(errors='replace')}") from None
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()
