"""``python -m benchmarks.load``: start Casaba (and iipsrv, where installed) on the same generated
images, put the same URL lists through each with ``wrk``, and print a markdown table of req/s,
p50/p99 latency, errors and the Casaba ÷ iipsrv ratio per workload. See benchmarks/README.md."""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks import bare_app, images
from benchmarks.images import DATA
from benchmarks.load import servers, wrk
from benchmarks.load.cpu import Meter, Usage, machine_busy
from benchmarks.load.report import Row, ceiling, full, legend, overlay_costs, summary
from benchmarks.load.servers import Peer, Target
from benchmarks.load.workloads import WORKLOADS, Workload

PROBE_REQUEST = "full/256,/0/default.jpg"
#: Seconds to wait for Casaba's pyramid of a large untiled image before measuring it.
PYRAMID_WAIT = 600
CONTENDED = 0.1  # cores used by other processes from which a run counts as shared


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    p = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__,
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--workload", default=",".join(WORKLOADS), help=f"comma-separated, from: {', '.join(WORKLOADS)}")
    p.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of load, not measured, before each run")
    p.add_argument("--connections", type=_ints, default=[1, 4], help="concurrency levels, comma-separated")
    p.add_argument("--workers", type=_ints, default=[1, 2], help="Casaba worker counts to try, comma-separated")
    p.add_argument("--endpoints", default="3,2", help="Casaba's IIIF endpoints to ask, comma-separated (3, 2)")
    p.add_argument("--casaba-heap-mb", type=int, metavar="N",
                   help="also run each Casaba worker count with a HeapCache derivative cache of N MB per worker "
                        "(rows 'heap N MB'), like iipsrv's tile cache of encoded tiles")
    p.add_argument("--iipsrv-bin", action="append", type=Peer.parse, dest="peers",
                   help="iipsrv binary, PATH or NAME=PATH; repeat for several (default: $IIPSRV_BIN, "
                        f"':'-separated, else {servers.DEBIAN_IIPSRV})")
    p.add_argument("--no-iipsrv", action="store_true", help="run Casaba alone")
    p.add_argument("--iipsrv-procs", type=int, default=cores, help="iipsrv FastCGI processes")
    p.add_argument("--iipsrv-cache-mb", type=int, default=10,
                   help="iipsrv's tile cache (MAX_IMAGE_CACHE_SIZE; 0 = none); the default is iipsrv's own, "
                        "so both servers run with their default tile caches")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (each a core's worth of load generator)")
    p.add_argument("--quiet-wait", type=float, default=300.0,
                   help="before each run, wait up to this many seconds for other processes to go idle")
    p.add_argument("--retries", type=int, default=2,
                   help="repeat a run during which other processes took over a tenth of a core")
    p.add_argument("--no-ceiling", action="store_true", help="skip the load generator ceiling runs")
    p.add_argument("--output", type=Path, help="markdown file (default: benchmarks/.data/load-<timestamp>.md)")
    args = p.parse_args(argv)
    if args.casaba_heap_mb is not None and args.casaba_heap_mb < 1:
        p.error("--casaba-heap-mb must be at least 1")
    names = [w for w in args.workload.split(",") if w]
    unknown = [w for w in names if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s): {', '.join(unknown)}")
    for name in list(names):  # an overlay's workload is measured right after the same requests without it
        baseline = WORKLOADS[name].baseline
        if baseline and baseline not in names:
            names.insert(names.index(name), baseline)
    args.workloads = [WORKLOADS[w] for w in names]
    args.endpoints = [e for e in args.endpoints.split(",") if e]
    if args.no_iipsrv:
        args.peers = []
    elif args.peers is None:
        args.peers = servers.default_peers()
    return args


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows: list[Row] = []
        self.ceiling_rows: list[Row] = []
        self.notes: list[str] = []
        self.made: dict[str, Path] = {}  # workload name -> image, once made
        self.contended_runs = 0
        self.cache = Path()  # Casaba's FilesystemCache.pathname, set in run()
        self.untiled: set[Path] = set()  # the untiled images asked of Casaba so far, each with its pyramid

    def say(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def measure(self, base: str, paths: list[str], c: int) -> tuple[wrk.Result, Usage]:
        """Warm up, then one measured run; again (up to --retries) when others took a core's tenth."""
        for attempt in range(1 + self.args.retries):
            self.wait_quiet()
            if self.args.warmup > 0:
                wrk.run(base, paths, c, self.args.warmup, self.args.wrk_threads)
            meter = Meter()
            meter.start()
            result = wrk.run(base, paths, c, self.args.duration, self.args.wrk_threads)
            usage = meter.stop()
            others = usage.cores(usage.others_s)
            if others < CONTENDED:
                break
            self.contended_runs += 1
            if attempt < self.args.retries:
                self.say(f"    other processes took {others:.0%} of a core: again")
        return result, usage

    def wait_quiet(self) -> None:
        """Wait (up to --quiet-wait seconds) until other processes leave the cores alone."""
        deadline = time.monotonic() + self.args.quiet_wait
        said = False
        while machine_busy() >= CONTENDED and time.monotonic() < deadline:
            if not said:
                self.say("    waiting for other processes to leave the cores ...")
                said = True

    def image(self, w: Workload, targets: list[Target]) -> Path | str:
        """The workload's image, or why no target here can use it (asking a tiny probe first)."""
        if w.name in self.made:
            return self.made[w.name]
        if w.probe is not None:
            probe = w.probe()
            answers = [wrk.first_answer(t.base, t.path(probe.name, PROBE_REQUEST)) for t in targets]
            if all(answers):
                return f"{answers[0]} for a small {probe.suffix} probe"
        self.say(f"  {w.name}: the image (made on first use, kept in {DATA}) ...")
        self.made[w.name] = w.image()
        return self.made[w.name]

    def workloads(self, every: list[Target]) -> None:
        """Every chosen workload, at every concurrency, through every target in turn: runs of the
        servers compared lie next to each other in time, so drifting load on the machine touches
        them alike. An overlay's workload goes to the Casaba servers that draw it, right after
        the same requests without it."""
        for w in self.args.workloads:
            targets = [t for t in every if t.overlay == w.overlay]
            found = self.image(w, targets)
            if isinstance(found, str):
                for t in targets:
                    self.rows.append(Row(w.name, 0, t.label, t.kind == "iipsrv", None, None, found))
                continue
            requests = w.requests(*w.size)
            lists: dict[str, list[str]] = {}
            for t in targets:
                paths = [t.path(found.name, r) for r in requests]
                problem = wrk.first_answer(t.base, paths[0])
                if problem and w.optional:
                    self.rows.append(Row(w.name, 0, t.label, t.kind == "iipsrv", None, None, f"{problem} on the first request"))
                    continue
                if problem:
                    self.notes.append(f"{t.label}, {w.name}: the first request gave {problem}; measured anyway, errors counted.")
                elif w.overlay and self.drew_nothing(t, every, paths[0]):
                    self.rows.append(Row(w.name, 0, t.label, False, None, None, "the same answer as without the overlay"))
                    continue
                lists[t.label] = paths
            if w.untiled and any(t.kind == "casaba" and t.label in lists for t in targets):
                self.untiled.add(found)
                self.say(f"  {w.name}: waiting for Casaba's pyramid of the image (built after its first request) ...")
                if not servers.wait_for_pyramids(self.cache, len(self.untiled), PYRAMID_WAIT):
                    self.notes.append(f"{w.name}: Casaba's pyramid was not ready after {PYRAMID_WAIT} s; measured from the original.")
            for c in self.args.connections:
                for t in targets:
                    if t.label in lists:
                        self.say(f"  {w.name:12} c={c}  {t.label}")
                        self.rows.append(Row(w.name, c, t.label, t.kind == "iipsrv", *self.measure(t.base, lists[t.label], c)))

    @staticmethod
    def drew_nothing(overlaid: Target, every: list[Target], path: str) -> bool:
        """Whether ``overlaid`` answers ``path`` as the Casaba without an overlay does: an
        overlay that draws nothing must not look cheap."""
        plain = next(t for t in every if t.label == overlaid.label and not t.overlay)
        return wrk.answer(overlaid.base, path)[2] == wrk.answer(plain.base, path)[2]

    def ceiling(self, label: str, base: str, path: str) -> None:
        if self.args.no_ceiling:
            return
        for c in self.args.connections:
            self.say(f"  ceiling      c={c}  {label}")
            self.ceiling_rows.append(Row("", c, label, False, *self.measure(base, [path], c)))

    def start_casaba(self, stack: ExitStack) -> list[Target]:
        """Each worker count with default settings and, with --casaba-heap-mb, again with a HeapCache
        (its rows right after, on the same URL lists; info.json's ceiling is measured once); and
        once more for each overlay a chosen workload draws, under the same labels."""
        targets: list[Target] = []
        info = f"/iiif/3/{images.tiled_tiff().name}/info.json"
        heap = self.args.casaba_heap_mb
        drawn = _ordered_overlays(self.args.workloads)
        for workers in self.args.workers:
            base = stack.enter_context(servers.casaba(DATA, workers, self.cache))
            self.say(f"Casaba --workers {workers}: {base}")
            self.ceiling(f"Casaba w{workers}: /iiif/3 info.json (no pixel work)", base, info)
            if not self.args.no_ceiling:
                with bare_app.serving(workers) as bare:
                    self.ceiling(f"bare Granian w{workers}: a fixed 12 KB body (any RSGI app's floor)", bare, "/")
            targets += [Target(f"Casaba w{workers} /iiif/{v}", base, "casaba", v) for v in self.args.endpoints]
            if heap is not None:
                base = stack.enter_context(servers.casaba(DATA, workers, self.cache, heap))
                self.say(f"Casaba --workers {workers}, HeapCache {heap} MB: {base}")
                targets += [Target(f"Casaba w{workers} /iiif/{v} heap {heap} MB", base, "casaba", v) for v in self.args.endpoints]
            for overlay in drawn:
                base = stack.enter_context(servers.casaba(DATA, workers, self.cache, overlay=overlay))
                self.say(f"Casaba --workers {workers}, {overlay} overlay: {base}")
                targets += [Target(f"Casaba w{workers} /iiif/{v}", base, "casaba", v, overlay) for v in self.args.endpoints]
        return targets

    def start_iipsrv(self, stack: ExitStack) -> list[Target]:
        targets: list[Target] = []
        for peer in self.args.peers:
            if not os.access(peer.binary, os.X_OK):
                self.notes.append(f"iipsrv not found at {peer.binary} (make bench-deps, or set IIPSRV_BIN).")
                continue
            try:
                base, name = stack.enter_context(servers.iipsrv(peer, DATA, self.args.iipsrv_procs, self.args.iipsrv_cache_mb, 80))
            except FileNotFoundError as e:  # no lighttpd
                self.notes.append(f"{e}.")
                return []
            label = f"{name} ×{self.args.iipsrv_procs}"
            self.say(f"{label}: {base} ({peer.binary})")
            self.notes.append(f"{label}: {peer.binary}")
            if not targets:
                self.ceiling("lighttpd: a 5-byte static file (wrk's ceiling)", base, servers.PING)
            targets.append(Target(label, base, "iipsrv"))
        if not targets:
            self.notes.append("No iipsrv ran: Casaba alone.")
        return targets

    def run(self) -> None:
        """All servers up at once (idle ones cost nothing), then the workloads through each."""
        with ExitStack() as stack:
            self.cache = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="casaba-load-cache-")))
            targets = self.start_casaba(stack) + self.start_iipsrv(stack)
            self.workloads(targets)


