"""Runs hostile files through the core in a child process, so a crash, a hang or a memory
blow-up fails a test instead of taking pytest down with it.

Reads a JSON list of {"name", "path", "limit"} on stdin; for each file prints a line
`start NAME` before touching it and a JSON result after: the outcome ("ok", a CoreError
subclass name, or "other: ..." for anything else), the seconds taken and the process's
peak resident memory in MiB so far. The address space is capped so that a runaway
allocation fails here rather than on the machine.
"""

import json
import resource
import sys
import time

from casaba._core import CoreError, Image

ADDRESS_SPACE = 3 << 30


def requests(w, h):
    """A thumbnail of the whole image, its last pixel, and a middle region at full size."""
    scale = max(w, h) / 64
    thumb = (max(1, round(w / scale)), max(1, round(h / scale))) if scale > 1 else (w, h)
    middle = (w // 3, h // 3, max(1, min(w // 3, 64)), max(1, min(h // 3, 64)))
    return [((0, 0, w, h), thumb), ((w - 1, h - 1, 1, 1), (1, 1)), (middle, middle[2:])]


def attempt(data, limit):
    """Open, plan and render; the only acceptable failures are the core's own errors."""
    try:
        img = Image.from_bytes(data, max_decode_pixels=limit)
        for region, size in requests(img.width, img.height):
            for fmt in ("png", "jpg"):
                img.render(img.plan(region, size, format=fmt, rotation=90, mirror=fmt == "png"))
        return "ok"
    except CoreError as e:
        return type(e).__name__
    except BaseException as e:  # noqa: BLE001 - every other outcome is the failure being looked for
        return f"other: {type(e).__name__}: {e}"


def peak_rss_mib():
    """This process's peak resident memory since it started. Not ru_maxrss: Linux carries that
    over from the parent across fork and exec, so a large pytest would count as this child's."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    for case in json.load(sys.stdin):
        print(f"start {case['name']}", flush=True)
        with open(case["path"], "rb") as f:
            data = f.read()
        started = time.monotonic()
        outcome = attempt(data, case["limit"])
        rss = peak_rss_mib()
        result = {"name": case["name"], "outcome": outcome, "seconds": time.monotonic() - started, "rss_mib": rss}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
