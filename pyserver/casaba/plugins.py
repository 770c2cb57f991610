"""Installed plugin classes by entry point: ``<group>`` names each, and a key of the
configuration names the ones to use. Anything wrong stops start-up with a message naming the key."""

from __future__ import annotations

import inspect
from importlib.metadata import entry_points

from casaba.settings import SettingsError


def installed(group: str) -> dict[str, str]:
    """Entry-point names in ``group``, with what they point at."""
    return {ep.name: ep.value for ep in entry_points(group=group)}


def plugin_class(group: str, key: str, name: str) -> type:
    """The class the entry point ``name`` of ``group`` names; ``key`` is the setting that asked."""
    found = [ep for ep in entry_points(group=group) if ep.name == name]
    if not found:
        have = ", ".join(sorted(installed(group))) or "none"
        raise SettingsError(f"{key} names {name!r}, which is not installed (installed: {have})")
    try:
        cls = found[0].load()
    except Exception as e:
        raise SettingsError(f"{key}: {name!r} ({found[0].value}) failed to load: {type(e).__name__}: {e}") from None
    if not inspect.isclass(cls):
        raise SettingsError(f"{key}: {name!r} ({found[0].value}) is not a class")
    return cls
