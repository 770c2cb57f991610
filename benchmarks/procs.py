"""A running ``casaba serve`` as Linux's /proc shows it: its processes (the one started, Granian's
workers and anything else below it), each one's status lines (resident memory, its peak, threads)
and open file descriptors, and their totals at one moment."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _processes() -> list[tuple[int, str]]:
    """Every process: its pid and its command line (arguments separated by NUL)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                out.append((int(entry.name), (entry / "cmdline").read_bytes().decode(errors="replace")))
            except OSError:
                continue
    return out


def status(pid: int) -> dict[str, str]:
    """The lines of ``/proc/PID/status`` by name; empty once the process is gone."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def kib(pid: int, field: str) -> int:
    """A ``kB`` line of the status (``VmRSS``, ``VmHWM``); 0 once the process is gone."""
    return int(status(pid).get(field, "0 kB").split()[0])


def open_fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def _parents() -> dict[int, str]:
    return {pid: status(pid).get("PPid", "") for pid, _ in _processes()}


def _main(port: int, parents: dict[int, str]) -> list[int]:
    """The ``casaba serve`` started on ``port``: of the processes with that command line (its
    workers, forked, have the same), the one whose parent has another."""
    serving = {pid for pid, cmd in _processes() if "casaba" in cmd and "serve" in cmd and f"--port\0{port}\0" in cmd + "\0"}
    return [pid for pid in serving if not parents.get(pid, "").isdigit() or int(parents[pid]) not in serving]


def workers_of(port: int) -> list[int]:
    """The pids of the worker processes of the ``casaba serve`` listening on ``port``."""
    parents = _parents()
    main = {str(m) for m in _main(port, parents)}
    return [pid for pid, ppid in parents.items() if ppid in main]


def tree(port: int) -> list[int]:
    """The ``casaba serve`` listening on ``port`` and every process below it (its workers, and
    theirs: pyramid builds)."""
    parents = _parents()
    found = _main(port, parents)
    frontier = {str(p) for p in found}
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier]
        found += children
        frontier = {str(c) for c in children}
    return found


def resident(pids: list[int]) -> int:
    """Bytes resident in memory, summed over ``pids``."""
    return sum(kib(pid, "VmRSS") for pid in pids) * 1024


@dataclass(frozen=True)
class Usage:
    """The server's processes at one moment: what they hold together, and the largest worker."""

    pids: frozenset[int]
    workers: frozenset[int]
    rss: int  # bytes, every process
    largest_worker_rss: int  # bytes
    fds: int
    threads: int


def usage(port: int) -> Usage:
    pids = tree(port)
    workers = workers_of(port)
    return Usage(
        pids=frozenset(pids),
        workers=frozenset(workers),
        rss=resident(pids),
        largest_worker_rss=max((kib(w, "VmRSS") for w in workers), default=0) * 1024,
        fds=sum(open_fds(p) for p in pids),
        threads=sum(int(status(p).get("Threads", "0")) for p in pids),
    )
