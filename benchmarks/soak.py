"""``python -m benchmarks.soak``: Casaba under a steady mixed load for a bounded time, and whether
its memory stays flat.

One server (``--workers`` workers) with its derivative cache on (a FilesystemCache of
``--cache-mb``, small so that eviction runs) and its info cache, on the 12000×10000 tiled TIFF
and the plain JPEG of the same size (which it serves from the pyramid it builds in the
background). The load is closed-loop: ``--connections`` keep-alive connections, each sending
its next request when the last is answered, each drawing from the same weighted mix (``MIX``):
viewer tiles of both images (a finite set, so cached and uncached alike), fresh unaligned
regions (always uncached: the cache keeps filling and evicting), info.json, ``full/!1000,1000``
and other scaled answers, rotations, qualities and PNG/WebP, HEAD, conditional requests
(If-None-Match, If-Modified-Since: 304s), unknown identifiers (404) and malformed requests (400).

Every ``--interval`` seconds one row: the server's resident memory (every process, and the
largest worker), its open file descriptors and threads, the derivative cache's size and files,
the answers so far by status, and the interval's answers per second, p50 and p99. Then a
summary and a verdict by the rule of ``verdict``. Figures, not a test: the client shares the
cores with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import random
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks import images, procs
from benchmarks.hammer import read_answer
from benchmarks.load import servers, workloads

#: A second-half slope of resident memory under this share of its mean per 10 minutes is flat.
FLAT_SHARE = 0.02
TIMEOUT_S = 120  # one answer; past it the connection counts a socket error and starts again
SETTLE_S = 2.0  # after the load, before the server is read at rest


@dataclass(frozen=True)
class Ask:
    """One request of the mix."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()

    def wire(self, host: str) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in self.headers)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()


@dataclass(frozen=True)
class Images:
    """What the mix is made from: the two identifiers, their viewer tiles, and the validators
    (ETag, Last-Modified) of a few answers, for conditional requests."""

    tiff: str
    jpeg: str
    tiles: list[str]  # region/size/rotation/quality.format, for both (they are the same size)
    validators: list[tuple[str, str, str]]  # path, ETag, Last-Modified


def _tile(im: Images, rng: random.Random, name: str) -> str:
    return f"/iiif/3/{name}/{rng.choice(im.tiles)}"


def _variant(im: Images, rng: random.Random) -> str:
    region, size, *_ = rng.choice(im.tiles).split("/")
    rotation = rng.choice(["0", "90", "180", "270", "!0", "!90"])
    quality = rng.choice(["default", "color", "gray", "bitonal"])
    fmt = rng.choice(["jpg", "png", "webp"])
    return f"/iiif/3/{im.tiff}/{region}/{size}/{rotation}/{quality}.{fmt}"


def _unaligned(im: Images, rng: random.Random) -> str:
    width, height = images.LARGE
    x, y = rng.randrange(1, width - 300), rng.randrange(1, height - 300)
    return f"/iiif/3/{rng.choice([im.tiff, im.jpeg])}/{x},{y},300,300/256,/0/default.jpg"


def _scaled(im: Images, rng: random.Random) -> str:
    size = "!1000,1000" if rng.random() < 0.5 else f"!{rng.randrange(100, 1001)},{rng.randrange(100, 1001)}"
    return f"/iiif/3/{rng.choice([im.tiff, im.jpeg])}/full/{size}/0/default.jpg"


def _missing(rng: random.Random) -> str:
    return f"/iiif/3/missing-{rng.randrange(1000)}.tif/{rng.choice(['info.json', 'full/max/0/default.jpg'])}"


def _conditional(im: Images, rng: random.Random) -> Ask:
    path, etag, modified = rng.choice(im.validators)
    return Ask("GET", path, (("If-None-Match", etag),) if rng.random() < 0.5 else (("If-Modified-Since", modified),))


BAD = [  # each a 400: a zero region, a size of nothing, a rotation, a quality, a number that is none
    "0,0,0,0/max/0/default.jpg",
    "full/0,/0/default.jpg",
    "full/max/45x/default.jpg",
    "full/max/0/sepia.jpg",
    "1e9,x,10,10/max/0/default.jpg",
]

