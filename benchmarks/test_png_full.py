"""Workload (c): ``full/max/0/default.jpg`` of a 1000x1000 RGB PNG: decode a whole PNG (it has no
random access or reduced levels) and encode it as JPEG, with no resize.

The peer is Pillow decoding the same PNG and saving JPEG quality 80 with 4:2:0 (Casaba's default)."""

from __future__ import annotations

import io

from PIL import Image

from casaba import _core

IDENTIFIER = "rgb-1000x1000.png"
GROUP = "c. 1000x1000 PNG, full/max as JPEG"
SIZE = (1000, 1000)


def pillow_png_to_jpeg(path: str) -> bytes:
    with Image.open(path) as im:
        assert im.mode == "RGB", im.mode
        out = io.BytesIO()
        im.save(out, "JPEG", quality=80)
    return out.getvalue()


def test_core(benchmark, small_png, check_jpeg):
    image = _core.Image.open(small_png)
    region = (0, 0, image.width, image.height)

    def full() -> bytes:
        return image.render(image.plan(region, SIZE))

    plan = image.plan(region, SIZE)
    assert not plan.resized, plan.steps
    check_jpeg(full(), SIZE)
    benchmark.group = GROUP
    benchmark.extra_info["way"] = "core"
    benchmark.pedantic(full, rounds=100, warmup_rounds=3)


def test_http(benchmark, client, fetch_jpeg, small_png):
    path = f"/iiif/3/{IDENTIFIER}/full/max/0/default.jpg"
    fetch_jpeg(path, SIZE)
    benchmark.group = GROUP
    benchmark.extra_info["way"] = "http"
    benchmark.pedantic(client.get, (path,), rounds=100, warmup_rounds=3)


def test_pillow(benchmark, small_png, check_jpeg):
    check_jpeg(pillow_png_to_jpeg(str(small_png)), SIZE)
    benchmark.group = GROUP
    benchmark.extra_info["way"] = "pillow"
    benchmark.pedantic(pillow_png_to_jpeg, (str(small_png),), rounds=100, warmup_rounds=3)
