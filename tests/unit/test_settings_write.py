"""Writing changed keys back into a .properties file: everything else stays as it was written,
and what is written reads back as the values given."""

import os
import stat

import javaproperties
import pytest

from casaba.settings.write import read, rewrite, write_atomically

TRICKY = (
    "# Casaba's configuration = the tutorial's\r\n"
    "! an old-style comment: with a colon\r\n"
    "\r\n"
    "   http.port = 8182\r\n"
    "processor.jpg.quality:80\r\n"
    "overlays.BasicStrategy.string = first line \\\r\n"
    "      continued\r\n"
    "base_uri https://example.org/iiif\r\n"
    "slash_substitute = \\u2044\r\n"
    "# processor.jpg.quality = 50 (a comment, not a key)\r\n"
    "key\\ with\\ spaces = x\r\n"
    "processor.jpg.quality = 85\r\n"
    "bare.key\r\n"
    "last.key=no line end"
)


def test_a_change_keeps_every_other_line_as_written():
    new = rewrite(TRICKY, {"processor.jpg.quality": "60"})
    before, after = TRICKY.split("\r\n"), new.split("\r\n")
    assert len(before) == len(after)
    changed = [(b, a) for b, a in zip(before, after) if b != a]
    # The last of the two lines setting it is the one a reader keeps, so that one changes.
    assert changed == [("processor.jpg.quality = 85", "processor.jpg.quality = 60")]
    assert javaproperties.loads(new)["processor.jpg.quality"] == "60"


def test_separators_indentation_and_line_endings_of_a_changed_key_are_kept():
    new = rewrite(TRICKY, {"http.port": "9000", "base_uri": "https://other.org", "bare.key": "now set", "last.key": "v"})
    assert "   http.port = 9000\r\n" in new
    assert "base_uri https://other.org\r\n" in new
    assert "bare.key = now set\r\n" in new
    assert new.endswith("last.key=v")
    assert javaproperties.loads(new)["http.port"] == "9000"


def test_a_continued_value_becomes_one_line():
    new = rewrite(TRICKY, {"overlays.BasicStrategy.string": "one"})
    assert "overlays.BasicStrategy.string = one\r\nbase_uri" in new
    assert "continued" not in new


@pytest.mark.parametrize(
    "value",
    ["© Bibliothèque ✓", "  leading spaces", "trailing  ", "a = b : c # d ! e", "back\\slash", "tab\there", "line\nbreak", "", "🦀 crab"],
)
def test_values_read_back_exactly(value):
    new = rewrite(TRICKY, {"overlays.BasicStrategy.string": value, "new.key": value, "key with spaces": value})
    read_back = javaproperties.loads(new)
    assert read_back["overlays.BasicStrategy.string"] == value
    assert read_back["new.key"] == value
    assert read_back["key with spaces"] == value
    assert new.isascii(), "written as Java's Properties.store writes: \\uXXXX escapes"


def test_new_keys_go_at_the_end_with_the_files_line_endings():
    new = rewrite(TRICKY, {"overlays.BasicStrategy.enabled": "true", "overlays.BasicStrategy.type": "string"})
    assert new.startswith(TRICKY + "\r\n")
    assert new.endswith("overlays.BasicStrategy.enabled = true\r\noverlays.BasicStrategy.type = string\r\n")
    assert rewrite("a = 1\n", {"b": "2"}) == "a = 1\nb = 2\n"
    assert rewrite("", {"b": "2"}) == "b = 2\n"


def test_a_last_line_ending_in_a_backslash_does_not_swallow_a_new_key():
    new = rewrite("a = 1\\", {"b": "2"})
    assert javaproperties.loads(new) == {"a": "1", "b": "2"}


def test_removing_a_key_removes_every_line_setting_it_and_nothing_else():
    new = rewrite(TRICKY, {"processor.jpg.quality": None, "overlays.BasicStrategy.string": None, "not.there": None})
    assert "processor.jpg.quality:80" not in new and "quality = 85" not in new
    assert "# processor.jpg.quality = 50 (a comment, not a key)\r\n" in new
    assert "continued" not in new
    loaded = javaproperties.loads(new)
    assert "processor.jpg.quality" not in loaded and "not.there" not in loaded
    assert loaded["base_uri"] == "https://example.org/iiif"


def test_nothing_to_change_leaves_the_text_alone():
    assert rewrite(TRICKY, {}) == TRICKY


def test_written_atomically_with_the_files_mode_and_line_endings(tmp_path):
    path = tmp_path / "casaba.properties"
    path.write_bytes(TRICKY.encode())
    os.chmod(path, 0o600)
    inode = path.stat().st_ino
    write_atomically(path, rewrite(read(path), {"processor.jpg.quality": "60"}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_ino != inode, "replaced by a rename, not written in place"
    assert path.read_bytes().count(b"\r\n") == TRICKY.count("\r\n")
    assert [p.name for p in tmp_path.iterdir()] == ["casaba.properties"], "no temporary file left"


def test_a_link_is_written_through_to_its_target(tmp_path):
    target = tmp_path / "real.properties"
    target.write_text("a = 1\n")
    link = tmp_path / "casaba.properties"
    link.symlink_to(target)
    write_atomically(link, "a = 2\n")
    assert link.is_symlink() and target.read_text() == "a = 2\n"
