"""The servers under load, each started for one session and stopped after: Casaba (``casaba
serve`` through ``casaba.testing.running_server``, with or without an overlay) and iipsrv behind lighttpd's FastCGI, set up in
a temporary folder with its own ``lighttpd.conf`` on loopback. A ``Target`` turns a IIIF request
into one server's URL path."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from benchmarks import overlays
from casaba.testing import free_port, running_server, stop, wait_for_port

DEBIAN_IIPSRV = "/usr/lib/iipimage-server/iipsrv.fcgi"
IIPSRV_PATH = "/fcgi-bin/iipsrv.fcgi"
PING = "/ping.txt"  # a small static file lighttpd serves itself: the load generator's ceiling


@dataclass(frozen=True)
class Target:
    """One server and one of its IIIF endpoints, as a row label and a way to make URL paths."""

    label: str
    base: str
    kind: str  # "casaba" or "iipsrv"
    version: str = "3"  # Casaba's endpoint: "3" or "2"
    overlay: str = ""  # the overlay Casaba draws; its rows share the label of the Casaba without one

    def path(self, identifier: str, request: str) -> str:
        if self.kind == "iipsrv":
            return f"{IIPSRV_PATH}?IIIF={quote(identifier)}/{request}"
        return f"/iiif/{self.version}/{quote(identifier)}/{request}"


@dataclass(frozen=True)
class Peer:
    """An iipsrv binary to compare with, and the name its rows get (else its logged version)."""

    binary: str
    name: str = ""

    @staticmethod
    def parse(spec: str) -> Peer:
        """``PATH`` or ``NAME=PATH``."""
        name, sep, binary = spec.partition("=")
        return Peer(binary, name) if sep else Peer(spec)


@contextmanager
def casaba(
    data: Path, workers: int, cache: Path, heap_mb: int | None = None, overlay: str = "", disk_mb: int | None = None
) -> Iterator[str]:
    """``casaba serve --workers N`` on ``data``, with otherwise default settings but for
    ``FilesystemCache.pathname = cache``, where it builds pyramids of large untiled images; no
    derivative cache, or with ``heap_mb`` a HeapCache of that many MB per worker (as iipsrv keeps
    encoded tiles in memory), or with ``disk_mb`` a FilesystemCache of that many MB in ``cache``
    (shared by the workers); with ``overlay`` ("string" or "image") drawing that overlay of
    ``benchmarks/overlays.py`` on every image answer; yields its base URL."""
    if heap_mb is not None and disk_mb is not None:
        raise ValueError("one derivative cache: heap_mb or disk_mb")
    settings: dict[str, object] = {
        "FilesystemSource.BasicLookupStrategy.path_prefix": f"{data}/",
        "FilesystemCache.pathname": str(cache),
    }
    if overlay:
        settings |= overlays.settings(overlay)
    if heap_mb is not None:
        settings |= {
            "cache.server.derivative.enabled": "true",
            "cache.server.derivative": "HeapCache",
            "HeapCache.target_size": f"{heap_mb}M",
        }
    if disk_mb is not None:
        settings |= {
            "cache.server.derivative.enabled": "true",
            "cache.server.derivative": "FilesystemCache",
            "FilesystemCache.max_size": f"{disk_mb}M",
        }
    with running_server(settings, workers=workers) as base:
        yield base


def wait_for_pyramids(cache: Path, count: int, timeout: float) -> bool:
    """Wait until ``count`` pyramids are complete under ``cache`` (one per untiled image asked)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(1 for _ in (cache / "pyramids").rglob("*.tif")) >= count:
            return True
        time.sleep(0.5)
    return False


LIGHTTPD_CONF = """\
server.document-root = "{www}"
server.bind = "127.0.0.1"
server.port = {port}
server.errorlog = "{tmp}/lighttpd-error.log"
server.pid-file = "{tmp}/lighttpd.pid"
server.max-keep-alive-requests = 65535
server.modules += ( "mod_fastcgi" )
fastcgi.server = ( "{fcgi_path}" => ((
    "socket" => "{tmp}/iipsrv.sock",
    "bin-path" => "{binary}",
    "check-local" => "disable",
    "max-procs" => {procs},
    "bin-environment" => ( {environment} ),
)))
"""


def iipsrv_environment(data: Path, logfile: Path, cache_mb: int, jpeg_quality: int) -> dict[str, str]:
    return {
        "FILESYSTEM_PREFIX": f"{data}/",
        "LOGFILE": str(logfile),
        "VERBOSITY": "1",  # start-up lines (with the version) and errors; nothing per request
        "MAX_IMAGE_CACHE_SIZE": str(cache_mb),  # MB of decoded/encoded tiles; 0 turns it off
        "JPEG_QUALITY": str(jpeg_quality),
        "MAX_CVT": "5000",
        "IIIF_VERSION": "2",  # ?IIIF= is IIIF 3 by default from 1.3 on; 1.1 knows only 2 and ignores it
    }


@contextmanager
def iipsrv(peer: Peer, data: Path, procs: int, cache_mb: int, jpeg_quality: int) -> Iterator[tuple[str, str]]:
    """lighttpd on a free loopback port running ``procs`` iipsrv FastCGI processes; yields the
    base URL and the name for the rows (the peer's, else ``iipsrv <logged version>``)."""
    lighttpd = shutil.which("lighttpd") or shutil.which("lighttpd", path="/usr/sbin")
    if lighttpd is None:
        raise FileNotFoundError("lighttpd is not installed (make bench-deps)")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="casaba-load-iipsrv-") as tmp_name:
        tmp = Path(tmp_name)
        www = tmp / "www"
        www.mkdir()
        (www / PING.lstrip("/")).write_text("pong\n")
        logfile = tmp / "iipsrv.log"
        env = iipsrv_environment(data, logfile, cache_mb, jpeg_quality)
        conf = tmp / "lighttpd.conf"
        conf.write_text(LIGHTTPD_CONF.format(
            www=www, port=port, tmp=tmp, fcgi_path=IIPSRV_PATH, binary=peer.binary, procs=procs,
            environment=", ".join(f'"{k}" => "{v}"' for k, v in env.items()),
        ))
        log = open(tmp / "lighttpd.log", "wb")
        proc = subprocess.Popen([lighttpd, "-D", "-f", str(conf)], stdout=log, stderr=subprocess.STDOUT)
        try:
            try:
                wait_for_port(port, proc, 30)
            except (RuntimeError, TimeoutError) as e:
                log.flush()
                details = "".join(p.read_text(errors="replace") for p in tmp.glob("*.log"))
                raise RuntimeError(f"lighttpd + iipsrv did not start: {e}\n{details}") from None
            yield f"http://127.0.0.1:{port}", peer.name or f"iipsrv {_logged_version(logfile)}"
        finally:
            stop(proc)  # lighttpd stops the FastCGI processes it spawned
            log.close()


def _logged_version(logfile: Path, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if logfile.exists():
            m = re.search(r"IIPImage Server\. Version (\S+)", logfile.read_text(errors="replace"))
            if m:
                return m.group(1)
        time.sleep(0.05)
    return "(version unknown)"


def default_peers() -> list[Peer]:
    """``IIPSRV_BIN`` (entries ``PATH`` or ``NAME=PATH``, separated by ``:``), else Debian's iipsrv."""
    spec = os.environ.get("IIPSRV_BIN", DEBIAN_IIPSRV)
    return [Peer.parse(s) for s in spec.split(os.pathsep) if s]
