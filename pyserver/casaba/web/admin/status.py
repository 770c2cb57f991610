"""The control panel's status: what every worker of the server has done since it started, read
from the counts they share (``metrics``): version, uptime, workers and their memory, requests,
errors and latency by endpoint, the caches' sizes and hit rates, and the last server errors."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape

from casaba import __version__, metrics
from casaba.caches.facade import DERIVATIVE
from casaba.serving.iiif import IiifService

#: The latency quantiles shown.
QUANTILES = (0.5, 0.95, 0.99)


@dataclass
class Traffic:
    """Requests of one endpoint: their count by status, and the count under each bucket bound."""

    by_status: dict[int, float] = field(default_factory=dict)
    seconds: float = 0.0
    under: dict[float, float] = field(default_factory=dict)

    @property
    def count(self) -> float:
        return sum(self.by_status.values())

    def add(self, other: Traffic) -> None:
        for status, n in other.by_status.items():
            self.by_status[status] = self.by_status.get(status, 0.0) + n
        self.seconds += other.seconds
        for bound, n in other.under.items():
            self.under[bound] = self.under.get(bound, 0.0) + n

    def errors(self, low: int) -> float:
        return sum(n for status, n in self.by_status.items() if low <= status < low + 100)

    def quantile(self, q: float) -> float:
        """The latency under which ``q`` of the requests were answered, interpolated within its
        bucket (as Prometheus' ``histogram_quantile``); infinite past the last bound."""
        wanted, below, lower = q * self.count, 0.0, 0.0
        for bound in sorted(self.under):
            if self.under[bound] >= wanted:
                if bound == float("inf"):
                    return bound
                share = (wanted - below) / (self.under[bound] - below) if self.under[bound] > below else 1.0
                return lower + (bound - lower) * share
            below, lower = self.under[bound], bound
        return 0.0


@dataclass(frozen=True)
class Worker:
    pid: int
    started: float
    resident: float
    cache_bytes: float


@dataclass(frozen=True)
class Status:
    traffic: dict[str, Traffic]
    workers: list[Worker]
    #: Hits and misses by cache (derivative, info).
    lookups: dict[str, tuple[float, float]]
    failures: list[metrics.Failure]

    @property
    def started(self) -> float | None:
        return min((w.started for w in self.workers), default=None)


def read() -> Status:
    """The status of every worker of this server, now."""
    samples = metrics.read()
    traffic: dict[str, Traffic] = {}
    for s in samples.get("casaba_request_duration_seconds", []):
        t = traffic.setdefault(s.labels["endpoint"], Traffic())
        if s.name.endswith("_count"):
            t.by_status[int(s.labels["status"])] = s.value
        elif s.name.endswith("_sum"):
            t.seconds += s.value
        elif s.name.endswith("_bucket"):
            bound = float(s.labels["le"])
            t.under[bound] = t.under.get(bound, 0.0) + s.value
    lookups: dict[str, list[float]] = {}
    for s in samples.get("casaba_cache_lookups", []):
        if s.name.endswith("_total"):
            lookups.setdefault(s.labels["cache"], [0.0, 0.0])[s.labels["result"] == "miss"] += s.value
    by_pid: dict[int, dict[str, float]] = {}
    for name in ("casaba_worker_start_time_seconds", "casaba_worker_resident_bytes", "casaba_cache_size_bytes"):
        for s in samples.get(name, []):
            by_pid.setdefault(int(s.labels["pid"]), {})[name] = s.value
    workers = [
        Worker(pid, got.get("casaba_worker_start_time_seconds", 0.0), got.get("casaba_worker_resident_bytes", 0.0), got.get("casaba_cache_size_bytes", 0.0))
        for pid, got in sorted(by_pid.items())
    ]
    return Status(traffic, workers, {k: (v[0], v[1]) for k, v in lookups.items()}, metrics.recent_failures())


def bytes_text(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError


def seconds_text(s: float) -> str:
    if s == float("inf"):
        return f"over {metrics.BOUNDS[-2]:g} s"
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.2f} s"


def since_text(t: float) -> str:
    """How long ago, and when (UTC)."""
    ago = max(int(time.time() - t), 0)
    days, rest = divmod(ago, 86400)
    parts = [f"{days} d"] if days else []
    parts += [f"{rest // 3600} h {rest % 3600 // 60} min"] if rest >= 3600 or days else [f"{rest // 60} min {rest % 60} s"]
    return f"{' '.join(parts)} (since {clock(t)})"


def clock(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def table(caption: str, head: tuple[str, ...], rows: Sequence[tuple[str, ...]], numeric_from: int = 1) -> str:
    """A table whose cells are HTML already escaped; columns from ``numeric_from`` align right."""
    th = "".join(f'<th scope="col"{" class=n" if i >= numeric_from else ""}>{h}</th>' for i, h in enumerate(head))
    trs = "".join(
        "<tr>" + "".join(f"<th scope=row>{c}</th>" if i == 0 else f'<td{" class=n" if i >= numeric_from else ""}>{c}</td>' for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f'<div class="table"><table><caption>{caption}</caption><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table></div>'


def status_html(status: Status, configured_workers: int) -> str:
    """The status section: the server, its requests by endpoint, its workers, its last errors."""
    started = status.started
    up = since_text(started) if started is not None else "not known"
    live = len(status.workers)
    head = f"""<p class="facts"><span>Version <strong>{escape(__version__)}</strong></span> <span>Up <strong>{up}</strong></span>
<span><strong>{live}</strong> worker{"s" if live != 1 else ""} running ({configured_workers or "one per core"} configured)</span>
<span><a href="admin#status">Refresh</a> (counts lag the requests by at most a second)</span></p>"""
    total = Traffic()
    rows = []
    for endpoint, t in sorted(status.traffic.items(), key=lambda kv: -kv[1].count):
        total.add(t)
        rows.append(traffic_row(escape(endpoint), t))
    if rows:
        rows.append(traffic_row("<em>all</em>", total))
        requests = table("Requests since start, by endpoint", ("Endpoint", "Requests", "4xx", "5xx", "Mean", "50 %", "95 %", "99 %"), rows)
    else:
        requests = "<p>No requests yet.</p>"
    workers = table(
        "Workers",
        ("Process", "Started", "Memory"),
        [(str(w.pid), escape(clock(w.started)), bytes_text(w.resident)) for w in status.workers],
    )
    return f"{head}{requests}{workers}{failures_html(status.failures)}"


def traffic_row(name: str, t: Traffic) -> tuple[str, ...]:
    n = t.count
    quantiles = tuple(seconds_text(t.quantile(q)) for q in QUANTILES)
    return (name, f"{n:.0f}", f"{t.errors(400):.0f}", f"{t.errors(500):.0f}", seconds_text(t.seconds / n if n else 0.0), *quantiles)


def failures_html(failures: list[metrics.Failure]) -> str:
    if not failures:
        return "<h3>Last server errors</h3><p>No server errors since start.</p>"
    rows = [(escape(clock(f.time)), str(f.status), f"<code>{escape(f.method)} {escape(f.path)}</code>", escape(f.reason), str(f.pid)) for f in failures]
    return "<h3>Last server errors</h3>" + table("The last server errors of every worker, the newest first", ("Time", "Status", "Request", "Reason", "Worker"), rows, numeric_from=5)


def caches_html(status: Status, iiif: IiifService, token: str) -> str:
    """The caches' sizes and hit rates, and buttons that purge them, above the caches' keys."""
    cache = iiif.caches.cache
    sizes = [w.cache_bytes for w in status.workers if not math.isnan(w.cache_bytes)]
    kind = type(cache).__name__ if cache is not None else "none (cache.server.derivative.enabled is off)"
    if cache is None or not sizes:
        size = "not measured" if cache is not None else "—"
    else:
        # A cache in each worker's memory is the sum of theirs; a shared one, what any sees.
        size = bytes_text(sum(sizes) if iiif.caches.in_worker else max(sizes))
    rows = []
    for name, what in ((DERIVATIVE, f"Derivatives: {escape(kind)}"), ("info", "Infos (in memory, then in the derivative cache)")):
        hits, misses = status.lookups.get(name, (0.0, 0.0))
        rate = f"{hits / (hits + misses):.1%}" if hits + misses else "—"
        rows.append((what, size if name == DERIVATIVE else "—", f"{hits:.0f}", f"{misses:.0f}", rate))
    hidden = f'<input type="hidden" name="_action" value="purge"><input type="hidden" name="_token" value="{token}">'
    return f"""{table("Caches since start", ("Cache", "Size", "Hits", "Misses", "Hit rate"), rows)}
<form method="post" action="admin#caches" class="purges" aria-label="Purge the caches">{hidden}
<button name="verb" value="PurgeCache">Purge everything</button>
<button name="verb" value="PurgeInvalidFromCache">Purge expired entries</button>
<button name="verb" value="PurgeInfoCache">Purge infos in memory</button></form>
<form method="post" action="admin#caches" class="purges">{hidden}
<label for="purge-identifier">Purge one image</label><input id="purge-identifier" name="identifier" required placeholder="identifier">
<button name="verb" value="PurgeItemFromCache">Purge image</button></form>"""
