"""The results as markdown: a summary grid (req/s per workload and server), the full table
(latencies, errors, ratios to each iipsrv), the overlays' cost beside the same requests without
them, and the load generator's ceiling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from benchmarks.load.workloads import WORKLOADS
from benchmarks.load.cpu import Usage
from benchmarks.load.wrk import Result

T = TypeVar("T")


@dataclass(frozen=True)
class Row:
    workload: str
    connections: int
    server: str
    peer: bool  # an iipsrv row: the others are divided by it
    result: Result | None
    usage: Usage | None = None
    skipped: str = ""  # why there is no result


def _num(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}" if x >= 10 else f"{x:.2f}"


def _errors(r: Result) -> str:
    if not r.errors:
        return "0"
    parts = [f"HTTP {s} ×{k}" for s, k in sorted(r.statuses.items())]
    if r.socket_errors:
        parts.append(f"socket ×{r.socket_errors}")
    return f"**{r.errors}** ({', '.join(parts)})"


def _cpu(r: Result, u: Usage | None) -> str:
    """Server CPU ms per answer | wrk's share of a core | everything else's, in cores."""
    if u is None:
        return " | | |"
    others = u.cores(u.others_s)
    flag = " ⚠" if others >= 0.1 else ""
    ms = u.server_s * 1e3 / max(r.requests, 1)
    return f" {ms:.3f} | {u.cores(u.wrk_s) * 100:.0f} % | {others * 100:.0f} %{flag} |"


def _ordered(values: list[T]) -> list[T]:
    return list(dict.fromkeys(values))


def summary(rows: list[Row]) -> str:
    """req/s per workload and concurrency (rows) and server (columns)."""
    servers = _ordered([r.server for r in rows])
    by_key = {(r.workload, r.connections, r.server): r for r in rows}
    lines = ["| workload | c | " + " | ".join(servers) + " |", "|---|--:|" + "--:|" * len(servers)]
    for workload, c in _ordered([(r.workload, r.connections) for r in rows if r.connections]):
        cells = []
        for s in servers:
            row = by_key.get((workload, c, s))
            if row is None or row.result is None:
                cells.append("–")
            elif row.result.requests == 0:
                cells.append("none ⚠")
            else:
                cells.append(_num(row.result.ok_per_s) + (" ⚠" if row.result.errors else ""))
        lines.append(f"| {workload} | {c} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def full(rows: list[Row]) -> str:
    peers = _ordered([r.server for r in rows if r.peer])
    by_key = {(r.workload, r.connections, r.server): r for r in rows}
    head = ("| workload | c | server | req/s | p50 ms | p99 ms | answers | errors | KiB/answer "
            "| server CPU ms/answer | wrk CPU | others' CPU |" + "".join(f" ÷ {p} |" for p in peers))
    lines = [head, "|---|--:|---|--:|--:|--:|--:|---|--:|--:|--:|--:|" + "--:|" * len(peers)]
    for row in rows:
        if row.result is None or row.result.requests == 0:
            why = f"skipped: {row.skipped}" if row.result is None else "no answer completed within the run"
            lines.append(f"| {row.workload} | {row.connections or '–'} | {row.server} | {why} |" + " |" * (8 + len(peers)))
            continue
        r = row.result
        ratios = []
        for p in peers:
            peer = by_key.get((row.workload, row.connections, p))
            if row.peer or peer is None or peer.result is None or peer.result.ok_per_s == 0:
                ratios.append("")
            else:
                ratios.append(f"{r.ok_per_s / peer.result.ok_per_s:.2f}×")
        lines.append(
            f"| {row.workload} | {row.connections} | {row.server} | {_num(r.ok_per_s)} | {r.p50_ms:.2f} | {r.p99_ms:.2f} "
            f"| {r.requests:,} | {_errors(r)} | {r.kb_per_answer:.1f} |" + _cpu(r, row.usage) + "".join(f" {x} |" for x in ratios)
        )
    return "\n".join(lines)


def overlay_costs(rows: list[Row]) -> str:
    """Each overlay workload's row beside its baseline's (same server and concurrency): req/s,
    p50 and server CPU time per answer, which contention does not change, and what it adds;
    empty when no row has its baseline."""
    by_key = {(r.workload, r.connections, r.server): r for r in rows}
    lines = ["| workload | c | server | req/s | plain req/s | ÷ plain | p50 ms | plain p50 ms "
             "| server CPU ms/answer | plain | added |",
             "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
    for row in rows:
        baseline = WORKLOADS[row.workload].baseline
        plain = by_key.get((baseline, row.connections, row.server)) if baseline else None
        if plain is None or not (row.result and row.result.requests and plain.result and plain.result.requests):
            continue
        r, p = row.result, plain.result
        ratio = f"{r.ok_per_s / p.ok_per_s:.2f}×" if p.ok_per_s else ""
        cpu = ""
        if row.usage is not None and plain.usage is not None:
            ms, plain_ms = (u.server_s * 1e3 / max(x.requests, 1) for u, x in ((row.usage, r), (plain.usage, p)))
            cpu = f"{ms:.3f} | {plain_ms:.3f} | {ms - plain_ms:+.3f}"
        lines.append(f"| {row.workload} | {row.connections} | {row.server} | {_num(r.ok_per_s)} | {_num(p.ok_per_s)} "
                     f"| {ratio} | {r.p50_ms:.2f} | {p.p50_ms:.2f} | {cpu or ' | |'} |")
    return "\n".join(lines) if len(lines) > 2 else ""


def ceiling(rows: list[Row]) -> str:
    lines = ["| what | c | req/s | p50 ms | p99 ms | errors | server CPU ms/answer | wrk CPU | others' CPU |",
             "|---|--:|--:|--:|--:|---|--:|--:|--:|"]
    for row in rows:
        if row.result is None:
            continue
        r = row.result
        lines.append(f"| {row.server} | {row.connections} | {_num(r.ok_per_s)} | {r.p50_ms:.3f} | {r.p99_ms:.3f} | {_errors(r)} |" + _cpu(r, row.usage))
    return "\n".join(lines)


def legend(names: list[str], counts: dict[str, int]) -> str:
    return "\n".join(f"- **{n}**: {WORKLOADS[n].title} ({counts.get(n, 0):,} distinct URLs, walked in a fixed shuffled order)" for n in names)
