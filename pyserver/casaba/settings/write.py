"""Writing changed keys back into a ``.properties`` file: ``rewrite`` changes its text, keeping
comments, blank lines, order, the other keys and their formatting, and ``write_atomically``
replaces the file whole, so that a reader sees the old file or the new one."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

import javaproperties
from javaproperties.reading import KeyValue

#: The start of an entry's first line: indentation, the key as written, the separator.
_ENTRY = re.compile(r"([ \t\f]*)((?:\\.|[^ \t\f=:\\\r\n])*)([ \t\f]*[=:]?[ \t\f]*)")
_LINE_END = re.compile(r"\r\n|\r|\n")


def read(path: Path) -> str:
    """The text of the file at ``path``, its line endings as they are."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def rewrite(text: str, changes: Mapping[str, str | None]) -> str:
    """``text`` with each key of ``changes`` set to its raw value, or removed for None. A key
    set more than once is changed where it is last set (the one a reader keeps) and removed
    everywhere; a new key is added at the end. Values are escaped as Java's ``Properties.store``
    escapes them (non-ASCII characters as ``\\uXXXX``), but for ``= : # !``."""
    elements = list(javaproperties.parse(text))
    last = {e.key: i for i, e in enumerate(elements) if isinstance(e, KeyValue)}
    newline = m.group() if (m := _LINE_END.search(text)) else "\n"
    out: list[str] = []
    for i, element in enumerate(elements):
        if isinstance(element, KeyValue) and element.key in changes:
            value = changes[element.key]
            if value is None:
                continue
            if last[element.key] == i:
                out.append(_changed(element, value))
                continue
        out.append(element.source)
    added = [(k, v) for k, v in changes.items() if v is not None and k not in last]
    if added and out:
        line = out[-1].rstrip("\r\n")
        ended = line != out[-1]
        # A last line ending in a backslash would continue into the first added key: an empty
        # line ends it.
        out.append(newline * ((not ended) + _continues(line)))
    out.extend(_entry(k, v) + newline for k, v in added)
    return "".join(out)


def _changed(entry: KeyValue, value: str) -> str:
    """The entry's line(s) as one line holding ``value``: its indentation, the key as written
    and its separator kept, and its line ending."""
    lead, raw_key, separator = _ENTRY.match(entry.source).groups()  # type: ignore[union-attr]
    end = m.group() if (m := re.search(r"(\r\n|\r|\n)$", entry.source)) else ""
    line = lead + raw_key + (separator or " = ") + _escaped(value)
    if javaproperties.loads(line) != {entry.key: value}:
        # The key was written across lines, or in a way this reading does not follow.
        line = _entry(entry.key, value)
    return line + end


def _entry(key: str, value: str) -> str:
    return javaproperties.escape(key) + " = " + _escaped(value)


def _escaped(value: str) -> str:
    """``value`` escaped as Java's ``Properties.store`` escapes it, but for ``= : # !``, which
    mean nothing inside a value (and a URL reads better without them escaped)."""
    stored = javaproperties.join_key_value("", value, "")
    return re.sub(r"\\(.)", lambda m: m.group(1) if m.group(1) in "=:#!" else m.group(0), stored)


def _continues(line: str) -> bool:
    """Whether a line ends in an unescaped backslash."""
    return (len(line) - len(line.rstrip("\\"))) % 2 == 1


def write_atomically(path: Path, text: str) -> None:
    """Replace the file at ``path`` (a link's target, if a link) with ``text``: written to a
    temporary file in the same folder, then renamed over it, keeping its permissions."""
    target = path.resolve()
    try:
        mode = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
