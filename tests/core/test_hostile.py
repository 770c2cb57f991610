"""Hostile input: arbitrary bytes, mutated real files and hand-built damaged structures, given to
`Image.from_bytes` and then planned and rendered. The only acceptable outcomes are success or
a `casaba._core.CoreError` subclass: never a crash, a hang, another exception, or memory far
beyond what the decode limit allows.

Hand-built cases and the mutation corpus run in a child process (hostile_worker.py) with a
capped address space, so a crash or runaway allocation fails one test with the input named.
Each case must finish within 5 s and peak below 400 MiB of resident memory (the cases use a
decode limit of 16 Mpx, or up to 256 Mpx where the point is that a small read stays small).
Hypothesis runs in-process for shrinking; its inputs are small.
"""

import io
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image as PILImage

from .helpers import run
from .hostile import CASES, REGRESSIONS
from .hostile_worker import attempt
from .synth import photo, tiff_entries

WORKER = Path(__file__).with_name("hostile_worker.py")
CORE_ERRORS = {"CoreError", "ImageFormatError", "UnsupportedError", "LimitError", "ImageIoError"}
SECONDS, RSS_MIB = 5, 400


def run_worker(cases, timeout):
    """Results by name from one child process; a crash or a hang fails naming the input."""
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    try:
        proc = subprocess.run(
            [sys.executable, str(WORKER)], input=json.dumps(cases), capture_output=True, text=True, timeout=timeout,
            check=False, env=env,
        )
        out, code, err = proc.stdout, proc.returncode, proc.stderr
    except subprocess.TimeoutExpired as e:
        out, code, err = (e.stdout or b"").decode(), "timeout", ""
    results = {}
    last = None
    for line in out.splitlines():
        if line.startswith("start "):
            last = line[6:]
        else:
            result = json.loads(line)
            results[result["name"]] = result
    if code != 0:
        where = next((c["path"] for c in cases if c["name"] == last), last)
        pytest.fail(f"the core {'hung' if code == 'timeout' else f'crashed (exit {code})'} on {where}: {err[:2000]}")
    return results


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    cases = {}
    for name, build in CASES.items():
        data, limit = build()
        path = root / f"{name}.bin"
        path.write_bytes(data)
        cases[name] = {"name": name, "path": str(path), "limit": limit}
    return cases


@pytest.mark.parametrize("name", CASES)
def test_hand_built_hostile_file(hostile_files, name):
    result = run_worker([hostile_files[name]], timeout=60)[name]
    expected, before = REGRESSIONS.get(name, (None, None))
    why = f"{result}" + (f"; before the fix: {before}" if before else "")
    assert result["outcome"] == "ok" or result["outcome"] in CORE_ERRORS, why
    assert result["seconds"] < SECONDS, why
    assert result["rss_mib"] < RSS_MIB, why
    if expected is not None:
        assert result["outcome"] == expected, why


# --- Mutated real files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """Small valid files of every kind the core reads, by name."""
    root = tmp_path_factory.mktemp("seeds")
    rgb = photo(96, 64, seed=11)
    im = PILImage.fromarray(rgb)
    out = {}

    def keep(name, save):
        buf = io.BytesIO()
        save(buf)
        out[name] = buf.getvalue()

    keep("baseline.jpg", lambda b: im.save(b, "JPEG", quality=80))
    keep("progressive.jpg", lambda b: im.save(b, "JPEG", quality=80, progressive=True))
    keep("gray.jpg", lambda b: im.convert("L").save(b, "JPEG"))
    keep("rgb.png", lambda b: im.save(b, "PNG"))
    keep("rgba.png", lambda b: PILImage.fromarray(np.dstack([rgb, rgb[..., 0]]), "RGBA").save(b, "PNG"))
    keep("palette.png", lambda b: im.quantize(16).save(b, "PNG", transparency=0))
    keep("gray16.png", lambda b: PILImage.fromarray(rgb[..., 1].astype(np.uint16) * 257).save(b, "PNG"))
    keep("frames.gif", lambda b: im.quantize(32).save(b, "GIF", save_all=True, append_images=[im.quantize(4)], transparency=0))
    keep("lossy.webp", lambda b: im.save(b, "WEBP", quality=60))
    keep("lossless-alpha.webp", lambda b: PILImage.fromarray(np.dstack([rgb, rgb[..., 0]]), "RGBA").save(b, "WEBP", lossless=True))
    im.save(root / "base.tif")
    variants = {
        "lzw-strips.tif": ["-c", "lzw:2", "-r", "8"],
        "deflate-tiles.tif": ["-c", "zip:2", "-t", "-w", "32", "-l", "32"],
        "packbits-planar.tif": ["-c", "packbits", "-p", "separate", "-r", "8"],
        "bigendian-tiles.tif": ["-B", "-c", "lzw", "-t", "-w", "32", "-l", "32"],
        "bigtiff.tif": ["-8", "-c", "zip", "-r", "8"],
        "jpeg-strips.tif": ["-c", "jpeg", "-r", "16"],
    }
    for name, options in variants.items():
        run("tiffcp", *options, root / "base.tif", root / name)
        out[name] = (root / name).read_bytes()
    run("vips", "tiffsave", root / "base.tif", root / "pyramid.tif", "--tile", "--pyramid", "--compression", "jpeg",
        "--tile-width", "32", "--tile-height", "32")
    out["pyramid.tif"] = (root / "pyramid.tif").read_bytes()
    run("vips", "tiffsave", root / "base.tif", root / "subifd.tif", "--tile", "--pyramid", "--subifd",
        "--tile-width", "32", "--tile-height", "32")
    out["subifd.tif"] = (root / "subifd.tif").read_bytes()
    keep("lossless.jp2", lambda b: im.save(b, "JPEG2000", num_resolutions=4))
    keep("tiled-lossy.j2k", lambda b: im.save(b, "JPEG2000", no_jp2=True, tile_size=(32, 32), num_resolutions=3,
                                            irreversible=True, quality_mode="rates", quality_layers=[20, 5]))
    keep("rgba.jp2", lambda b: PILImage.fromarray(np.dstack([rgb, rgb[..., 0]]), "RGBA").save(b, "JPEG2000"))
    # One resolution level of 256x192, so that every read of the whole is 49K pixels: decoded on
    # OpenJPEG's own threads as well whenever a core is idle (from 32K pixels).
    keep("one-level.j2k", lambda b: PILImage.fromarray(photo(256, 192, seed=12)).save(
        b, "JPEG2000", no_jp2=True, num_resolutions=1, irreversible=True, quality_mode="rates", quality_layers=[10]))
    im.save(root / "base.ppm")
    run("ojph_compress", "-i", root / "base.ppm", "-o", root / "ht.j2c", "-qstep", "0.02", "-num_decomps", "3",
        "-tile_size", "{64,32}")
    out["ht.j2c"] = (root / "ht.j2c").read_bytes()
    return out


