"""Cantaloupe's resampling filters (processor.downscale_filter / upscale_filter): each resamples
close to Pillow's nearest equivalent where it has one, the plan names the filter it uses, and
shrinking and enlarging pick their own."""

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from casaba._core import Image

from .helpers import array, assert_close
from .synth import photo

FILTERS = ["bell", "bicubic", "box", "bspline", "hermite", "lanczos3", "mitchell", "triangle"]
PILLOW = {"bicubic": PILImage.BICUBIC, "box": PILImage.BOX, "lanczos3": PILImage.LANCZOS, "triangle": PILImage.BILINEAR}


@pytest.fixture(scope="module")
def source():
    pixels = photo(400, 300, seed=3)
    out = io.BytesIO()
    PILImage.fromarray(pixels).save(out, format="PNG")
    return Image.from_bytes(out.getvalue()), pixels


@pytest.mark.parametrize("name", FILTERS)
def test_each_filter_shrinks_the_image_smoothly(source, name):
    img, pixels = source
    plan = img.plan((0, 0, 400, 300), (160, 120), format="png", downscale_filter=name, upscale_filter="box")
    assert f"({name})" in plan.steps[1]
    out = array(img.render(plan))
    expected = np.asarray(PILImage.fromarray(pixels).resize((160, 120), PILLOW.get(name, PILImage.BICUBIC)))
    # Filters without a Pillow twin are compared with bicubic: all are smooth low-pass filters.
    assert_close(out, expected, mean=1.5 if name in PILLOW else 6, what=name)


def test_enlarging_uses_the_upscale_filter(source):
    img, _ = source
    plan = img.plan((0, 0, 100, 100), (300, 300), format="png", downscale_filter="box", upscale_filter="mitchell")
    assert "(mitchell)" in plan.steps[1]


def test_filters_give_different_pixels(source):
    img, _ = source
    outs = {name: img.render(img.plan((0, 0, 400, 300), (160, 120), format="png", downscale_filter=name)) for name in FILTERS}
    assert len(set(outs.values())) == len(FILTERS)


def test_an_unknown_filter_is_refused(source):
    img, _ = source
    with pytest.raises(ValueError, match="resampling filter"):
        img.plan((0, 0, 400, 300), (160, 120), downscale_filter="sinc")
