"""Workload (b): ``full/!800,800`` of a 12000x10000 baseline JPEG, the thumbnail a catalogue page
asks for. A plain JPEG has no pyramid: the best a decoder can do is DCT-domain scaling (1/8 here,
1500x1250), which still entropy-decodes all 120 MP, then resize to 800x667 and encode.

The peer is Pillow doing the same job the fair way: ``draft()`` (the same libjpeg DCT scaling),
Lanczos resize (Casaba's filter), JPEG quality 80 with 4:2:0 (Casaba's default encoder)."""

from __future__ import annotations

import io

from PIL import Image

from casaba import _core

IDENTIFIER = "baseline-12000x10000.jpg"
GROUP = "b. 12000x10000 baseline JPEG, full/!800,800"
SIZE = (800, 667)  # 12000x10000 confined to 800x800

# The workload is a 120 MP image on purpose; Pillow would otherwise warn of a decompression bomb.
Image.MAX_IMAGE_PIXELS = None


def pillow_thumbnail(path: str) -> bytes:
    with Image.open(path) as im:
        im.draft("RGB", SIZE)
        assert im.size == (1500, 1250), im.size  # decoded at 1/8, as Casaba does
        small = im.resize(SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=80)
    return out.getvalue()


def test_core(benchmark, large_jpeg, check_jpeg):
    image = _core.Image.open(large_jpeg)
    region = (0, 0, image.width, image.height)

    def thumbnail() -> bytes:
        return image.render(image.plan(region, SIZE))

    plan = image.plan(region, SIZE)
    assert (plan.level, plan.read) == (3, (0, 0, 1500, 1250)), plan.steps  # DCT scale 1/8
    check_jpeg(thumbnail(), SIZE)
    benchmark.group = GROUP
    benchmark.extra_info["way"] = "core"
    benchmark.pedantic(thumbnail, rounds=8, warmup_rounds=1)


def test_http(benchmark, client, fetch_jpeg, large_jpeg):
    path = f"/iiif/3/{IDENTIFIER}/full/!800,800/0/default.jpg"
    fetch_jpeg(path, SIZE)
    benchmark.group = GROUP
    benchmark.extra_info["way"] = "http"
    benchmark.pedantic(client.get, (path,), rounds=8, warmup_rounds=1)


def test_pillow(benchmark, large_jpeg, check_jpeg):
    check_jpeg(pillow_thumbnail(str(large_jpeg)), SIZE)
    benchmark.group = GROUP
    benchmark.extra_info["way"] = "pillow"
    benchmark.pedantic(pillow_thumbnail, (str(large_jpeg),), rounds=8, warmup_rounds=1)
