"""Images read through a Python reader (what HttpSource and S3Source hand the core): the same
pixels as from the file, few reads for a tiled file, and the reader's own errors passed through."""

import pytest

from casaba._core import Image, ImageFormatError, UnsupportedError, sniff

def pixels(image, region, size):
    plan = image.plan(region, size, format="png")
    return image.render(plan)
from .variants import PYRAMID_VARIANTS

KIB = 1024


class Reader:
    """Serves a file's bytes and records every read."""

    def __init__(self, path):
        self.data = path.read_bytes()
        self.reads = []

    def read(self, offset, length):
        self.reads.append((offset, length))
        return self.data[offset : offset + length]

    def open(self, **options):
        return Image.open_reader(self, len(self.data), **options)


class Failing(Reader):
    """Answers the first `good` reads, then raises `error`."""

    def __init__(self, path, error, good=1):
        super().__init__(path)
        self.error = error
        self.good = good

    def read(self, offset, length):
        if len(self.reads) >= self.good:
            raise self.error
        return super().read(offset, length)


class OriginDown(Exception):
    """Stands for HttpSource's 502: any exception class a reader raises."""


def same_as_file(path, region, size, **options):
    remote = Reader(path).open(**options)
    local = Image.open(path)
    assert (remote.width, remote.height, remote.levels, remote.tile_size) == (local.width, local.height, local.levels, local.tile_size)
    assert pixels(remote, region, size) == pixels(local, region, size)


@pytest.mark.parametrize("name", list(PYRAMID_VARIANTS))
def test_pyramids_read_remotely_give_the_files_pixels(pyramids, name):
    files, _ = pyramids
    same_as_file(files[name], (512, 256, 256, 256), (256, 256))
    same_as_file(files[name], (0, 0, 2400, 1600), (600, 400))


@pytest.mark.parametrize("name", ["rgb-lzw-strips", "rgb-planar-tiles", "rgb-bigtiff-deflate", "palette-tiles", "rgb-jpeg-rgb-tiles"])
def test_tiffs_read_remotely_give_the_files_pixels(tiffs, name):
    files, _ = tiffs
    same_as_file(files[name], (10, 20, 100, 60), (100, 60), chunk_size=4 * KIB, cache_size=16 * KIB)


@pytest.mark.parametrize("name", ["tiled.jp2", "tiled-lossy.j2k", "vips.jp2", "ht-tiled.j2c"])
def test_jpeg2000_read_remotely_gives_the_files_pixels(jp2s, name):
    files, _ = jp2s
    same_as_file(files[name], (256, 256, 256, 256), (128, 128), chunk_size=16 * KIB, cache_size=64 * KIB)


def test_whole_file_formats_read_remotely(jpegs, pngs):
    same_as_file(jpegs["baseline-420"], (0, 0, 1000, 776), (250, 194))
    files, _ = pngs
    same_as_file(files["rgba"], (0, 0, 203, 149), (203, 149))


def test_a_tile_costs_one_read_after_the_directories(pyramids):
    files, _ = pyramids
    reader = Reader(files["jpeg"])
    image = reader.open(chunk_size=64 * KIB, cache_size=64 * KIB)
    opening = len(reader.reads)
    assert opening <= 2 + 2 * len(image.levels), reader.reads
    assert all(length % (64 * KIB) == 0 or offset + length == len(reader.data) for offset, length in reader.reads)
    reader.reads.clear()
    plan = image.plan((1024, 1024, 256, 256), (256, 256))
    image.render(plan)
    assert len(reader.reads) == 1
    assert reader.reads[0][1] <= 128 * KIB


def test_kept_chunks_answer_repeated_reads(pyramids):
    files, _ = pyramids
    reader = Reader(files["jpeg"])
    image = reader.open(chunk_size=64 * KIB, cache_size=4 << 20)
    plan = image.plan((1024, 1024, 256, 256), (256, 256))
    image.render(plan)
    reader.reads.clear()
    image.render(plan)
    assert reader.reads == []


def test_without_chunks_reads_are_exact(pyramids):
    files, _ = pyramids
    reader = Reader(files["jpeg"])
    image = reader.open(chunk_size=0)
    reader.reads.clear()
    image.render(image.plan((1024, 1024, 256, 256), (256, 256)))
    assert len(reader.reads) == 1 and reader.reads[0][1] < 64 * KIB


def test_a_read_larger_than_the_cache_goes_through_whole(jpegs):
    reader = Reader(jpegs["baseline-420"])
    reader.open(chunk_size=4 * KIB, cache_size=8 * KIB)
    assert (0, len(reader.data)) in reader.reads


@pytest.mark.parametrize("good", [0, 1, 3])
def test_the_readers_exception_reaches_the_caller_unchanged(pyramids, good):
    files, _ = pyramids
    error = OriginDown("the origin answered 502")
    with pytest.raises(OriginDown) as caught:
        Failing(files["jpeg"], error, good=good).open(chunk_size=4 * KIB, cache_size=8 * KIB)
    assert caught.value is error


def test_a_failing_read_during_render_reaches_the_caller(pyramids):
    files, _ = pyramids
    reader = Failing(files["jpeg"], OriginDown("late"), good=10**6)
    image = reader.open()
    reader.good = len(reader.reads)
    with pytest.raises(OriginDown):
        image.render(image.plan((2048, 1280, 256, 256), (256, 256)))


def test_jpeg2000_decoding_fails_with_the_readers_error_not_a_format_error(jp2s):
    files, _ = jp2s
    reader = Failing(files["tiled.jp2"], OriginDown("late"), good=10**6)
    image = reader.open(chunk_size=0)
    reader.good = len(reader.reads)
    with pytest.raises(OriginDown):
        image.render(image.plan((512, 512, 256, 256), (256, 256)))


def test_a_short_answer_is_a_format_error(pyramids):
    files, _ = pyramids

    class Short(Reader):
        def read(self, offset, length):
            return super().read(offset, length)[:-1]

    with pytest.raises(ImageFormatError):
        Short(files["jpeg"]).open()


def test_an_answer_that_is_not_bytes_is_a_type_error(pyramids):
    files, _ = pyramids

    class Text(Reader):
        def read(self, offset, length):
            return "text"

    with pytest.raises(TypeError):
        Text(files["jpeg"]).open()


def test_unknown_bytes_are_refused_from_the_first_read(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"not an image at all" * 1000)
    reader = Reader(path)
    with pytest.raises(UnsupportedError):
        reader.open()
    assert len(reader.reads) == 1


@pytest.mark.parametrize(
    "head, name",
    [
        (b"\xff\xd8\xff\xe0", "jpeg"),
        (b"\x89PNG\r\n\x1a\n", "png"),
        (b"II*\x00", "tiff"),
        (b"MM\x00+", "tiff"),
        (b"GIF89a", "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "jp2"),
        (b"\xff\x4f\xff\x51", "jp2"),
        (b"%PDF-1.7", None),
        (b"", None),
    ],
)
def test_sniff_names_formats_by_their_first_bytes(head, name):
    assert sniff(head) == name
