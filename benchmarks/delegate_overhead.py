"""What an installed delegate costs on the cheapest request there is: the same 256x256 tile of a
pyramidal JPEG TIFF asked again and again (opened image and prepared plan remembered; the
stored tile sent as it is, on the event loop).

    .venv/bin/python benchmarks/delegate_overhead.py [--rounds 30] [--per-round 200]

Variants: no delegate; a delegate script whose class defines nothing; a no-op
``pre_authorize`` + ``authorize`` (both ``return True``) as plain methods that compute
(``blocking = False``), as ``async def``, and as plain methods left blocking (the default: each
call goes to a thread); and the casaba-basic-auth plugin with correct credentials, if installed.

Two ways, interleaved round by round so that a busy machine disturbs every variant alike:
**in process** (``casaba.app.route`` awaited in a loop: the server's own time, without HTTP) and
**over HTTP** (one Granian worker per variant, a keep-alive client, one request at a time).
Prints medians per request and the difference from no delegate.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import importlib.util
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

from casaba.app import App, route
from casaba.delegates.loading import configure
from casaba.http import Request
from casaba.testing import running_server, write_properties

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data" / "delegates-v1"
TILE = "/iiif/3/pyramid.tif/1024,1024,256,256/256,/0/default.jpg"
USER, SECRET = "reader", "benchmark secret"

BODIES = {
    "installed, no methods": "class CustomDelegate:\n    pass\n",
    "no-op, computes (on the loop)": (
        "from casaba.delegates import Delegate\n"
        "class CustomDelegate(Delegate):\n"
        "    blocking = False\n"
        "    def pre_authorize(self):\n        return True\n"
        "    def authorize(self):\n        return True\n"
    ),
    "no-op, async def": (
        "from casaba.delegates import Delegate\n"
        "class CustomDelegate(Delegate):\n"
        "    async def pre_authorize(self):\n        return True\n"
        "    async def authorize(self):\n        return True\n"
    ),
    "no-op, blocking (a thread)": (
        "class CustomDelegate:\n"
        "    def pre_authorize(self):\n        return True\n"
        "    def authorize(self):\n        return True\n"
    ),
}


def make_image() -> Path:
    path = DATA / "pyramid.tif"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=DATA) as tmp:
            run = lambda *a: subprocess.run(["vips", *map(str, a)], cwd=tmp, check=True, capture_output=True)  # noqa: E731
            run("gaussnoise", "g.v", 4096, 4096, "--sigma", 40, "--seed", 1)
            run("bandjoin", "g.v g.v g.v", "rgb.v")
            run("cast", "rgb.v", "u.v", "uchar")
            run("copy", "u.v", "s.v", "--interpretation", "srgb")
            run("tiffsave", "s.v", "p.tif", "--tile", "--pyramid", "--compression", "jpeg", "--Q", 85, "--tile-width", 256, "--tile-height", 256)
            Path(tmp, "p.tif").rename(path)
    return path


def variants(folder: Path, scripts: Path) -> dict[str, dict[str, str]]:
    base = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{folder}/"}
    out = {"no delegate": base}
    for i, (name, body) in enumerate(BODIES.items()):
        script = scripts / f"delegate{i}.py"
        script.write_text(body)
        out[name] = {**base, "delegate_script.enabled": "true", "delegate_script.pathname": str(script)}
    if importlib.util.find_spec("casaba_basic_auth"):
        out["casaba-basic-auth, logged in"] = {**base, "delegates.plugins": "basic-auth", "basic_auth.username": USER, "basic_auth.secret": SECRET}
    return out


HEADERS = {"host": "127.0.0.1:8182", "authorization": "Basic " + base64.b64encode(f"{USER}:{SECRET}".encode()).decode()}


async def in_process(configs: dict[str, dict[str, str]], scripts: Path, rounds: int, per_round: int) -> dict[str, list[float]]:
    apps = {}
    for i, (name, settings) in enumerate(configs.items()):
        loaded, delegates = configure(write_properties(scripts / f"in-process-{i}.properties", settings), environ={})
        apps[name] = App(loaded, delegates)
    request = Request("GET", TILE, HEADERS, "http", "127.0.0.1:8182", "127.0.0.1:50000", "")
    times: dict[str, list[float]] = {name: [] for name in apps}
    for app in apps.values():
        for _ in range(50):
            response = await route(app.iiif, request)
            assert response.status == 200 and response.body[:2] == b"\xff\xd8", response
    for _ in range(rounds):
        for name, app in apps.items():
            started = time.perf_counter()
            for _ in range(per_round):
                await route(app.iiif, request)
            times[name].append((time.perf_counter() - started) / per_round)
    return times


def over_http(configs: dict[str, dict[str, str]], rounds: int, per_round: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in configs}
    with ExitStack() as stack:
        clients = {}
        for name, settings in configs.items():
            base = stack.enter_context(running_server(settings))
            client = stack.enter_context(httpx.Client(base_url=base, headers={"authorization": HEADERS["authorization"]}))
            for _ in range(50):
                r = client.get(TILE)
                assert r.status_code == 200, (name, r.status_code, r.text)
            clients[name] = client
        for _ in range(rounds):
            for name, client in clients.items():
                for _ in range(per_round):
                    started = time.perf_counter()
                    client.get(TILE)
                    times[name].append(time.perf_counter() - started)
    return times


def report(title: str, times: dict[str, list[float]]) -> None:
    print(f"\n{title}")
    baseline = statistics.median(times["no delegate"])
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:32s} {median * 1e6:8.1f} µs   {(median - baseline) * 1e6:+7.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--per-round", type=int, default=200)
    args = parser.parse_args()
    folder = make_image().parent
    with tempfile.TemporaryDirectory() as tmp:
        scripts = Path(tmp)
        configs = variants(folder, scripts)
        report("in process (route, median per request)", asyncio.run(in_process(configs, scripts, args.rounds, args.per_round)))
        report("over HTTP (one worker, keep-alive client, median per request)", over_http(configs, args.rounds, args.per_round))


if __name__ == "__main__":
    main()
