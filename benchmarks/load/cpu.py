"""Where the CPU went during a run (Linux ``/proc``): the server under test (every live
descendant of this process: Casaba's workers, or lighttpd and its iipsrv processes), wrk (the
children this process reaped), and everything else on the machine. The server's CPU per answer
does not depend on contention; "others" says when something else on the machine (a build, a
test run) took cores from the run, which then shows in req/s."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    wall_s: float
    server_s: float
    wrk_s: float
    others_s: float  # busy CPU time of everything else

    def cores(self, seconds: float) -> float:
        return seconds / self.wall_s if self.wall_s > 0 else 0.0


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user + system CPU seconds) of a live process, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


def _descendants_cpu(root: int) -> float:
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                stats[int(entry)] = st
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    total, todo = 0.0, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        total += stats[pid][1]
        todo.extend(children.get(pid, []))
    return total


def _busy() -> float:
    """CPU seconds the whole machine spent in processes since boot: user, nice and system time.
    Interrupt and softirq time (loopback networking, heavy at these request rates) is charged to
    no process, so it is left out rather than taken for another process's work."""
    user, nice, system = (int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:4])
    return (user + nice + system) / TICK


def _own() -> float:
    t = os.times()
    return t.user + t.system


def _reaped() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


class Meter:
    """Take a reading with ``start()``; ``stop()`` returns the usage since."""

    def __init__(self) -> None:
        self._t0 = 0.0
        self._readings: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def _read(self) -> tuple[float, float, float, float]:
        return _descendants_cpu(os.getpid()), _reaped(), _busy(), _own()

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._readings = self._read()

    def stop(self) -> Usage:
        wall = time.monotonic() - self._t0
        server, wrk, busy, own = (b - a for a, b in zip(self._readings, self._read()))
        return Usage(wall, server, wrk, max(0.0, busy - server - wrk - own))


def machine_busy(seconds: float = 1.0) -> float:
    """How many cores' worth of CPU the machine is using now (this process is idle meanwhile)."""
    before = _busy()
    time.sleep(seconds)
    return (_busy() - before) / seconds
