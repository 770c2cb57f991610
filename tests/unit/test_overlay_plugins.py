"""Overlay plugins as the pixel threads run them (``overlays.plugins.drawn``): each draws on the
output in turn, the core encodes what the last returns, and anything else than an image of the
same size fails the request instead of serving it without them."""

import io

import numpy as np
import pytest
from PIL import Image

from casaba import _core
from casaba.errors import ServerError
from casaba.overlays.plugins import OverlayPlugin, drawn
from casaba.settings import load


def image(mode="RGB"):
    buf = io.BytesIO()
    Image.new(mode, (64, 48), 100).save(buf, "PNG")
    return _core.Image.from_bytes(buf.getvalue())


def plugin(draw):
    cls = type("Test", (OverlayPlugin,), {"draw": lambda self, image, context: draw(image, context)})
    return cls(load(None, environ={}))


def png(img, **plan):
    return img.plan((0, 0, 64, 48), (64, 48), format="png", drawn_after=True, **plan)


def decoded(data):
    return np.asarray(Image.open(io.BytesIO(data)))


def test_plugins_draw_in_turn_and_are_told_the_request():
    seen = []

    def first(a, context):
        seen.append(context)
        a[:10] = 255
        return a

    def second(a, context):
        return np.ascontiguousarray(a[:, :, 0])  # RGB made gray: allowed

    img = image()
    out = decoded(drawn(img, png(img), [("a", plugin(first)), ("b", plugin(second))], {"identifier": "x"}, _core.Stop()))
    assert out.shape == (48, 64) and (out[:10] == 255).all() and (out[10:] == 100).all()
    assert seen == [{"identifier": "x"}]


@pytest.mark.parametrize(
    "bad",
    [
        lambda a, c: None,
        lambda a, c: a.astype(np.float32),
        lambda a, c: a[:10],
        lambda a, c: np.dstack([a, a[:, :, :1]]),  # alpha added to an image without it
        lambda a, c: 1 / 0,
    ],
)
def test_a_plugin_that_fails_or_answers_wrongly_fails_the_request(bad):
    img = image()
    with pytest.raises(ServerError) as caught:
        drawn(img, png(img), [("bad", plugin(bad))], {}, _core.Stop())
    assert caught.value.status == 500 and "overlay plugin bad" in caught.value.reason


def test_a_plan_drawn_after_is_never_a_stored_tile_and_keeps_the_encoder_settings():
    img = image()
    plan = img.plan((0, 0, 64, 48), (64, 48), format="jpg", jpeg_quality=30, drawn_after=True)
    assert not plan.passthrough
    data = drawn(img, plan, [("same", plugin(lambda a, c: a))], {}, _core.Stop())
    assert data[:2] == b"\xff\xd8" and len(data) < len(img.render(img.plan((0, 0, 64, 48), (64, 48), format="jpg", jpeg_quality=95)))
