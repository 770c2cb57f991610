"""What the server has done, counted by each worker and read for all of them together: requests
and their latency by endpoint and status, cache lookups, the bytes the caches keep, each
worker's memory, and the last errors.

The counts are Prometheus metrics kept by ``prometheus_client`` in its multi-process mode: each
worker writes its own to memory-mapped files in the ``metrics`` folder of the folder the
server's workers share, and a reader adds them up. Writing there costs a few microseconds a
count, so a request only adds to plain numbers in its worker's memory (``TALLY``, well under a
microsecond), and ``flush`` moves them to the files about every second and before each reading:
a reading lags the requests by at most that. The last errors go to a small JSON file per worker
in the ``errors`` folder, also at a flush.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import time
from bisect import bisect_left
from collections import deque
from contextlib import suppress
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_client.samples import Sample

from casaba.workers import workers_folder

#: Upper bounds of the latency buckets, in seconds: a cached tile takes under a millisecond, a
#: large region of a remote image seconds.
BOUNDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, float("inf"))
#: Errors each worker remembers.
ERRORS_KEPT = 20
#: The most of a path or a reason an error's record keeps.
TEXT_KEPT = 300


class Metrics:
    """The metrics of one worker process, in the files of the folder its server's workers share.
    Made in the worker: Granian forks its workers from the process that started the server,
    before that process knows the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "metrics"
        self.errors = folder / "errors"
        self.folder.mkdir(exist_ok=True)
        self.errors.mkdir(exist_ok=True)
        # prometheus_client chooses where a value lives from this variable when the value is
        # made (chosen again here, in case a plugin imported it before).
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(self.folder)
        values.ValueClass = values.get_value_class()
        self.requests = Histogram(
            "casaba_request_duration_seconds",
            "Time from a request's arrival until its answer is handed to the HTTP server, by endpoint and status.",
            ["endpoint", "status"],
            buckets=BOUNDS,
            registry=None,
        )
        self.lookups = Counter(
            "casaba_cache_lookups_total", "Lookups in the caches, by cache (derivative, info) and result (hit, miss).", ["cache", "result"], registry=None
        )
        self.cache_bytes = Gauge(
            "casaba_cache_size_bytes",
            "Bytes the derivative cache keeps, as each worker sees it (its own, for a cache in its memory; NaN when it cannot tell).",
            multiprocess_mode="liveall",
            registry=None,
        )
        self.resident = Gauge("casaba_worker_resident_bytes", "Memory each worker process holds (its resident set).", multiprocess_mode="liveall", registry=None)
        started = Gauge("casaba_worker_start_time_seconds", "When each worker process started (Unix time).", multiprocess_mode="liveall", registry=None)
        started.set(time.time())


@cache
def shared() -> Metrics:
    """This worker's metrics (made on first use)."""
    return Metrics(workers_folder())


@dataclass(frozen=True)
class Failure:
    """A request answered with a server error: when, what, and why (as the log says it)."""

    time: float
    status: int
    method: str
    path: str
    reason: str
    pid: int


class Tally:
    """This worker's counts since the last ``flush``."""

    def __init__(self) -> None:
        #: By (endpoint, status): the sum of the latencies, then the count in each bucket.
        self.requests: dict[tuple[str, int], list[float]] = {}
        self.lookups: dict[tuple[str, str], int] = {}
        self.failures: deque[Failure] = deque(maxlen=ERRORS_KEPT)
        self._failed = False

    def request(self, endpoint: str, status: int, seconds: float) -> None:
        entry = self.requests.get((endpoint, status))
        if entry is None:
            entry = self.requests[endpoint, status] = [0.0] * (len(BOUNDS) + 1)
        entry[0] += seconds
        entry[bisect_left(BOUNDS, seconds) + 1] += 1

    def lookup(self, cache: str, hit: bool) -> None:
        key = (cache, "hit" if hit else "miss")
        self.lookups[key] = self.lookups.get(key, 0) + 1

    def failed(self, status: int, method: str, path: str, reason: str) -> None:
        self.failures.appendleft(Failure(time.time(), status, method, path[:TEXT_KEPT], reason[:TEXT_KEPT], os.getpid()))
        self._failed = True

    def flush(self) -> None:
        """Move the counts to the files the workers share."""
        m = shared()
        requests, self.requests = self.requests, {}
        for (endpoint, status), entry in requests.items():
            # Histogram.observe adds one value at a time: this adds a bucket's many at once,
            # to the same values (as tests/unit/test_metrics.py checks).
            child = m.requests.labels(endpoint, str(status))
            child._sum.inc(entry[0])
            for bucket, count in zip(child._buckets, entry[1:]):
                if count:
                    bucket.inc(count)
        lookups, self.lookups = self.lookups, {}
        for (cache, result), count in lookups.items():
            m.lookups.labels(cache, result).inc(count)
        if self._failed:
            self._failed = False
            write_atomically(m.errors / f"{os.getpid()}.json", json.dumps([asdict(f) for f in self.failures]).encode())


#: This worker's.
TALLY = Tally()


def sample_worker(cache_bytes: int | None) -> None:
    """Note this worker's memory now, and the bytes its derivative cache keeps (None: it cannot
    tell, or there is none)."""
    m = shared()
    m.resident.set(resident_bytes())
    m.cache_bytes.set(float("nan") if cache_bytes is None else cache_bytes)


def resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # no /proc: the peak instead
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def read() -> dict[str, list[Sample]]:
    """Every worker's counts added up (this worker's flushed first), by metric name; a worker
    that has stopped no longer shows in the ``live`` gauges."""
    TALLY.flush()
    folder = str(shared().folder)
    for path in shared().folder.glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        if not alive(pid):
            mark_process_dead(pid, folder)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, folder)
    return {metric.name: metric.samples for metric in registry.collect()}


def recent_failures(limit: int = ERRORS_KEPT) -> list[Failure]:
    """The last server errors of every worker (also of those since stopped), the newest first,
    as of the last flush (``read`` flushes this worker's)."""
    found: list[Failure] = []
    for path in shared().errors.glob("*.json"):
        with suppress(OSError, ValueError):
            found.extend(Failure(**record) for record in json.loads(path.read_bytes()))
    return sorted(found, key=lambda f: f.time, reverse=True)[:limit]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process by that number
        return True
    return True


def write_atomically(path: Path, body: bytes) -> None:
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    temp.write_bytes(body)
    os.replace(temp, path)
