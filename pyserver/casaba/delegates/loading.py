"""Finding the configured delegates: the delegate script (``delegate_script.enabled``,
``delegate_script.pathname``: a Python file defining ``class CustomDelegate``) and installed
packages named in ``delegates.plugins`` (entry points in the group ``casaba.delegates``, each
naming a delegate class); and the settings with the keys they and the overlay plugins declare.
Anything wrong stops start-up with a message naming the key."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import os
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path

import pluggy

from casaba import plugins
from casaba.delegates.builtin import builtins_for
from casaba.delegates.manager import DelegateManager
from casaba.delegates.standard import NoDelegates
from casaba.overlays.choice import basic_spec
from casaba.overlays.plugins import overlay_plugin_classes
from casaba.settings import Settings, SettingsError, load
from casaba.settings.keys import Key
from casaba.settings.load import CONFIG_ENV
from casaba.sources import source_from_settings

GROUP = "casaba.delegates"
SCRIPT_NAME = "delegate_script"
SCRIPT_MODULE = "casaba_delegate_script"


def configure(
    path: Path | None = None, environ: Mapping[str, str] | None = None, overrides: Mapping[str, str] | None = None, text: str | None = None
) -> tuple[Settings, list[tuple[str, type]]]:
    """The settings, with the keys the configured delegates and overlay plugins declare, and those
    delegates as (name, class) in the order they are asked. ``text`` is what the file at
    ``path`` is about to hold, if it is not to be read."""
    settings = load(path, environ, overrides, text=text)
    delegates = delegate_classes(settings)
    declaring = [cls for _, cls in [*delegates, *overlay_plugin_classes(settings)]]
    keys: list[Key] = [key for cls in declaring for key in getattr(cls, "settings_keys", ())]
    if keys:
        settings = load(path, environ, overrides, extra_keys=keys, text=text)
    return settings, delegates


def configure_from_environment() -> tuple[Settings, list[tuple[str, type]]]:
    """What a server worker uses: the file named by ``CASABA_CONFIG`` (if any) and the environment."""
    path = os.environ.get(CONFIG_ENV)
    return configure(Path(path) if path else None)


def manager_from_settings(settings: Settings, delegates: list[tuple[str, type]]) -> DelegateManager | NoDelegates:
    """The worker's delegate manager; without delegates, one that costs nothing."""
    if not delegates:
        return NoDelegates(source_from_settings(settings), settings.meta_identifier.delimiter)
    try:
        return DelegateManager(settings, delegates, builtins_for(settings))
    except (pluggy.PluginValidationError, ValueError) as e:
        raise SettingsError(f"a delegate cannot be used: {e}") from None


def checked_manager(settings: Settings, delegates: list[tuple[str, type]]) -> DelegateManager | NoDelegates:
    """The delegate manager, made (the delegates' ``startup`` called) and the BasicStrategy
    overlay described, as start-up does once so that what cannot work stops it."""
    basic_spec(settings.overlays)
    return manager_from_settings(settings, delegates)


def delegate_classes(settings: Settings) -> list[tuple[str, type]]:
    found: list[tuple[str, type]] = []
    if settings.delegates.script_enabled:
        found.append((SCRIPT_NAME, script_class(script_path(settings))))
    names = settings.delegates.plugin_names
    for name in names:
        found.append((name, plugins.plugin_class(GROUP, "delegates.plugins", name)))
    if len({cls for _, cls in found}) < len(found) or len(set(names)) < len(names):
        raise SettingsError("delegates.plugins names a delegate twice")
    return found


def script_path(settings: Settings) -> Path:
    """An absolute ``delegate_script.pathname``, or a relative one beside the configuration file,
    else in the working folder (as Cantaloupe looks for it)."""
    raw = settings.delegates.script_pathname
    pathname = Path(os.path.expanduser(raw))
    candidates = [pathname] if pathname.is_absolute() else [*([settings.path.parent / pathname] if settings.path else []), Path.cwd() / pathname]
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    raise SettingsError(f"delegate_script.pathname = {raw!r}: no such file (looked for {', '.join(map(str, candidates))})")


def script_class(path: Path) -> type:
    if path.suffix.lower() == ".rb":
        raise SettingsError(
            f"delegate_script.pathname = {str(path)!r} is a Ruby script: this server runs Python delegate scripts "
            "(a file defining class CustomDelegate, see the README's delegates section)"
        )
    # Read as Python whatever the file's name ends with (a name without .py has no loader of its own).
    loader = importlib.machinery.SourceFileLoader(SCRIPT_MODULE, str(path))
    spec = importlib.util.spec_from_loader(SCRIPT_MODULE, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[SCRIPT_MODULE] = module
    try:
        loader.exec_module(module)
    except Exception as e:
        where = traceback.extract_tb(e.__traceback__)[-1]
        raise SettingsError(
            f"delegate_script.pathname = {str(path)!r} failed to load: {type(e).__name__}: {e} (line {where.lineno})"
        ) from None
    cls = getattr(module, "CustomDelegate", None)
    if not inspect.isclass(cls):
        raise SettingsError(f"delegate_script.pathname = {str(path)!r} defines no class CustomDelegate")
    return cls


def installed() -> dict[str, str]:
    """Entry-point names in the group casaba.delegates, with what they point at."""
    return plugins.installed(GROUP)
