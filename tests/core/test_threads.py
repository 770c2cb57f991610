"""Rendering releases the GIL, so a server renders on several threads at once: the results must
be the same bytes as one at a time, with damaged files failing in between."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from casaba._core import Image, ImageFormatError


def test_concurrent_renders_equal_serial_ones(jpegs, pyramids, jp2s):
    files, _ = pyramids
    images = [Image.open(jpegs["baseline-420"]), Image.open(jpegs["progressive"]), Image.open(files["jpeg"]),
              Image.open(files["lzw"]), Image.open(jp2s[0]["tiled-lossy.j2k"])]
    jobs = []
    for img in images:
        for region, size in [((0, 0, img.width, img.height), (200, 150)), ((512, 256, 256, 256), (256, 256)),
                             ((100, 100, 300, 200), (150, 100))]:
            jobs.append((img, img.plan(region, size, format="png")))
    serial = [img.render(plan) for img, plan in jobs]
    damaged = jpegs["baseline-420"].read_bytes()[:300]

    def work(i):
        if i % 5 == 4:
            with pytest.raises(ImageFormatError):
                Image.from_bytes(damaged)
            return None
        img, plan = jobs[i % len(jobs)]
        return img.render(plan)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(len(jobs) * 10)))
    for i, out in enumerate(results):
        if out is not None:
            assert out == serial[i % len(jobs)], f"job {i % len(jobs)} differs when run concurrently"