#: The mix: each kind's weight (of 100), its name, and how it makes a request.
MIX: list[tuple[int, str, Callable[[Images, random.Random], Ask]]] = [
    (22, "TIFF viewer tile", lambda im, rng: Ask("GET", _tile(im, rng, im.tiff))),
    (14, "JPEG viewer tile", lambda im, rng: Ask("GET", _tile(im, rng, im.jpeg))),
    (12, "unaligned 300² region (new)", lambda im, rng: Ask("GET", _unaligned(im, rng))),
    (8, "info.json", lambda im, rng: Ask("GET", f"/iiif/3/{rng.choice([im.tiff, im.jpeg])}/info.json")),
    (8, "full/!1000,1000 or full/!w,h", lambda im, rng: Ask("GET", _scaled(im, rng))),
    (10, "tile rotated or mirrored, gray, bitonal, PNG, WebP", lambda im, rng: Ask("GET", _variant(im, rng))),
    (6, "HEAD of a tile or info.json", lambda im, rng: Ask("HEAD", rng.choice([_tile(im, rng, im.tiff), f"/iiif/3/{im.jpeg}/info.json"]))),
    (10, "If-None-Match / If-Modified-Since", _conditional),
    (5, "unknown identifier (404)", lambda im, rng: Ask("GET", _missing(rng))),
    (5, "malformed (400)", lambda im, rng: Ask("GET", f"/iiif/3/{im.tiff}/{rng.choice(BAD)}")),
]


def next_ask(im: Images, rng: random.Random) -> Ask:
    weights = [w for w, _, _ in MIX]
    _, _, make = rng.choices(MIX, weights)[0]
    return make(im, rng)


@dataclass
class Tally:
    """What the connections have been answered: statuses since the start, latencies since the
    last sample."""

    statuses: Counter[int] = field(default_factory=Counter)
    socket_errors: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds

    def take_latencies(self) -> list[float]:
        taken, self.latencies = self.latencies, []
        return taken


async def connection(host: str, port: int, im: Images, rng: random.Random, tally: Tally, stop: asyncio.Event) -> None:
    """Ask the mix over one keep-alive connection until ``stop``, opening it again when the
    server closes it or an answer fails."""
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while not stop.is_set():
        ask = next_ask(im, rng)
        try:
            if reader is None or writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            began = time.perf_counter()
            writer.write(ask.wire(host))
            status, close = await asyncio.wait_for(read_answer(reader, ask.method), TIMEOUT_S)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
            tally.socket_errors += 1
            close = True
        else:
            tally.latencies.append(time.perf_counter() - began)
            tally.statuses[status] += 1
        if close and writer is not None:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


@dataclass(frozen=True)
class Row:
    elapsed: float  # seconds since the load began
    usage: procs.Usage
    cache_bytes: int
    cache_files: int
    statuses: dict[int, int]  # since the start
    socket_errors: int
    rate: float  # answers per second in the interval
    p50_ms: float
    p99_ms: float


def cache_size(folder: Path) -> tuple[int, int]:
    """Bytes and files of the derivative cache: its ``image/`` and ``info/`` entries (not the
    pyramids beside them, nor its lock files)."""
    size = files = 0
    for part in ("image", "info"):
        for root, _, names in os.walk(folder / part):
            for name in names:
                try:
                    size += os.stat(os.path.join(root, name)).st_size
                except FileNotFoundError:  # evicted meanwhile
                    continue
                files += 1
    return size, files


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] if sorted_values else 0.0


async def sample(port: int, cache: Path, tally: Tally, elapsed: float, seconds: float) -> Row:
    latencies = sorted(tally.take_latencies())
    usage = await asyncio.to_thread(procs.usage, port)
    size, files = await asyncio.to_thread(cache_size, cache)
    return Row(
        elapsed, usage, size, files, dict(tally.statuses), tally.socket_errors,
        len(latencies) / seconds if seconds else 0.0, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000,
    )


