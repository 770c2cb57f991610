"""A render given a ``Stop`` ends part-way with ``StoppedError`` once it is stopped (a client that
left, a deadline passed), from any thread; one never stopped gives the same bytes as without."""

import pytest

from casaba._core import Image, Stop, StoppedError


def test_a_stop_never_stopped_changes_nothing(jpegs, pyramids, pngs):
    files, _ = pyramids
    for path in (jpegs["baseline-420"], files["lzw"], pngs[0]["rgb"]):
        img = Image.open(path)
        plan = img.plan((0, 0, img.width, img.height), (120, 90), rotation=90.0)
        assert img.render(plan, Stop()) == img.render(plan)
        assert img.render_pixels(plan, Stop()) == img.render_pixels(plan)


def test_a_stopped_render_does_no_work(jpegs, pyramids, pngs, jp2s):
    files, _ = pyramids
    for path in (jpegs["baseline-420"], jpegs["progressive"], files["jpeg"], pngs[0]["rgb"], jp2s[0]["tiled-lossy.j2k"]):
        img = Image.open(path)
        plan = img.plan((0, 0, img.width, img.height), (100, 75), format="png")
        stop = Stop()
        stop.stop()
        assert stop.stopped
        with pytest.raises(StoppedError):
            img.render(plan, stop)
        with pytest.raises(StoppedError):
            img.render_pixels(plan, stop)


class StoppingReader:
    """Reads a file's bytes, and stops ``stop`` at the first read once ``armed``: as a client
    leaving while its image is being read."""

    def __init__(self, data: bytes, stop: Stop) -> None:
        self.data, self.stop, self.armed, self.reads_after = data, stop, False, 0

    def read(self, offset: int, length: int) -> bytes:
        if self.armed:
            self.stop.stop()
            self.reads_after += 1
        return self.data[offset : offset + length]


@pytest.mark.parametrize("name", ["lzw", "jpeg"])
def test_a_render_stopped_part_way_reads_no_further_tiles(pyramids, name):
    files, _ = pyramids
    stop = Stop()
    reader = StoppingReader(files[name].read_bytes(), stop)
    img = Image.open_reader(reader, len(reader.data), chunk_size=0, cache_size=0)
    # Full resolution, uncached: 10 x 7 tiles, each read on its own.
    plan = img.plan((0, 0, img.width, img.height), (img.width, img.height), format="png")
    reader.armed = True
    with pytest.raises(StoppedError):
        img.render(plan, stop)
    # Each of the two threads finishes the tile it had begun; none begins another.
    assert reader.reads_after <= 4
