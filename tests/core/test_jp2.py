"""JPEG 2000 (JP2 files and raw codestreams) through the core, made by opj_compress and vips.

Tolerances:
- Lossless files decode to exactly the pixels they were made from (16-bit ones to the high
  byte), at full resolution and in any region.
- Lossy files are compared with Pillow's decode and reduced levels with opj_decompress -r
  (both OpenJPEG, other versions): the same wavelet arithmetic, so every sample within 1
  (the irreversible 9/7 transform is floating point).
- A region of a level is the same decode as the whole level, cut: exact.
- sYCC is converted with rounding where opj_decompress truncates: every sample within 1 of it.
- High-throughput (HTJ2K) regions are decoded as whole tiles (OpenJPEG 2.5 loses HT code-blocks
  of a partly decoded tile): the region tests on HT files guard that.
"""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import features

from casaba._core import Image, LimitError, UnsupportedError

from .helpers import assert_close, full, render, run
from .synth import j2k_segments, jp2_file, ycc_to_rgb

SMALL = ["rgb.jp2", "gray.jp2", "rgb.j2k", "rgba.jp2", "lossy.jp2", "rgb16.jp2", "gray16.j2k", "palette.jp2",
         "sycc.jp2"]
LOSSLESS = ["rgb.jp2", "gray.jp2", "rgb.j2k", "rgba.jp2", "rgb16.jp2", "gray16.j2k", "palette.jp2", "tiled.jp2", "tiled-parts.jp2", "tiled-tlm.j2k", "offset.jp2",
            "vips.jp2", "ht-tiled.j2c", "1x1.jp2", "17x9.jp2", "4097x40.jp2"]
TILED_LEVELS = [(1201, 901), (601, 451), (301, 226), (151, 113), (76, 57), (38, 29)]

def independent(path, tmp_path):
    """Another decoder's reading of a JPEG 2000 file: Pillow's where Pillow has OpenJPEG, else
    opj_decompress's."""
    if not features.check("jpg_2000"):
        return opj_decompress(path, tmp_path)
    with PILImage.open(path) as im:
        return np.asarray(im)


def opj_decompress(path, tmp_path, reduce=0):
    """opj_decompress's decode at a resolution reduced `reduce` times (Pillow's own `reduce`
    rounds the reduced size instead of rounding it up, and fails on most sizes)."""
    out = tmp_path / f"{path.stem}-{reduce}.png"
    if path.suffix == ".j2c":
        # opj_decompress knows codestreams only as .j2k.
        renamed = tmp_path / f"{path.stem}.j2k"
        renamed.write_bytes(path.read_bytes())
        path = renamed
    run("opj_decompress", "-i", path, "-o", out, "-r", reduce)
    with PILImage.open(out) as im:
        return np.asarray(im)


def siz(path):
    """(width, height, tile width, tile height, [(bits, signed, dx, dy)]) from the SIZ segment."""
    data = path.read_bytes()
    _, at, _ = next(s for s in j2k_segments(data) if s[0] == 0xFF51)
    body = data[at + 4 :]
    x1, y1, x0, y0, tw, th = (int.from_bytes(body[2 + 4 * i : 6 + 4 * i], "big") for i in range(6))
    count = int.from_bytes(body[34:36], "big")
    comps = [((body[36 + 3 * i] & 0x7F) + 1, body[36 + 3 * i] >> 7, body[37 + 3 * i], body[38 + 3 * i]) for i in range(count)]
    return x1 - x0, y1 - y0, tw, th, comps


def cod(path):
    """(decomposition levels, wavelet: 1 reversible 5/3, 0 irreversible 9/7) from the COD segment."""
    data = path.read_bytes()
    _, at, _ = next(s for s in j2k_segments(data) if s[0] == 0xFF52)
    return data[at + 9], data[at + 13]