HEADER = (
    "| min | RSS MiB | largest worker MiB | fds | threads | cache MiB | cache files | answers so far | answers/s | p50 ms | p99 ms |\n"
    "|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|"
)


def markdown(row: Row) -> str:
    answers = " · ".join(f"{s}: {n:,}" for s, n in sorted(row.statuses.items())) or "none yet"
    if row.socket_errors:
        answers += f" · socket errors: {row.socket_errors:,}"
    u = row.usage
    return (
        f"| {row.elapsed / 60:.1f} | {u.rss / 2**20:,.0f} | {u.largest_worker_rss / 2**20:,.0f} | {u.fds} | {u.threads} "
        f"| {row.cache_bytes / 2**20:,.1f} | {row.cache_files:,} | {answers} | {row.rate:,.0f} | {row.p50_ms:.1f} | {row.p99_ms:.1f} |"
    )


def slope(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of ``(x, y)`` points."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)


def verdict(rows: list[Row], after: Row) -> list[str]:
    """The summary lines. The rule: over the second half of the run (the samples taken under
    load from its midpoint on, at least three), the least-squares slope of the server's total
    resident memory is under ``FLAT_SHARE`` of its mean there per 10 minutes: "flat"; else
    "growing". Every sample of the slope is taken under load: the one at rest after it
    (``after``), lower as the last requests' buffers are freed, is reported beside it."""
    idle, loaded = rows[0], rows[1:]
    mib = [r.usage.rss / 2**20 for r in loaded]
    half = [(r.elapsed / 60, r.usage.rss / 2**20) for r in loaded if r.elapsed >= loaded[-1].elapsed / 2]
    fives = {s: n for s, n in after.statuses.items() if s >= 500}
    workers = set[int]().union(*(r.usage.workers for r in [*rows, after]))
    lines = [
        f"- RSS (every process): {idle.usage.rss / 2**20:,.0f} MiB before the load, {mib[0]:,.0f} at the first sample, "
        f"{mib[-1]:,.0f} at the last, {max(mib):,.0f} at most, {after.usage.rss / 2**20:,.0f} at rest after the load; "
        f"the largest worker {loaded[-1].usage.largest_worker_rss / 2**20:,.0f} MiB at the last sample",
        f"- open file descriptors: {idle.usage.fds} before, {loaded[-1].usage.fds} at the last sample, {max(r.usage.fds for r in rows)} at most, "
        f"{after.usage.fds} at rest after; threads {idle.usage.threads} before, {loaded[-1].usage.threads} at the last, {after.usage.threads} after",
        f"- answers: {sum(after.statuses.values()):,} ({' · '.join(f'{s}: {n:,}' for s, n in sorted(after.statuses.items()))})",
        f"- worker processes seen: {len(workers)} ({len(idle.usage.workers)} at the start: more means a worker was started again)",
        f"- 5xx: {', '.join(f'{n:,}× {s}' for s, n in sorted(fives.items())) or 'none'} (a 503 is a refusal with Retry-After, "
        f"past the overload.* limits); socket errors: {after.socket_errors:,}",
        f"- cache: {max(r.cache_bytes for r in rows) / 2**20:,.1f} MiB at most",
    ]
    if len(half) < 3:
        return [*lines, "- verdict: **too short to tell** (fewer than three samples in the second half)"]
    per_10min = slope(half) * 10
    mean = sum(y for _, y in half) / len(half)
    flat = per_10min < FLAT_SHARE * mean
    lines.append(
        f"- second half: slope {per_10min:+,.1f} MiB per 10 min (least squares over {len(half)} samples), "
        f"mean {mean:,.0f} MiB; flat means under {FLAT_SHARE:.0%} of the mean per 10 min ({FLAT_SHARE * mean:,.1f} MiB)"
    )
    return [*lines, f"- verdict: **{'flat' if flat else 'growing'}**"]


def write_csv(path: Path, rows: list[Row]) -> None:
    statuses = sorted(set().union(*(r.statuses for r in rows)))
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["elapsed_s", "rss_bytes", "largest_worker_rss_bytes", "fds", "threads", "processes", "cache_bytes",
                      "cache_files", "answers_per_s", "p50_ms", "p99_ms", "socket_errors", *(f"status_{s}" for s in statuses)])
        for r in rows:
            u = r.usage
            out.writerow([f"{r.elapsed:.1f}", u.rss, u.largest_worker_rss, u.fds, u.threads, len(u.pids), r.cache_bytes, r.cache_files,
                          f"{r.rate:.1f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}", r.socket_errors, *(r.statuses.get(s, 0) for s in statuses)])