INTERESTING = [0, 1, 0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 0x10000, 0x8000, 3, 7]


def mutate(data, rng):
    """One random mutation: truncation, bit flips, a 32-bit value overwritten, or (for TIFF) a
    directory entry's type, count or value replaced by an interesting number."""
    data = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0:
        return bytes(data[: rng.randrange(len(data))])
    if kind == 1:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == 2:
        at = rng.randrange(min(len(data), 1024))
        data[at : at + 4] = rng.choice(INTERESTING).to_bytes(4, rng.choice(["little", "big"]))
    elif kind == 3:
        at = rng.randrange(min(len(data), 600))
        data[at] = rng.randrange(256)
    elif data[:4] in (b"II*\0", b"MM\0*"):
        entries = tiff_entries(bytes(data))
        if entries:
            e = rng.choice(entries)
            field = rng.choice([2, 4, 8])
            order = "little" if data[:2] == b"II" else "big"
            width = 2 if field == 2 else 4
            value = rng.choice(INTERESTING) & ((1 << (8 * width)) - 1)
            data[e["at"] + field : e["at"] + field + width] = value.to_bytes(width, order)
    return bytes(data)


def test_mutated_real_files(seeds, tmp_path):
    rng = random.Random(20240607)
    cases = []
    for i in range(3000):
        name = rng.choice(sorted(seeds))
        path = tmp_path / f"{i:04d}-{name}"
        path.write_bytes(mutate(seeds[name], rng))
        cases.append({"name": path.name, "path": str(path), "limit": 1 << 24})
    results = run_worker(cases, timeout=120)
    assert len(results) == len(cases)
    bad = [r for r in results.values()
           if not (r["outcome"] == "ok" or r["outcome"] in CORE_ERRORS) or r["seconds"] >= SECONDS]
    assert not bad, f"kept in {tmp_path}: {bad[:5]}"
    assert max(r["rss_mib"] for r in results.values()) < RSS_MIB
    # The corpus is only useful if it reaches past the first checks.
    assert sum(r["outcome"] == "ok" for r in results.values()) > 100


# --- Hypothesis, in-process -----------------------------------------------------------------

HOSTILE_SETTINGS = settings(max_examples=600, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
MAGICS = [b"\xff\xd8\xff", b"\xff\xd8\xff\xc0", b"\x89PNG\r\n\x1a\n", b"II*\0", b"MM\0*", b"II+\0\x08\0\0\0", b"MM\0+\0\x08\0\0",
          b"GIF89a", b"RIFF\0\0\0\0WEBPVP8 ", b"RIFF\xff\xff\0\0WEBPVP8L",
          b"\0\0\0\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51"]


def acceptable(data):
    outcome = attempt(data, 1 << 22)
    assert outcome == "ok" or outcome in CORE_ERRORS, outcome


@HOSTILE_SETTINGS
@given(st.binary(max_size=4096))
def test_arbitrary_bytes(data):
    acceptable(data)


@HOSTILE_SETTINGS
@given(st.sampled_from(MAGICS), st.binary(max_size=2048))
def test_arbitrary_bytes_after_a_format_signature(magic, rest):
    acceptable(magic + rest)


@HOSTILE_SETTINGS
@given(st.data())
def test_hypothesis_mutations_of_real_files(seeds, data):
    original = seeds[data.draw(st.sampled_from(sorted(seeds)))]
    mutated = bytearray(original)
    for at, value in data.draw(st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)), max_size=6)):
        mutated[at] = value
    cut = data.draw(st.integers(1, len(original)))
    acceptable(bytes(mutated[:cut]))