# --- The fixtures are what they claim ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "container", "bits", "components", "tile", "levels", "wavelet"),
    [
        ("rgb.jp2", b"\0\0\0\x0cjP  ", 8, 3, (203, 149), 5, 1),
        ("rgb.j2k", b"\xff\x4f\xff\x51", 8, 3, (203, 149), 5, 1),
        ("gray.jp2", b"\0\0\0\x0cjP  ", 8, 1, (203, 149), 5, 1),
        ("rgba.jp2", b"\0\0\0\x0cjP  ", 8, 4, (203, 149), 5, 1),
        ("lossy.jp2", b"\0\0\0\x0cjP  ", 8, 3, (203, 149), 5, 0),
        ("rgb16.jp2", b"\0\0\0\x0cjP  ", 16, 3, (203, 149), 5, 1),
        ("gray16.j2k", b"\xff\x4f\xff\x51", 16, 1, (203, 149), 5, 1),
        ("tiled.jp2", b"\0\0\0\x0cjP  ", 8, 3, (256, 256), 5, 1),
        ("tiled-lossy.j2k", b"\xff\x4f\xff\x51", 8, 3, (256, 256), 5, 0),
    ],
)
def test_the_files_are_what_they_claim(jp2s, name, container, bits, components, tile, levels, wavelet):
    files, _ = jp2s
    assert files[name].read_bytes().startswith(container)
    *_, tw, th, comps = siz(files[name])
    assert (len(comps), comps[0][0], comps[0][1], (tw, th)) == (components, bits, 0, tile)
    assert cod(files[name]) == (levels, wavelet)


@pytest.mark.parametrize("name", ["ht-tiled.j2c", "ht-lossy.j2c"])
def test_the_ht_files_use_the_high_throughput_block_coder(jp2s, name):
    files, _ = jp2s
    data = files[name].read_bytes()
    _, at, _ = next(s for s in j2k_segments(data) if s[0] == 0xFF52)
    assert data[at + 12] & 0x40


def test_the_subsampled_file_has_half_resolution_chroma(jp2s):
    files, _ = jp2s
    *_, comps = siz(files["subsampled.jp2"])
    assert [c[2:] for c in comps] == [(1, 1), (2, 2), (2, 2)]
    assert b"colr\x01\x00\x00\x00\x00\x00\x12" in files["subsampled.jp2"].read_bytes()


def test_the_palette_file_has_one_component_and_a_palette(jp2s):
    files, _ = jp2s
    data = files["palette.jp2"].read_bytes()
    assert len(siz(files["palette.jp2"])[4]) == 1 and b"pclr" in data and b"cmap" in data


# --- Structure ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "channels", "levels", "tile"),
    [
        ("rgb.jp2", 3, [(203, 149), (102, 75), (51, 38), (26, 19), (13, 10), (7, 5)], None),
        ("gray.jp2", 1, [(203, 149), (102, 75), (51, 38), (26, 19), (13, 10), (7, 5)], None),
        ("rgba.jp2", 4, [(203, 149), (102, 75), (51, 38), (26, 19), (13, 10), (7, 5)], None),
        ("palette.jp2", 3, [(203, 149), (102, 75), (51, 38), (26, 19), (13, 10), (7, 5)], None),
        ("tiled.jp2", 3, TILED_LEVELS, (256, 256)),
        ("tiled-lossy.j2k", 3, TILED_LEVELS, (256, 256)),
        ("vips.jp2", 3, [(1201, 901), (601, 451), (301, 226), (151, 113)], (512, 512)),
        ("ht-tiled.j2c", 3, TILED_LEVELS, (256, 256)),
        ("1x1.jp2", 3, [(1, 1)], None),
        ("17x9.jp2", 3, [(17, 9), (9, 5), (5, 3)], None),
    ],
)
def test_structure(jp2s, name, channels, levels, tile):
    files, _ = jp2s
    img = Image.open(files[name])
    assert (img.format, img.compression, img.channels) == ("jp2", "jpeg2000", channels)
    assert (img.width, img.height) == levels[0]
    assert img.levels == levels
    assert img.tile_size == tile


def test_the_format_is_recognised_by_its_bytes_not_its_name(jp2s, tmp_path):
    files, _ = jp2s
    for name in ("rgb.jp2", "rgb.j2k"):
        renamed = tmp_path / (name + ".jpg")
        renamed.write_bytes(files[name].read_bytes())
        assert Image.open(renamed).format == "jp2"
        assert Image.from_bytes(files[name].read_bytes()).format == "jp2"


