"""Properties of the configuration file's reading and rewriting (property-based, with Hypothesis):
any text loads or raises ``SettingsError``, never another exception; and ``rewrite`` then
``load`` gives back the values written, keeping the comments and the keys it was not asked to
change.

test_settings.py and test_settings_write.py hold the worked examples."""

from pathlib import Path

import javaproperties
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casaba.settings.keys import KEYS
from casaba.settings.load import SettingsError, load
from casaba.settings.write import rewrite

MANY = settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
PATH = Path("casaba.properties")

# Text as a properties file holds it: Casaba's keys and others, every separator, escapes (good
# and broken), continuations, comments and line endings of every kind.
names = st.one_of(st.sampled_from(sorted(KEYS)), st.sampled_from(["unrelated.key", "a", "key\\ with\\ space", ""]),
                  st.text(max_size=12))
pieces = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["=", ":", " ", "\t", "\\", "\\\n", "\\u", "\\u00e9", "\\uZZ", "\\n", "#", "!", "\r\n", "\r", "\n", "\x00",
                     "true", "false", "0", "-1", "85", "1e999", "HeapCache", "FilesystemCache", "é", "\udcff"]),
)
values = st.lists(pieces, max_size=6).map("".join)
lines = st.builds(lambda lead, name, sep, value: lead + name + sep + value,
                  st.sampled_from(["", "  ", "#", "! "]), names, st.sampled_from(["=", " = ", ":", " ", ""]), values)
texts = st.one_of(st.lists(lines, max_size=8).map("\n".join), st.text(max_size=200))


def loads_or_refuses(text):
    try:
        return load(PATH, environ={}, text=text)
    except SettingsError:
        return None


@MANY
@given(texts)
@example("a = \\uZZZZ")  # a broken escape: a ValueError from javaproperties before
@example("processor.jpg.quality = \\u")
def test_any_text_loads_or_raises_settings_error(text):
    loads_or_refuses(text)


def test_a_file_that_is_not_utf8_is_a_settings_error(tmp_path):
    path = tmp_path / "latin1.properties"
    path.write_bytes("overlays.BasicStrategy.string = Biblioth\xe8que\n".encode("latin-1"))
    try:
        load(path, environ={})
    except SettingsError as e:
        assert str(path) in str(e)
    else:
        raise AssertionError("a file that is not UTF-8 loaded")


# Keys whose values are any text, so that whatever is written must load back as written.
TEXT_KEYS = ["overlays.BasicStrategy.string", "base_uri", "slash_substitute", "http.host"]
text_values = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)


@MANY
# A last line continued by a backslash, ended by its line end: the added key must not join it.
@example("FilesystemCache.dir.depth=\nFilesystemCache.dir.depth=\\\n", {"overlays.BasicStrategy.string": ""}, {})
@given(texts, st.dictionaries(st.sampled_from(TEXT_KEYS), text_values, min_size=1),
       st.dictionaries(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=10), text_values, max_size=3))
def test_rewritten_values_load_back_and_everything_else_stays(text, changes, unrelated):
    try:
        before = javaproperties.loads(text)
    except ValueError:
        return
    changes = {**changes, **{k: v for k, v in unrelated.items() if k not in KEYS}}
    new = rewrite(text, changes)
    after = javaproperties.loads(new)
    for key, value in changes.items():
        assert after[key] == value, (key, new)
    for key, value in before.items():
        if key not in changes:
            assert after[key] == value, (key, new)
    # Comment lines are kept as written.
    comments = [line for line in text.splitlines() if line.lstrip(" \t\f").startswith(("#", "!"))]
    kept = new.splitlines()
    assert all(c in kept for c in comments if not _inside_a_value(c, text)), new
    loaded = loads_or_refuses(new)
    if loaded is not None:
        for key, value in changes.items():
            if key in KEYS:
                assert loaded.value(key) == KEYS[key].kind.parse(value)


def _inside_a_value(line, text):
    """Whether a line that looks like a comment continues a value (after a line ending in an odd
    number of backslashes), and so belongs to that entry, which a change may rewrite."""
    lines = text.splitlines()
    i = lines.index(line)
    return i > 0 and (len(lines[i - 1]) - len(lines[i - 1].rstrip("\\"))) % 2 == 1
