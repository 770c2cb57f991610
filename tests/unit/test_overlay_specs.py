"""Overlay configuration read as Cantaloupe reads it: CSS colours, positions by its rules, the
BasicStrategy keys and a delegate's ``overlay`` answer as one kind of spec, and fonts by name."""

import pytest

from casaba import colors
from casaba.overlays.choice import AnswerError, ImageSpec, StringSpec, basic_spec, script_spec, tag
from casaba.overlays.fonts import font_file
from casaba.settings import SettingsError, load
from casaba.settings.keys import OverlaySettings


@pytest.mark.parametrize(
    "text, rgba",
    [
        ("white", (255, 255, 255, 255)),
        ("RebeccaPurple", (102, 51, 153, 255)),
        ("#f00", (255, 0, 0, 255)),
        ("#f008", (255, 0, 0, 136)),
        ("#00ff0080", (0, 255, 0, 128)),
        ("rgb(1, 2,3)", (1, 2, 3, 255)),
        ("rgba(0, 0, 0, 100)", (0, 0, 0, 100)),  # Cantaloupe's sample: alpha 0-255
        ("rgba(0,0,0,0.5)", (0, 0, 0, 128)),  # CSS: a fraction
        ("transparent", (0, 0, 0, 0)),
    ],
)
def test_css_colours(text, rgba):
    assert colors.parse(text) == rgba


@pytest.mark.parametrize("text", ["rgb(1,2,3,4)", "rgba(1,2,3)", "#12", "nope", "rgb(300,0,0)", ""])
def test_what_is_not_a_colour(text):
    with pytest.raises(ValueError):
        colors.parse(text)


def read(tmp_path, **values):
    path = tmp_path / "c.properties"
    path.write_text("".join(f"{k} = {v}\n" for k, v in values.items()))
    return load(path, environ={}).overlays


def test_the_tutorials_string_overlay(tmp_path):
    s = read(
        tmp_path,
        **{
            "overlays.BasicStrategy.enabled": "true",
            "overlays.BasicStrategy.type": "string",
            "overlays.BasicStrategy.string": r"My DHSI Images 2024\nAll rights reserved.",
            "overlays.BasicStrategy.string.background.color": "rgba(0, 0, 0, 100)",
            "overlays.BasicStrategy.position": "Center Right",
        },
    )
    spec = basic_spec(s)
    assert isinstance(spec, StringSpec)
    assert spec.text == "My DHSI Images 2024\nAll rights reserved."
    assert (spec.position, spec.background, spec.size, spec.min_size) == ("right center", (0, 0, 0, 100), 18, 14)
    assert spec.word_wrap is False, "Cantaloupe's BasicStrategy never wraps"


def test_bad_overlay_keys_are_refused_at_start(tmp_path):
    with pytest.raises(SettingsError, match="overlays.BasicStrategy.position"):
        read(tmp_path, **{"overlays.BasicStrategy.position": "middle"})
    with pytest.raises(SettingsError, match="overlays.BasicStrategy.string.color"):
        read(tmp_path, **{"overlays.BasicStrategy.string.color": "reddish"})


def test_disabled_or_empty_overlays_draw_nothing():
    assert basic_spec(OverlaySettings()) is None
    assert basic_spec(OverlaySettings(enabled=True, type="string", string="")) is None
    assert isinstance(basic_spec(OverlaySettings(enabled=True, image="logo.png")), ImageSpec)


def test_a_delegate_answer_takes_the_defaults_it_leaves_out():
    spec = script_spec({"string": "(c)", "color": "#ff000080", "position": "top"}, OverlaySettings())
    assert isinstance(spec, StringSpec)
    assert (spec.color, spec.position, spec.size, spec.stroke_color) == ((255, 0, 0, 128), "top left", 18, (0, 0, 0, 255))
    assert spec.word_wrap is False
    image = script_spec({"image": "/logo.png", "position": "scaled", "inset": 3}, OverlaySettings())
    assert image == ImageSpec("/logo.png", "scaled", 3, (0, 0))


def test_a_delegate_answer_may_wrap_its_string():
    wrapped = script_spec({"string": "a long caption", "word_wrap": True}, OverlaySettings())
    assert isinstance(wrapped, StringSpec) and wrapped.word_wrap is True
    unwrapped = script_spec({"string": "a long caption", "word_wrap": False}, OverlaySettings())
    assert isinstance(unwrapped, StringSpec) and unwrapped.word_wrap is False
    assert tag(wrapped, None) != tag(unwrapped, None), "wrapping changes the pixels, so the cache key"


@pytest.mark.parametrize(
    "answer",
    [
        {},
        {"string": ""},
        {"string": "x", "position": "nowhere"},
        {"string": "x", "color": "reddish"},
        {"string": "x", "inset": -1},
        {"string": 5},
        {"string": "x", "word_wrap": "true"},
        {"string": "x", "word_wrap": 1},
    ],
)
def test_a_delegate_answer_that_draws_nothing_is_an_error(answer):
    with pytest.raises(AnswerError):
        script_spec(answer, OverlaySettings())


def test_the_tag_names_the_settings_and_the_bytes():
    spec = ImageSpec("/logo.png", "center", 0, (0, 0))
    assert tag(spec, b"a") != tag(spec, b"b")
    assert tag(spec, b"a") != tag(ImageSpec("/logo.png", "center", 1, (0, 0)), b"a")
    assert tag(spec, b"a") == tag(ImageSpec("/logo.png", "center", 0, (0, 0)), b"a")


def test_fonts_by_path_and_by_name(tmp_path):
    assert font_file("DejaVu Serif", 1.0)[:4] in (b"\0\1\0\0", b"OTTO", b"true")
    assert font_file("SansSerif", 2.0) != font_file("SansSerif", 1.0), "bold is another face"
    with pytest.raises(ValueError, match="cannot read the font file"):
        font_file(str(tmp_path / "missing.ttf"), 1.0)


def test_an_image_overlay_without_an_image_stops_start_up():
    with pytest.raises(SettingsError, match="overlays.BasicStrategy.image is not set"):
        basic_spec(OverlaySettings(enabled=True, type="image", image=" "))