def _ordered_overlays(workloads: list[Workload]) -> list[str]:
    """The overlays the workloads draw, each once, in their order."""
    return list(dict.fromkeys(w.overlay for w in workloads if w.overlay))


def _version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except OSError:
        return "absent"
    return (out.stdout or out.stderr).splitlines()[0].strip() if (out.stdout or out.stderr) else "?"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def render(h: Harness, argv: list[str], started: str, elapsed: float) -> str:
    import casaba

    a = h.args
    counts = {w.name: len(w.requests(*w.size)) for w in a.workloads}
    parts = [
        f"# Casaba load run, {started}",
        "",
        f"`{shlex.join([sys.executable, '-m', 'benchmarks.load', *argv])}` ({elapsed / 60:.1f} min)",
        "",
        f"- machine: {os.cpu_count()} × {_cpu()}; load generator and servers share it",
        f"- Casaba {casaba.__version__}, `casaba serve --workers N`, default settings (JPEG quality 80)"
        + ("" if a.casaba_heap_mb is None else
           f"; rows *heap {a.casaba_heap_mb} MB* add `cache.server.derivative.enabled = true`, "
           f"`cache.server.derivative = HeapCache`, `HeapCache.target_size = {a.casaba_heap_mb}M` (per worker)"),
        *([f"- workloads *…+string* and *…+image* ask a Casaba of the same workers, settings and label that also draws "
           f"the tutorial's string overlay or a 200×80 PNG logo with alpha (`benchmarks/overlays.py`; "
           f"`overlays.BasicStrategy.*`), right after the same requests without it; iipsrv is not asked them"]
          if _ordered_overlays(a.workloads) else []),
        f"- iipsrv: {a.iipsrv_procs} FastCGI processes under {_version(['lighttpd', '-v']).split()[0]}; "
        f"JPEG_QUALITY=80, MAX_IMAGE_CACHE_SIZE={a.iipsrv_cache_mb} MB, MAX_CVT=5000",
        f"- load: {_version(['wrk', '--version'])}, {a.wrk_threads} thread(s), `walk.lua`; "
        f"{a.warmup:g} s warm-up, then {a.duration:g} s per run; closed loop, c = connections",
        "- req/s counts 200 answers only; **errors** (non-200 answers and socket errors) are listed, and "
        "the req/s of a row with errors is marked ⚠. Latencies are over all answers. *answers* is how many "
        "came back within the run: where it is small, the figures are rough.",
        "- CPU (from /proc, over the measured run): *server CPU ms/answer* is the server's processes' CPU time per "
        "answer, which contention does not change; *wrk CPU* and *others' CPU* are in % of one core; others' "
        "(anything else on the machine) is marked ⚠ from 10 %, when the run shared its cores.",
        "",
        "## Workloads",
        "",
        legend([w.name for w in a.workloads], counts),
        "",
        "## req/s",
        "",
        summary(h.rows),
        "",
        "## All figures",
        "",
        full(h.rows),
    ]
    costs = overlay_costs(h.rows)
    if costs:
        parts += ["", "## What an overlay costs", "", costs]
    if h.ceiling_rows:
        parts += ["", "## The load generator's ceiling", "", ceiling(h.ceiling_rows)]
    if h.notes:
        parts += ["", "## Notes", ""] + [f"- {n}" for n in h.notes]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if not wrk.available():
        print("wrk is not installed: `make bench-deps` (Debian package wrk)", file=sys.stderr)
        return 2
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    t0 = time.monotonic()
    h = Harness(args)
    # SIGTERM as well as Ctrl-C stops the servers this run started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        images.tiled_tiff()  # the ceiling runs ask for its info.json
    except images.VipsMissing as e:
        print(e, file=sys.stderr)
        return 2
    h.run()
    if h.contended_runs:
        h.notes.append(f"{h.contended_runs} run(s) shared the cores with other processes; "
                       f"the rows still marked ⚠ under others' CPU kept that after {args.retries} retries.")
    text = render(h, argv, started, time.monotonic() - t0)
    output = args.output or DATA.parent / f"load-{time.strftime('%Y%m%d-%H%M%S')}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    print(text)
    print(f"(written to {output})", file=sys.stderr)
    return 0



if __name__ == "__main__":
    sys.exit(main())
