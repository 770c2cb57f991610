"""``python -m benchmarks.stopping``: how soon a render stops once it is told to (its client left,
its deadline passed), by input and request.

Each heavy request is rendered once alone (its time), then ``--tries`` more times, each stopped
at a random moment of that time from another thread; a row gives the time from ``Stop.stop()``
to the render's return, whether stopped or finished meanwhile (median and worst: the longest
piece of work the core does without a check), and how many of the tries ended with
``StoppedError`` (the rest finished first). The decoded-tile cache is off, so every render
decodes.

Figures, not a test: the goal is under 100 ms for every row.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

from casaba import _core
from benchmarks import images

#: (name, image, region, size, format): what a viewer or a harvester asks that takes long.
REQUESTS: list[tuple[str, Callable[[], Path], tuple[int, int, int, int] | None, tuple[int, int] | None, str]] = [
    ("pyramid TIFF, full/3000,", images.tiled_tiff, None, (3000, 2500), "jpg"),
    ("pyramid TIFF, 4096² region at full size", images.tiled_tiff, (4000, 3000, 4096, 4096), None, "jpg"),
    ("pyramid TIFF, 2048² region as PNG", images.tiled_tiff, (4000, 3000, 2048, 2048), None, "png"),
    ("pyramid TIFF, full/max", images.tiled_tiff, None, None, "jpg"),
    ("baseline JPEG, full/!1000,1000", images.large_jpeg, None, (1000, 833), "jpg"),
    ("baseline JPEG, 4096² region", images.large_jpeg, (4000, 3000, 4096, 4096), None, "jpg"),
    ("tiled JPEG 2000, full/1500,", images.large_jp2, None, (1500, 1250), "jpg"),
    ("tiled JPEG 2000, 2048² region", images.large_jp2, (4000, 3000, 2048, 2048), None, "jpg"),
]


def stopped_after(image: _core.Image, plan: _core.Plan, delay: float) -> tuple[float, bool]:
    """Seconds from ``stop()``, ``delay`` s into the render, to its return; whether it stopped."""
    stop = _core.Stop()
    returned: list[float] = []
    outcome: list[bool] = []

    def render() -> None:
        try:
            image.render(plan, stop)
            outcome.append(False)
        except _core.StoppedError:
            outcome.append(True)
        returned.append(time.perf_counter())

    thread = threading.Thread(target=render)
    thread.start()
    time.sleep(delay)
    stopped = time.perf_counter()
    stop.stop()
    thread.join()
    return max(0.0, returned[0] - stopped), outcome[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    _core.set_decoded_tile_cache_size(0)
    print("| request | render alone ms | stopped | stop → return ms, median | worst |")
    print("|---|---:|---:|---:|---:|")
    for name, path, region, size, fmt in REQUESTS:
        image = _core.Image.open(path())
        region = region or (0, 0, image.width, image.height)
        plan = image.plan(region, size or region[2:], format=fmt)
        began = time.perf_counter()
        image.render(plan)
        alone = time.perf_counter() - began
        results = [stopped_after(image, plan, rng.uniform(0, alone)) for _ in range(args.tries)]
        waits = [w for w, _ in results]
        stops = f"{sum(stopped for _, stopped in results)}/{args.tries}"
        print(f"| {name} | {alone * 1000:.0f} | {stops} | {statistics.median(waits) * 1000:.1f} | {max(waits) * 1000:.1f} |")


if __name__ == "__main__":
    main()
