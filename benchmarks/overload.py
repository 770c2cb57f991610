"""``python -m benchmarks.overload``: Casaba far past what the machine serves, and how it says no.

One server (default settings, ``--workers`` workers) on the 12000×10000 tiled TIFF; one URL list
mixing what viewers and harvesters ask at once: stored tiles (the same few, again and again),
unaligned regions (decoded and encoded each time), info.json, and large answers (full/3000,).
``wrk`` walks the list first with a few connections (unloaded), then with many (overloaded),
then a few again (recovered). Each row: answers by status, 200s per second, p50/p99 of all
answers (a 503 is quick, so these mix refusals in), the server's peak resident memory (every
process), and how long one request took the moment the load stopped.

Figures, not a test: the load generator shares the cores with the server.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from pathlib import Path

import httpx

from benchmarks import images, procs
from benchmarks.load import servers, wrk


def urls(width: int, height: int, name: str, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    base = f"/iiif/3/{name}"
    stored = [f"{base}/{x},{y},256,256/256,/0/default.jpg" for x in (2048, 2304, 2560) for y in (2048, 2304)]
    regions = [f"{base}/{rng.randrange(width - 300)},{rng.randrange(height - 300)},300,300/256,/0/default.jpg" for _ in range(400)]
    large = [f"{base}/full/{3000 - n},/0/default.jpg" for n in range(40)]
    mixed = stored * 60 + regions + [f"{base}/info.json"] * 120 + large
    rng.shuffle(mixed)
    return mixed


class PeakMemory:
    """The largest sum of the server's resident memory, sampled every 100 ms while running."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pids = procs.tree(self.port)
        while not self._stop.is_set():
            self.peak = max(self.peak, procs.resident(pids))
            time.sleep(0.1)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--duration", type=float, default=20.0)
    args = parser.parse_args()
    tiff = images.tiled_tiff()
    paths = urls(12000, 10000, tiff.name)
    rows = []
    with tempfile.TemporaryDirectory(prefix="casaba-overload-") as cache, servers.casaba(tiff.parent, args.workers, Path(cache)) as base:
        for phase, connections in (("unloaded", 4), ("overloaded", args.connections), ("recovered", 4)):
            with PeakMemory(int(base.rsplit(":", 1)[1])) as memory:
                result = wrk.run(base, paths, connections, args.duration if phase == "overloaded" else args.duration / 2)
            began = time.monotonic()
            after = httpx.get(f"{base}/iiif/3/{tiff.name}/1000,1000,300,300/256,/0/default.jpg", timeout=60).status_code
            first = (time.monotonic() - began) * 1000
            rows.append((phase, connections, result, memory.peak, after, first))
    print(f"Casaba, {args.workers} workers, default overload settings; {len(paths)} URLs mixed (stored tiles, regions, info.json, full/3000,)\n")
    print("| phase | c | answers | 200/s | statuses | socket errors | p50 ms | p99 ms | peak RSS | next request |")
    print("|---|--:|--:|--:|---|--:|--:|--:|--:|---|")
    for phase, c, r, peak, after, first in rows:
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(r.statuses.items())) or "all 200"
        print(
            f"| {phase} | {c} | {r.requests:,} | {r.ok_per_s:,.0f} | {statuses} | {r.socket_errors} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
            f"| {peak / 2**20:,.0f} MiB | {after} in {first:.0f} ms |"
        )


if __name__ == "__main__":
    main()