# --- Pixels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", LOSSLESS)
def test_lossless_files_decode_to_their_source(jp2s, name):
    files, expected = jp2s
    np.testing.assert_array_equal(full(Image.open(files[name]), format="png"), expected[name])


@pytest.mark.parametrize("name", ["rgb.jp2", "gray.jp2", "rgba.jp2", "lossy.jp2", "tiled.jp2", "tiled-lossy.j2k",
                                  "ht-lossy.j2c"])
def test_full_resolution_matches_another_decoder(jp2s, name, tmp_path):
    files, _ = jp2s
    want = independent(files[name], tmp_path)
    assert_close(full(Image.open(files[name]), format="png"), want, mean=0.05, peak=1, what=name)


@pytest.mark.parametrize("name", ["rgb.jp2", "lossy.jp2", "tiled.jp2", "tiled-lossy.j2k", "gray16.j2k", "ht-lossy.j2c"])
def test_reduced_levels_match_opj_decompress(jp2s, name, tmp_path):
    files, _ = jp2s
    img = Image.open(files[name])
    for level, (w, h) in enumerate(img.levels[1:4], start=1):
        plan, out = render(img, size=(w, h))
        assert (plan.level, plan.read, plan.resized) == (level, (0, 0, w, h), False)
        want = opj_decompress(files[name], tmp_path, level)
        if name == "gray16.j2k":
            # 16-bit gray comes back as 16-bit integers: the core keeps the high byte.
            want = (want >> 8).astype(np.uint8)
        assert_close(np.asarray(out), want, mean=0.05, peak=1, what=f"{name} level {level}")


def test_the_subsampled_file_matches_opj_decompress(jp2s, tmp_path):
    files, _ = jp2s
    run("opj_decompress", "-i", files["subsampled.jp2"], "-o", tmp_path / "ref.ppm")
    ref = np.asarray(PILImage.open(tmp_path / "ref.ppm"))
    assert_close(full(Image.open(files["subsampled.jp2"]), format="png"), ref, mean=0.6, peak=1, what="4:2:0")


def test_sycc_is_converted_to_rgb(jp2s):
    files, expected = jp2s
    want = ycc_to_rgb(expected["rgb.jp2"])
    assert_close(full(Image.open(files["sycc.jp2"]), format="png"), want, mean=0.01, peak=1, what="sYCC")


REGIONS = [(0, 0, 17, 9), (1, 1, 50, 50), (51, 33, 100, 77), (150, 100, 53, 49), (201, 147, 2, 2), (3, 7, 1, 1)]
TILED_REGIONS = [(0, 0, 256, 256), (255, 255, 2, 2), (300, 200, 600, 300), (1024, 768, 177, 133), (1000, 0, 201, 901)]


@pytest.mark.parametrize("name", [*SMALL, "subsampled.jp2", "tiled.jp2", "tiled-lossy.j2k", "vips.jp2", "ht-tiled.j2c",
                                  "ht-lossy.j2c", "tiled-parts.jp2", "tiled-tlm.j2k", "offset.jp2"])
def test_a_region_is_the_same_region_of_a_full_decode(jp2s, name):
    files, _ = jp2s
    img = Image.open(files[name])
    whole = full(img, format="png")
    for x, y, w, h in REGIONS + (TILED_REGIONS if img.width > 1000 else []):
        plan, out = render(img, (x, y, w, h))
        assert plan.read == (x, y, w, h)
        np.testing.assert_array_equal(np.asarray(out), whole[y : y + h, x : x + w], err_msg=str((x, y, w, h)))


@pytest.mark.parametrize("name", ["tiled.jp2", "tiled-lossy.j2k", "subsampled.jp2", "ht-tiled.j2c", "tiled-parts.jp2",
                                  "tiled-tlm.j2k"])
