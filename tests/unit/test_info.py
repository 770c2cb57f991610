"""info.json for 3.0: tiles from the image's own tiling, sizes from its levels, limits declared."""

from casaba.iiif.info import ImageFacts, info, max_area, scale_factors, sizes
from casaba.iiif.params import Limits, Version


def test_scale_factors_reach_one_tile():
    assert scale_factors(12000, 10000, (256, 256)) == [1, 2, 4, 8, 16, 32, 64]
    assert scale_factors(256, 256, (256, 256)) == [1]
    assert scale_factors(257, 10, (256, 256)) == [1, 2]


def test_sizes_are_ceil_of_full_over_factor_smallest_first():
    out = sizes(1001, 999, [1, 2, 4, 8], 64, 1 << 30)
    assert out == [{"width": 126, "height": 125}, {"width": 251, "height": 250}, {"width": 501, "height": 500}, {"width": 1001, "height": 999}]


def test_sizes_respect_max_area_and_min_size():
    out = sizes(4000, 3000, [1, 2, 4, 8, 16, 32, 64, 128], 64, 1_000_000)
    assert out[-1] == {"width": 1000, "height": 750}
    assert min(max(s["width"], s["height"]) for s in out) >= 64


def test_max_area_is_the_smaller_limit():
    assert max_area(1000, 1000, Limits(10_000_000, 1.0)) == 1_000_000
    assert max_area(4000, 4000, Limits(10_000_000, 1.0)) == 10_000_000
    assert max_area(1000, 1000, Limits(0, 2.0)) == 4_000_000
    assert max_area(1000, 1000, Limits(0, 0)) == 1 << 30


def test_info_v3_shape():
    out = info(Version.V3, "https://h/iiif/3/x", ImageFacts(3000, 2000, (256, 256)), Limits(10_000_000, 1.0), 64, 512)
    assert out["@context"] == "http://iiif.io/api/image/3/context.json"
    assert out["type"] == "ImageService3" and out["profile"] == "level2"
    assert out["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4, 8, 16]}]
    assert out["maxArea"] == 6_000_000
    assert (out["maxWidth"], out["maxHeight"]) == (3000, 2000)
    assert "sizeUpscaling" not in out["extraFeatures"]
    assert {"mirroring", "regionByPx", "sizeByWh"} <= set(out["extraFeatures"])


def test_untiled_images_get_the_min_tile_size_and_unlimited_upscaling_declares_the_core_limit():
    out = info(Version.V3, "https://h/iiif/3/x", ImageFacts(3000, 2000, None), Limits(0, 0), 64, 512)
    assert out["tiles"][0]["width"] == 512
    assert out["maxArea"] == 1 << 30
    assert "maxWidth" not in out
    assert "sizeUpscaling" in out["extraFeatures"]


def test_info_v2_shape():
    out = info(Version.V2, "https://h/iiif/2/x", ImageFacts(3000, 2000, (256, 256)), Limits(10_000_000, 2.0), 64, 512)
    assert out["@context"] == "http://iiif.io/api/image/2/context.json"
    assert out["@id"] == "https://h/iiif/2/x"
    assert "id" not in out and "type" not in out
    assert out["protocol"] == "http://iiif.io/api/image"
    level, extras = out["profile"]
    assert level == "http://iiif.io/api/image/2/level2.json"
    assert {"jpg", "png"} <= set(extras["formats"])
    assert set(extras["qualities"]) == {"default", "color", "gray", "bitonal"}
    assert "sizeAboveFull" in extras["supports"] and "mirroring" in extras["supports"]
    assert (extras["maxWidth"], extras["maxHeight"], extras["maxArea"]) == (6000, 4000, 10_000_000)
    assert out["tiles"][0]["scaleFactors"] == [1, 2, 4, 8, 16]
