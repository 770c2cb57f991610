"""Peak memory of Casaba's workers while 16 clients ask for full-resolution regions of a
125-megapixel image at once (the goal: under 512 MB per worker).

    .venv/bin/python -m benchmarks.memory [--clients 16] [--requests 400] [--region 2048]

For each image (12500x10000: a tiled pyramidal JPEG TIFF, and the same pixels as a plain
baseline JPEG served from the original, pyramids off), one ``casaba serve`` with the default
settings and as many workers as cores; ``--clients`` keep-alive clients each ask for distinct
``x,y,N,N/max/0/default.jpg`` regions at seeded random places. Each worker's peak resident set
(``VmHWM`` from /proc) is read at the end; the table gives the largest, the answers per second
and the status counts. The images are made on first use (see images.py).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from benchmarks import images, procs
from casaba.testing import running_server

WIDTH, HEIGHT = images.HUGE


async def load(base: str, name: str, clients: int, requests: int, region: int) -> tuple[Counter[int], float]:
    rng = random.Random(7)
    paths = [
        f"/iiif/3/{name}/{rng.randrange(WIDTH - region)},{rng.randrange(HEIGHT - region)},{region},{region}/max/0/default.jpg"
        for _ in range(requests)
    ]
    statuses: Counter[int] = Counter()

    async def client(mine: list[str]) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=300) as c:
            for path in mine:
                statuses[(await c.get(path)).status_code] += 1

    start = time.perf_counter()
    await asyncio.gather(*(client(paths[i::clients]) for i in range(clients)))
    return statuses, requests / (time.perf_counter() - start)


def measure(make: Callable[[], Path], settings: dict[str, object], args: argparse.Namespace) -> str:
    image = make()
    base_settings = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{image.parent}/", **settings}
    with running_server(base_settings, workers=args.workers) as base:
        port = int(base.rsplit(":", 1)[1])
        pids = procs.workers_of(port)
        idle = max(procs.kib(p, "VmHWM") for p in pids) / 1024
        statuses, rate = asyncio.run(load(base, image.name, args.clients, args.requests, args.region))
        peak = max(procs.kib(p, "VmHWM") for p in pids) / 1024
    counts = ", ".join(f"{n}× {s}" for s, n in sorted(statuses.items()))
    return f"| {image.name} | {len(pids)} | {idle:.0f} | **{peak:.0f}** | {rate:.1f} | {counts} |"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--requests", type=int, default=400, help="regions asked in all")
    p.add_argument("--region", type=int, default=2048, help="region width and height, full resolution")
    p.add_argument("--workers", type=int, default=0, help="worker processes; 0 = one per core")
    args = p.parse_args()
    print(f"{args.clients} clients, {args.requests} regions of {args.region}² at full resolution\n")
    print("| image | workers | idle peak RSS, MB | peak RSS per worker, MB | regions/s | answers |")
    print("|---|---|---|---|---|---|")
    print(measure(images.huge_tiled_tiff, {}, args), flush=True)
    print(measure(images.huge_jpeg, {"source.pyramids.enabled": "false"}, args), flush=True)


if __name__ == "__main__":
    main()