@pytest.mark.parametrize("level", [1, 2, 3])
def test_a_region_of_a_reduced_level_is_the_same_region_of_that_level(jp2s, name, level):
    files, _ = jp2s
    img = Image.open(files[name])
    lw, lh = img.levels[level]
    _, whole = render(img, size=(lw, lh))
    whole = np.asarray(whole)
    d = 1 << level
    for x, y, w, h in [(0, 0, 64, 64), (37, 21, 40, 30), (lw - 13, lh - 7, 13, 7)]:
        region = (x * d, y * d, min(w * d, img.width - x * d), min(h * d, img.height - y * d))
        plan, out = render(img, region, (w, h))
        assert (plan.level, plan.read, plan.resized) == (level, (x, y, w, h), False)
        np.testing.assert_array_equal(np.asarray(out), whole[y : y + h, x : x + w], err_msg=str((x, y, w, h)))


ONE_ROW_OF_TILES = [(0, 0, 256, 256), (512, 256, 256, 256), (300, 520, 400, 200), (1024, 768, 177, 133)]


def renders_of_one_row_of_tiles(img):
    """Reads within one row of tiles, large enough to be spread over idle cores: the first
    render samples the machine's idle time, the rest (after a window) use it."""
    render(img, ONE_ROW_OF_TILES[0])
    time.sleep(0.3)
    return [np.asarray(render(img, region)[1]) for region in ONE_ROW_OF_TILES]


@pytest.mark.parametrize("name", ["tiled.jp2", "tiled-lossy.j2k"])
def test_a_read_spread_over_idle_cores_decodes_as_on_one_thread(jp2s, name):
    # Idle, a tile is decoded on OpenJPEG's own threads; with every core busy, on the caller's.
    img = Image.open(jp2s[0][name])
    spread = renders_of_one_row_of_tiles(img)
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        alone = renders_of_one_row_of_tiles(img)
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    for region, a, b in zip(ONE_ROW_OF_TILES, spread, alone):
        np.testing.assert_array_equal(a, b, err_msg=str(region))


def with_tlm_lengths_rotated(data):
    """A copy whose TLM marker gives each tile-part the length of the next one: wrong, and
    well-formed."""
    out = bytearray(data)
    tlm = [s for s in j2k_segments(data) if s[0] == 0xFF55]
    assert tlm, "the file has a TLM marker"
    for _, at, length in tlm:
        stlm = data[at + 5]
        index_bytes, length_bytes = (stlm >> 4) & 3, 4 if stlm & 0x40 else 2
        step = index_bytes + length_bytes
        starts = range(at + 6 + index_bytes, at + 2 + length, step)
        lengths = [data[i : i + length_bytes] for i in starts]
        for i, value in zip(starts, lengths[1:] + lengths[:1]):
            out[i : i + length_bytes] = value
    return bytes(out)


def test_regions_are_found_by_the_tile_part_index_not_a_tlm_marker(jp2s, tmp_path):
    # A read is given only its tiles, with the TLM marker left out: OpenJPEG would seek by it
    # (and here fail: "Did not get expected SOT marker"), and set up every tile of the image.
    files, expected = jp2s
    misleading = tmp_path / "misleading-tlm.j2k"
    misleading.write_bytes(with_tlm_lengths_rotated(files["tiled-tlm.j2k"].read_bytes()))
    img = Image.open(misleading)
    want = expected["tiled-tlm.j2k"]
    for x, y, w, h in TILED_REGIONS:
        _, out = render(img, (x, y, w, h))
        np.testing.assert_array_equal(np.asarray(out), want[y : y + h, x : x + w], err_msg=str((x, y, w, h)))
    _, out = render(img, size=img.levels[2])
    np.testing.assert_array_equal(np.asarray(out), np.asarray(render(Image.open(files["tiled-tlm.j2k"]), size=img.levels[2])[1]))


# --- Plans ----------------------------------------------------------------------------------


# region, size -> level, rectangle read in the level, resized
PLANS = [
    ((0, 0, 1201, 901), (151, 113), 3, (0, 0, 151, 113), False),
    ((0, 0, 1201, 901), (100, 75), 3, (0, 0, 151, 113), True),
    ((0, 0, 1201, 901), (38, 29), 5, (0, 0, 38, 29), False),
    ((512, 512, 256, 256), (64, 64), 2, (128, 128, 64, 64), False),
    ((1024, 768, 177, 133), (45, 34), 2, (256, 192, 45, 34), False),
    ((256, 256, 256, 256), (256, 256), 0, (256, 256, 256, 256), False),
]


