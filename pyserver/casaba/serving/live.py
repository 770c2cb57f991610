"""Live settings: a change to the configuration file reaches every worker without a restart.

The file is the truth the worker processes share. ``apply`` checks changed keys as start-up
would and writes them into the file. Each worker's ``Watcher`` looks at the file every
``INTERVAL`` seconds; when it has changed, the worker loads it again with the environment it
started with (which still wins over the file), builds the next generation (``generation``) and
publishes it with one assignment, so that a request sees the old settings or the new, never a
mix. The old generation is closed once no request uses it. A file that no longer loads keeps
the old generation, and says why in the log. Keys that need a restart (``Key.live``) are
refused by ``apply`` and kept at their running values by the watcher."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path

from casaba import _core
from casaba.delegates.loading import checked_manager, configure
from casaba.delegates.manager import DelegateManager
from casaba.delegates.standard import NoDelegates
from casaba.filelock import FileLock
from casaba.serving import generation
from casaba.serving.iiif import IiifService
from casaba.settings import Settings, SettingsError
from casaba.settings import write

log = logging.getLogger("casaba")

#: Seconds between two looks at the configuration file.
INTERVAL = 0.25
#: Seconds an old generation is kept after its last request ended, before it is closed (what
#: a response hands to the server, a file to send, outlives the request's code).
GRACE = 1.0

Stamp = tuple[int, int, int, int]


def stamp(path: Path) -> Stamp | None:
    """What tells one version of a file from the next (device, inode, size, modification
    time); None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def changed_keys(old: Settings, new: Settings) -> list[str]:
    """The names of the keys whose values differ."""
    keys = {**old.declared_keys(), **new.declared_keys()}
    return [name for name in keys if _value(old, name) != _value(new, name)]


def _value(settings: Settings, name: str) -> object:
    try:
        return settings.value(name)
    except KeyError:  # a key only the other settings' delegates declare
        return None


async def apply(settings: Settings, changes: Mapping[str, str | None]) -> Settings:
    """Write ``changes`` (raw values by key name; None removes a key, which then has its
    default) into the configuration file ``settings`` were loaded from, once they are checked
    together as start-up checks them (the delegates made, the overlay described); every
    worker switches within about ``INTERVAL``. Returns the settings the workers load. Raises
    ``SettingsError`` naming the key, and writes nothing, for a value that is not allowed, a
    key that needs a restart, or one set by the environment (which wins over the file)."""
    path = settings.path
    if path is None:
        raise SettingsError("the server was started without a configuration file, so there is none to write changes to")
    keys = settings.declared_keys()
    for name in changes:
        key = keys.get(name)
        if key is not None and not key.live:
            raise SettingsError(f"{name} cannot change while the server runs: it needs a restart")
        if key is not None and key.env in os.environ:
            raise SettingsError(f"{name} is set by the environment variable {key.env}, which wins over the file: change it there and restart")
    # Each value alone first, for a message that names its key; keys of delegates the change
    # enables are only known below.
    settings.changed({name: raw for name, raw in changes.items() if name in keys}, "the change")
    async with FileLock(path.resolve().with_name(f".{path.resolve().name}.lock")):
        text = write.rewrite(write.read(path), changes)
        new, manager = await asyncio.to_thread(_load, path, text)
        await manager.close()
        unknown = sorted(name for name in changes if name not in new.declared_keys())
        if unknown:
            raise SettingsError(f"unknown configuration key {', '.join(unknown)}")
        write.write_atomically(path, text)
    log.info("settings changed in %s: %s", path, ", ".join(changes))
    return new


def _load(path: Path, text: str) -> tuple[Settings, DelegateManager | NoDelegates]:
    """The settings ``text`` (the file's next content) gives with this process's environment,
    and their delegate manager, made as start-up makes them."""
    settings, delegates = configure(path, text=text)
    return settings, checked_manager(settings, delegates)


class Watcher:
    """Keeps one worker's generation in step with its configuration file: ``current`` reads the
    generation requests use, ``publish`` replaces it."""

    def __init__(self, path: Path, current: Callable[[], IiifService], publish: Callable[[IiifService], None]) -> None:
        self.path = path
        self.current = current
        self.publish = publish
        # Not the file's stamp now: it may have changed since the settings were read from it
        # (an edit as the server starts). The first look reads it, and switches if it differs.
        self.seen: Stamp | None = None
        self._retiring: set[asyncio.Task[None]] = set()
        # Old generations are closed one after another, oldest first: a part a later one
        # carried over is closed only after every generation holding it is done.
        self._in_order = asyncio.Lock()

    async def run(self) -> None:
        """Look at the file every ``INTERVAL`` seconds, for ever."""
        while True:
            await asyncio.sleep(INTERVAL)
            await self.check()

    async def check(self) -> bool:
        """Switch to a new generation if the file has changed since last seen; whether it did."""
        now = stamp(self.path)
        if now is None or now == self.seen:
            return False
        try:
            text = await asyncio.to_thread(write.read, self.path)
        except (OSError, UnicodeDecodeError) as e:
            log.error("%s changed but cannot be read (%s); serving with the settings as they were", self.path, e)
            self.seen = now
            return False
        if stamp(self.path) != now:
            return False  # written to as it was read: read it again next time
        self.seen = now
        old = self.current()
        try:
            settings, delegates = await asyncio.to_thread(configure, self.path, text=text)
            for warning in settings.warnings:
                log.warning(warning)
            keys = settings.declared_keys()
            fixed = [name for name in changed_keys(old.settings, settings) if name in keys and not keys[name].live]
            if fixed:
                log.warning("%s: %s cannot change while the server runs; a restart will use the new value", self.path, ", ".join(fixed))
                settings = settings.keeping(old.settings, fixed)
            changed = changed_keys(old.settings, settings)
            if not changed:
                return False
            new = generation.build(settings, delegates, old.threads, old)
        except Exception as e:  # any failure keeps the worker serving as it was
            reason = str(e) if isinstance(e, SettingsError) else f"{type(e).__name__}: {e}"
            log.error("%s changed but cannot be used (%s); serving with the settings as they were", self.path, reason)
            return False
        if settings.decoded_tiles.max_size != old.settings.decoded_tiles.max_size:
            _core.set_decoded_tile_cache_size(settings.decoded_tiles.max_size)
        old.successor = new
        self.publish(new)
        log.info("worker %d: settings changed (%s)", os.getpid(), ", ".join(changed))
        task = asyncio.get_running_loop().create_task(self._retire(old, new))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)
        return True

    async def _retire(self, old: IiifService, new: IiifService) -> None:
        try:
            async with self._in_order:
                while old.active:
                    await asyncio.sleep(INTERVAL)
                await asyncio.sleep(GRACE)
        finally:  # and at once when the server stops
            try:
                await generation.close(old, new)
            except Exception:
                log.exception("closing an old generation's sources or caches failed")

    async def close(self) -> None:
        """Close the old generations still waiting for their requests: the server is stopping."""
        for task in list(self._retiring):
            task.cancel()
        await asyncio.gather(*self._retiring, return_exceptions=True)
