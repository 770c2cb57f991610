"""Latency of tiles and info.json from remote sources, and what each request costs at the origin.

    .venv/bin/python benchmarks/remote_sources.py [--rounds 200]

Starts the loopback origins of the source tests (tests/sources/origins.py: an HTTP/1.1 server that
answers ranges, and moto's S3 server), then one Casaba per configuration (filesystem, HTTP and S3,
each streaming by ranges or through the source cache), and asks each with a keep-alive client:
info.json, the same tile again and again, and distinct tiles walking across the full-resolution
level (what a viewer panning asks for). Prints medians and, per request, the origin requests and
bytes. Figures, not tests: loopback origins have no network latency, so each remote request
here costs the origin's own time only (moto's is a few ms; AWS from EC2 adds 10-30 ms each).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the origins live with the tests

from casaba.testing import running_server  # noqa: E402
from tests.sources.origins import Behaviour, Moto, Origin  # noqa: E402

DATA = ROOT / "benchmarks" / ".data" / "remote-v1"
TIFF = "tiled-8000x6000.tif"
PNG = "rgb-1000x1000.png"
BUCKET = "benchmark"


def vips(*args: object, cwd: Path) -> None:
    subprocess.run(["vips", *map(str, args)], cwd=cwd, check=True, capture_output=True)


def make_images() -> dict[str, bytes]:
    """An 8000x6000 pyramidal JPEG TIFF (Q85, 256-pixel tiles) of soft blobs under grain, and a
    1000x1000 PNG of the same kind; made once."""
    if not (DATA / TIFF).exists():
        DATA.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=DATA) as tmp:
            w = Path(tmp)
            vips("gaussnoise", "small.v", 250, 188, "--sigma", 60, "--seed", 1, cwd=w)
            vips("bandjoin", "small.v small.v small.v", "small3.v", cwd=w)
            vips("resize", "small3.v", "blobs.v", 32, "--kernel", "cubic", cwd=w)
            vips("crop", "blobs.v", "blobs-c.v", 0, 0, 8000, 6000, cwd=w)
            vips("gaussnoise", "grain.v", 8000, 6000, "--sigma", 20, "--seed", 2, cwd=w)
            vips("add", "blobs-c.v", "grain.v", "sum.v", cwd=w)
            vips("cast", "sum.v", "pic.v", "uchar", cwd=w)
            vips("copy", "pic.v", "rgb.v", "--interpretation", "srgb", cwd=w)
            vips("crop", "rgb.v", "png.v", 0, 0, 1000, 1000, cwd=w)
            vips("pngsave", "png.v", DATA / PNG, cwd=w)
            vips("tiffsave", "rgb.v", "partial.tif", "--tile", "--pyramid", "--compression", "jpeg", "--Q", 85,
                 "--tile-width", 256, "--tile-height", 256, cwd=w)
            (w / "partial.tif").rename(DATA / TIFF)
    return {TIFF: (DATA / TIFF).read_bytes(), PNG: (DATA / PNG).read_bytes()}


class Counter:
    """Origin requests and bytes, from an HTTP origin's or moto's log."""

    def __init__(self, origin: Origin | Moto, sizes: dict[str, int]) -> None:
        self.origin = origin
        self.sizes = sizes

    def clear(self) -> None:
        self.origin.clear()

    def totals(self) -> tuple[int, int]:
        seen = self.origin.seen()
        moved = 0
        for s in seen:
            if s.range:
                start, end = s.range.removeprefix("bytes=").split("-")
                moved += int(end) - int(start) + 1
            elif s.method == "GET":
                moved += next(n for name, n in self.sizes.items() if s.path.endswith(name))
        return len(seen), moved


def timed(client: httpx.Client, urls: list[str]) -> list[float]:
    out = []
    for url in urls:
        started = time.perf_counter()
        r = client.get(url)
        out.append(time.perf_counter() - started)
        assert r.status_code == 200, (url, r.status_code, r.text)
    return out


def row(name: str, times: list[float], counter: Counter | None, n: int) -> None:
    median = statistics.median(times) * 1e3
    if counter is None:
        print(f"  {name:<34} {median:9.2f} ms")
        return
    requests, moved = counter.totals()
    print(f"  {name:<34} {median:9.2f} ms   {requests / n:6.2f} origin requests, {moved / n / 1024:8.1f} KiB each")


def run(label: str, settings: dict[str, object], counter: Counter | None, rounds: int) -> None:
    print(label)
    info = f"/iiif/3/{TIFF}/info.json"
    tile = f"/iiif/3/{TIFF}/2048,2048,256,256/256,/0/default.jpg"
    walk = [f"/iiif/3/{TIFF}/{x},{y},256,256/256,/0/default.jpg"
            for y in range(1024, 6000 - 256, 256) for x in range(0, 8000 - 256, 256)][:rounds]
    scaled = f"/iiif/3/{TIFF}/4096,2048,1024,1024/256,/0/default.jpg"
    png = f"/iiif/3/{PNG}/full/max/0/default.jpg"
    # (name, URLs timed, warmed up first): "again" rows time an image already opened and a tile
    # already read once; the walk asks for each tile once.
    workloads = [
        ("info.json, first (opens)", [info], False),
        ("tile, first after info.json", [tile], False),
        ("info.json, again", [info] * rounds, True),
        ("same tile, again", [tile] * rounds, True),
        ("distinct tiles (panning)", walk, False),
        ("1/4-level tile, again", [scaled] * rounds, True),
        ("PNG full/max, first", [png], False),
        ("PNG full/max, again", [png] * max(rounds // 10, 5), True),
    ]
    with running_server({**settings, "max_pixels": 0}) as base, httpx.Client(base_url=base, timeout=60) as client:
        for name, urls, warm in workloads:
            if warm:
                timed(client, urls[:1])
            if counter:
                counter.clear()
            row(name, timed(client, urls), counter, len(urls))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    files = make_images()
    sizes = {k: len(v) for k, v in files.items()}
    print(f"{TIFF}: {sizes[TIFF] / 1e6:.1f} MB; {PNG}: {sizes[PNG] / 1e6:.1f} MB; {args.rounds} rounds; medians")
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        origin = Origin(files, Behaviour())
        stack.callback(origin.close)
        moto = Moto(Path(tmp))
        stack.callback(moto.close)
        s3 = moto.client()
        s3.create_bucket(Bucket=BUCKET)
        for name, data in files.items():
            s3.put_object(Bucket=BUCKET, Key=name, Body=data)
        http = {"source.static": "HttpSource", "HttpSource.BasicLookupStrategy.url_prefix": origin.url}
        s3s = {"source.static": "S3Source", "S3Source.endpoint": moto.endpoint, "S3Source.region": "us-east-1",
               "S3Source.access_key_id": "x", "S3Source.secret_key": "x", "S3Source.BasicLookupStrategy.bucket.name": BUCKET}
        cache = {"processor.stream_retrieval_strategy": "CacheStrategy"}
        fallback_cache = {"processor.fallback_retrieval_strategy": "CacheStrategy"}
        run("filesystem", {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{DATA}/"}, None, args.rounds)
        run("HTTP, StreamStrategy (ranges; PNG downloaded per request)", http, Counter(origin, sizes), args.rounds)
        run("HTTP, StreamStrategy + CacheStrategy fallback (PNG cached)",
            {**http, **fallback_cache, "FilesystemCache.pathname": f"{tmp}/c1"}, Counter(origin, sizes), args.rounds)
        run("HTTP, CacheStrategy (everything through the source cache)",
            {**http, **cache, "FilesystemCache.pathname": f"{tmp}/c2"}, Counter(origin, sizes), args.rounds)
        run("S3 (moto), StreamStrategy", s3s, Counter(moto, sizes), args.rounds)
        run("S3 (moto), CacheStrategy", {**s3s, **cache, "FilesystemCache.pathname": f"{tmp}/c3"}, Counter(moto, sizes), args.rounds)


if __name__ == "__main__":
    main()