@pytest.mark.parametrize(("region", "size", "level", "read", "resized"), PLANS)
def test_a_plan_for_a_small_output_reads_a_small_rect_of_a_reduced_level(jp2s, region, size, level, read, resized):
    files, _ = jp2s
    plan = Image.open(files["tiled.jp2"]).plan(region, size)
    assert (plan.level, plan.read, plan.resized) == (level, read, resized)


@pytest.mark.parametrize(("region", "size", "level"), [p[:3] for p in PLANS if p[4]])
def test_a_resized_read_is_close_to_the_same_box_of_the_level_resized(jp2s, tmp_path, region, size, level):
    files, _ = jp2s
    img = Image.open(files["tiled.jp2"])
    plan, out = render(img, region, size)
    # The box in the level's coordinates; the image's right and bottom edges are the level's.
    d = 1 << level
    (lw, lh), (x, y, w, h) = img.levels[level], region
    box = (x / d, y / d, lw if x + w == img.width else (x + w) / d, lh if y + h == img.height else (y + h) / d)
    want = np.asarray(PILImage.fromarray(opj_decompress(files["tiled.jp2"], tmp_path, level)).resize(size, PILImage.LANCZOS, box=box))
    assert_close(np.asarray(out), want, mean=1.0, p99=6, what=plan.steps)


# --- What is refused ------------------------------------------------------------------------


def test_unsupported_colour_spaces_and_alpha(jp2s):
    files, _ = jp2s
    codestream = files["rgb.j2k"].read_bytes()
    for enumcs in (12, 14, 24):  # CMYK, CIELab, e-sYCC
        with pytest.raises(UnsupportedError):
            Image.from_bytes(jp2_file(codestream, enumcs=enumcs))
    premultiplied = [(0, 0, 1), (1, 0, 2), (2, 0, 3), (3, 2, 0)]
    with pytest.raises(UnsupportedError):
        Image.from_bytes(jp2_file(codestream_of(files["rgba.jp2"]), cdef=premultiplied))


def codestream_of(path):
    data = path.read_bytes()
    return data[data.find(b"\xff\x4f\xff\x51") :]


def test_five_components_are_unsupported(tmp_path):
    raw = tmp_path / "five.raw"
    raw.write_bytes(bytes(range(256)) * 5 * 4)
    run("opj_compress", "-i", raw, "-o", tmp_path / "five.j2k", "-F", "32,32,5,8,u")
    with pytest.raises(UnsupportedError, match="5 channels"):
        Image.open(tmp_path / "five.j2k")


def test_an_icc_profile_in_the_colour_box_travels_to_the_output(tmp_path):
    import io

    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    PILImage.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(tmp_path / "flat.png")
    run("opj_compress", "-i", tmp_path / "flat.png", "-o", tmp_path / "flat.j2k")
    img = Image.from_bytes(jp2_file(codestream_of(tmp_path / "flat.j2k"), icc=srgb))
    out = img.render(img.plan((0, 0, 60, 40), (60, 40), format="png"))
    assert PILImage.open(io.BytesIO(out)).info.get("icc_profile") == srgb


# --- Limits ---------------------------------------------------------------------------------


def test_a_tiled_image_over_the_limit_still_serves_small_regions(jp2s):
    files, expected = jp2s
    img = Image.open(files["tiled.jp2"], max_decode_pixels=400 * 400)
    plan, out = render(img, (300, 200, 400, 400))
    np.testing.assert_array_equal(np.asarray(out), expected["tiled.jp2"][200:600, 300:700])
    with pytest.raises(LimitError):
        render(img, (300, 200, 401, 400))
    with pytest.raises(LimitError):
        render(img)


def test_an_untiled_image_whose_tile_setup_is_over_the_limit_is_refused(jp2s):
    files, _ = jp2s
    # OpenJPEG's bookkeeping for the one 203x149 tile is about 100 KiB: fine at 64 Kpx,
    # refused at 16 px.
    Image.open(files["rgb.jp2"], max_decode_pixels=1 << 16)
    with pytest.raises(LimitError, match="setting up"):
        Image.open(files["rgb.jp2"], max_decode_pixels=16)
