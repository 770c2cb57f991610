"""Workload (h): what an overlay costs. Two answers of the 12000x10000 tiled TIFF, a 256x256 tile
(``2048,2048,256,256/256,``, a stored tile at full resolution) and ``full/!1024,1024`` (1024x853
from the 1500x1250 level), each with no overlay, under the tutorial's string overlay and under a
200x80 PNG logo with alpha (``overlays.py``), in the core and over HTTP from three servers that
differ only in their ``overlays.BasicStrategy`` keys.

Without an overlay the tile is sent as stored; under one it is decoded, drawn on and encoded, so
the tile's figures are what the overlay costs a viewer, passthrough lost included. The thumbnail
is rendered either way: its figures are the drawing alone."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import numpy as np
import pytest
from PIL import Image

from benchmarks import overlays
from benchmarks.images import DATA
from casaba import _core
from casaba.testing import running_server

IDENTIFIER = "tiled-12000x10000.tif"
NONE = "none"
KINDS = (NONE, *overlays.KINDS)


class Answer(NamedTuple):
    iiif: str  # region/size
    region: tuple[int, int, int, int]
    size: tuple[int, int]
    core_rounds: int
    http_rounds: int


ANSWERS = {
    "256x256 tile": Answer("2048,2048,256,256/256,", (2048, 2048, 256, 256), (256, 256), 1500, 800),
    "full/!1024,1024": Answer("full/!1024,1024", (0, 0, 12000, 10000), (1024, 853), 40, 40),
}
CASES = [(answer, kind) for answer in ANSWERS for kind in KINDS]
IDS = [f"{answer}, {kind}" for answer, kind in CASES]


def group(answer: str, way: str) -> str:
    return f"h. tiled TIFF {answer} under an overlay, {way}"


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB")).astype(int)


def check_overlaid(data: bytes, plain: bytes, kind: str) -> None:
    """Fail unless an overlay changed the answer, in its bottom right corner only (the plain
    answer itself for none): an overlay that drew nothing must not look cheap."""
    if kind == NONE:
        assert data == plain
        return
    diff = np.abs(pixels(data) - pixels(plain)).max(axis=2)
    h, w = diff.shape
    assert diff[h // 2 :, w // 4 :].max() > 64, "the overlay drew nothing bottom right"
    # A tile under an overlay is re-encoded where the plain one is sent as stored: up to about 15
    # levels apart away from the overlay.
    assert diff[: h // 4, : w // 4].max() <= 40, "the overlay drew top left"


def bench(benchmark: Any, answer: str, kind: str, way: str, fn: Callable[..., Any], *args: Any) -> None:
    benchmark.group = group(answer, way)
    benchmark.extra_info["overlay"] = kind
    rounds = ANSWERS[answer].core_rounds if way == "core" else ANSWERS[answer].http_rounds
    benchmark.pedantic(fn, args, rounds=rounds, warmup_rounds=max(2, rounds // 30))


@pytest.mark.parametrize(("answer", "kind"), CASES, ids=IDS)
def test_core(benchmark, tiled_tiff, check_jpeg, answer, kind):
    region, size = ANSWERS[answer].region, ANSWERS[answer].size
    image = _core.Image.open(tiled_tiff)
    overlay = None if kind == NONE else overlays.core_overlay(kind)
    plan = image.plan(region, size, overlay=overlay)
    plain = image.render(image.plan(region, size))
    out = image.render(plan)
    check_jpeg(out, size)
    check_overlaid(out, plain, kind)
    if answer == "256x256 tile":
        assert plan.passthrough == (kind == NONE), plan.steps
    bench(benchmark, answer, kind, "core", lambda: image.render(image.plan(region, size, overlay=overlay)))


@pytest.fixture(scope="module")
def clients(tiled_tiff: Path) -> Iterator[dict[str, httpx.Client]]:
    """A server per overlay and one with none, each with a persistent client."""
    base = {"FilesystemSource.BasicLookupStrategy.path_prefix": f"{DATA}/", "max_pixels": 0}
    with ExitStack() as stack:
        made = {}
        for kind in KINDS:
            url = stack.enter_context(running_server(base | ({} if kind == NONE else overlays.settings(kind))))
            made[kind] = stack.enter_context(httpx.Client(base_url=url, timeout=120))
        yield made


@pytest.mark.parametrize(("answer", "kind"), CASES, ids=IDS)
def test_http(benchmark, clients, check_jpeg, answer, kind):
    path = f"/iiif/3/{IDENTIFIER}/{ANSWERS[answer].iiif}/0/default.jpg"
    size = ANSWERS[answer].size
    r, plain = clients[kind].get(path), clients[NONE].get(path)
    assert r.status_code == plain.status_code == 200, r.text
    check_jpeg(r.content, size)
    check_overlaid(r.content, plain.content, kind)
    bench(benchmark, answer, kind, "http", clients[kind].get, path)
