"""The per-process cache of decoded chunks: what it returns is what decoding gives, it never
serves one image's chunks for another, and a budget of 0 turns it off."""

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image, decoded_tile_cache_usage, set_decoded_tile_cache_size

from .helpers import render, run
from .synth import photo


@pytest.fixture(scope="module")
def pyramid(tmp_path_factory):
    root = tmp_path_factory.mktemp("chunks")
    PILImage.fromarray(photo(1200, 900, seed=21)).save(root / "a.png")
    run("vips", "tiffsave", root / "a.png", root / "a.tif", "--tile", "--tile-width", "128", "--tile-height", "128",
        "--compression", "deflate")
    return root


def test_cached_and_uncached_reads_agree(pyramid):
    region = (100, 70, 700, 500)  # 6 x 5 tiles, none of them whole
    set_decoded_tile_cache_size(0)
    try:
        _, cold = render(Image.open(str(pyramid / "a.tif")), region)
    finally:
        set_decoded_tile_cache_size(64 << 20)
    img = Image.open(str(pyramid / "a.tif"))
    _, first = render(img, region)
    _, again = render(img, (150, 90, 500, 400))
    _, second = render(img, region)
    expected = np.asarray(PILImage.open(pyramid / "a.png"))[70:570, 100:800]
    for out in (cold, first, second):
        np.testing.assert_array_equal(np.asarray(out), expected)
    np.testing.assert_array_equal(np.asarray(again), np.asarray(PILImage.open(pyramid / "a.png"))[90:490, 150:650])


def test_a_rewritten_file_is_not_served_from_its_old_chunks(pyramid, tmp_path):
    path = tmp_path / "b.tif"
    for seed in (1, 2):
        PILImage.fromarray(photo(300, 300, seed=seed)).save(tmp_path / "b.png")
        run("vips", "tiffsave", tmp_path / "b.png", path, "--tile", "--tile-width", "128", "--tile-height", "128")
        _, out = render(Image.open(str(path)), (10, 10, 200, 200))
        np.testing.assert_array_equal(np.asarray(out), np.asarray(PILImage.open(tmp_path / "b.png"))[10:210, 10:210])


def test_a_cut_edge_tile_is_kept_and_is_the_image_s_own(pyramid, tmp_path):
    """Stored edge tiles cut to the image are kept beside the chunks: the same bytes again, never
    another opening's, and made afresh with the cache off."""
    run("vips", "tiffsave", pyramid / "a.png", tmp_path / "j.tif", "--tile", "--tile-width", "128", "--tile-height", "128",
        "--compression", "jpeg")
    PILImage.fromarray(photo(1200, 900, seed=22)).save(tmp_path / "b.png")
    run("vips", "tiffsave", tmp_path / "b.png", tmp_path / "k.tif", "--tile", "--tile-width", "128", "--tile-height", "128",
        "--compression", "jpeg")
    edge = ((1152, 0, 48, 128), (48, 128))  # 1200 = 9 x 128 + 48
    first, second = Image.open(str(tmp_path / "j.tif")), Image.open(str(tmp_path / "k.tif"))
    plan = first.plan(*edge)
    assert plan.passthrough and "cut losslessly" in plan.steps[0]
    made = first.render(plan)
    assert first.render(plan) == made
    assert second.render(second.plan(*edge)) != made
    set_decoded_tile_cache_size(0)
    try:
        assert first.render(plan) == made
    finally:
        set_decoded_tile_cache_size(64 << 20)


@pytest.mark.parametrize("quality, gray", [(85, False), (95, False), (85, True)], ids=["420", "444", "gray"])
def test_chunks_read_in_part_again_later_are_recoded_and_decode_the_same(tmp_path, quality, gray):
    """A JPEG tile read in part, and again after a few hundred other partial reads, is re-coded
    with a restart marker after every MCU and kept: later parts of it are cut from that. Their
    pixels are those of a decode of the stored tile, whatever the sampling."""
    # Coarse noise: chroma that changes from sample to sample, so that a cut decoded without
    # its neighbouring MCUs would show at its edges.
    noise = np.random.default_rng(23).integers(0, 256, (384, 512, 3), dtype=np.uint8)
    pixels = noise.repeat(4, axis=0).repeat(4, axis=1)
    if gray:
        pixels = pixels[..., 0]
    PILImage.fromarray(pixels).save(tmp_path / "p.png")
    run("vips", "tiffsave", tmp_path / "p.png", tmp_path / "p.tif", "--tile", "--tile-width", "64", "--tile-height", "64",
        "--compression", "jpeg", "--Q", str(quality))

    def corner(col, row, w=48, h=40):  # parts of the four tiles around a tile corner
        return (64 * col + 64 - w // 2, 64 * row + 64 - h // 2, w, h)

    # Parts with edges on and off the MCU grid, inside the tiles and at their edges.
    wanted = [corner(3, 3), corner(3, 3, 30, 60), (64 * 3 + 5, 64 * 3 + 9, 50, 20), (64 * 3 + 16, 64 * 3 + 16, 32, 32),
              (64 * 3 + 16, 64 * 3 + 48, 40, 30)]
    set_decoded_tile_cache_size(0)
    try:
        cold = Image.open(str(tmp_path / "p.tif"))
        expected = [np.asarray(render(cold, r)[1]) for r in wanted]
    finally:
        set_decoded_tile_cache_size(64 << 20)
    img = Image.open(str(tmp_path / "p.tif"))
    np.testing.assert_array_equal(np.asarray(render(img, wanted[0])[1]), expected[0])
    for col in range(6, 30, 2):  # 4 x 12 x 8 other tiles read in part
        for row in range(6, 22, 2):
            render(img, corner(col, row))
    recoded = decoded_tile_cache_usage()["recoded"]
    for region, want in zip(wanted, expected):
        np.testing.assert_array_equal(np.asarray(render(img, region)[1]), want)
    assert decoded_tile_cache_usage()["recoded"] > recoded


def test_a_level_read_whole_is_kept_whole_and_never_changed_by_a_request(pyramid):
    """A level read whole (a thumbnail) is kept as it is: the next whole read shares it, and a
    request that mirrors, rotates or turns it gray works on its own copy."""
    img = Image.open(str(pyramid / "a.tif"))
    expected = np.asarray(PILImage.open(pyramid / "a.png"))
    _, first = render(img)
    _, mirrored = render(img, mirror=True)
    _, rotated = render(img, rotation=90)
    _, gray = render(img, quality="gray")
    _, again = render(img)
    np.testing.assert_array_equal(np.asarray(first), expected)
    np.testing.assert_array_equal(np.asarray(mirrored), expected[:, ::-1])
    np.testing.assert_array_equal(np.asarray(rotated), np.rot90(expected, -1))
    assert np.asarray(gray).ndim == 2
    np.testing.assert_array_equal(np.asarray(again), expected)