def validators(base: str, paths: list[str]) -> list[tuple[str, str, str]]:
    """Each path's ETag and Last-Modified, asked once before the load."""
    out = []
    for path in paths:
        r = httpx.get(base + path, timeout=TIMEOUT_S)
        r.raise_for_status()
        out.append((path, r.headers["etag"], r.headers["last-modified"]))
    return out


async def soak(base: str, im: Images, cache: Path, args: argparse.Namespace) -> tuple[list[Row], Row]:
    """The rows: the idle server, then one sample under load every interval; and the server once
    the load has stopped (every connection with its last answer, then ``SETTLE_S``), with every
    answer counted."""
    host, port = base.removeprefix("http://").split(":")
    tally, stop = Tally(), asyncio.Event()
    rows = [await sample(int(port), cache, tally, 0.0, 0.0)]
    print(markdown(rows[0]), flush=True)
    began = time.monotonic()
    tasks = [asyncio.create_task(connection(host, int(port), im, random.Random(i), tally, stop)) for i in range(args.connections)]
    samples = max(1, round(args.minutes * 60 / args.interval))
    for k in range(1, samples + 1):
        await asyncio.sleep(max(0.0, began + k * args.interval - time.monotonic()))
        now = time.monotonic() - began
        rows.append(await sample(int(port), cache, tally, now, now - rows[-1].elapsed))
        print(markdown(rows[-1]), flush=True)
    stop.set()
    await asyncio.gather(*tasks)
    await asyncio.sleep(SETTLE_S)
    now = time.monotonic() - began
    return rows, await sample(int(port), cache, tally, now, now - rows[-1].elapsed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20.0, help="how long the load runs (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (default 2)")
    parser.add_argument("--connections", type=int, default=8, help="closed-loop keep-alive connections (default 8)")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between samples (default 30)")
    parser.add_argument("--cache-mb", type=int, default=32, help="the FilesystemCache's bound in MiB (default 32)")
    parser.add_argument("--csv", type=Path, help="also write the samples to this CSV file")
    args = parser.parse_args()
    tiff, jpeg = images.tiled_tiff(), images.large_jpeg()
    tiles = workloads.viewer_tiles(*images.LARGE)
    with (
        tempfile.TemporaryDirectory(prefix="casaba-soak-") as tmp,
        servers.casaba(tiff.parent, args.workers, Path(tmp), disk_mb=args.cache_mb) as base,
    ):
        conditional = [f"/iiif/3/{tiff.name}/info.json", f"/iiif/3/{tiff.name}/2048,2048,256,256/256,/0/default.jpg",
                       f"/iiif/3/{tiff.name}/full/!1000,1000/0/default.jpg", f"/iiif/3/{jpeg.name}/info.json"]
        im = Images(tiff.name, jpeg.name, tiles, validators(base, conditional))
        print(f"Casaba, {args.workers} workers, FilesystemCache of {args.cache_mb} MiB and the info cache; {args.connections} closed-loop "
              f"connections for {args.minutes:g} min, a sample every {args.interval:g} s; the mix (weight: kind): "
              + ", ".join(f"{w}: {name}" for w, name, _ in MIX) + "\n")
        print(HEADER, flush=True)
        rows, after = asyncio.run(soak(base, im, Path(tmp), args))
    print()
    print("\n".join(verdict(rows, after)))
    if args.csv:
        write_csv(args.csv, rows)


if __name__ == "__main__":
    main()
