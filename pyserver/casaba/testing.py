"""Helpers for tests of Casaba and of its plugins: a real server on a free loopback port, the
contracts a Source and a derivative Cache keep, and one delegate method called the way the server
calls it."""

from __future__ import annotations

import asyncio
import inspect
import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any

from casaba.caches.base import Cache
from casaba.sources.base import Source


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_properties(path: Path, settings: Mapping[str, object]) -> Path:
    """Write ``settings`` as a ``.properties`` file (values are written as given)."""
    lines = [f"{k} = {str(v).replace(chr(92), chr(92) * 2)}" for k, v in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Ask a child process to end (SIGTERM), and kill it if it has not within ``timeout``."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"the server did not listen on port {port} within {timeout} s")


@contextmanager
def running_server(
    settings: Mapping[str, object] | None,
    *,
    workers: int = 1,
    timeout: float = 60.0,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    config_path: Path | None = None,
    wrapper: Sequence[str] = (),
) -> Iterator[str]:
    """Start ``casaba serve`` with ``settings`` on a free port; yield its base URL; stop it after.
    The server's output goes to ``log_path`` when given (for tests that read it); its
    configuration file is ``config_path`` when given (for tests that change it while it runs),
    and with ``settings`` None that file is served as it is (for a restart). ``wrapper`` is a
    command the server runs under (such as ``prlimit --fsize=N``, for a full disk)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="casaba-test-") as tmp:
        if settings is None:
            if config_path is None:
                raise ValueError("running_server(None) serves the file at config_path: give one")
            config = config_path
        else:
            config = write_properties(config_path or Path(tmp) / "casaba.properties", settings)
        log_path = log_path or Path(tmp) / "server.log"
        log = open(log_path, "wb")
        cmd = [*wrapper, sys.executable, "-m", "casaba", "serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("CASABA_")}
        child_env.update(env or {})
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=child_env)
        try:
            try:
                wait_for_port(port, proc, timeout)
            except (RuntimeError, TimeoutError) as e:
                log.flush()
                raise RuntimeError(f"{e}\n{log_path.read_text(errors='replace')}") from None
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(proc)
            log.close()


async def check_source(
    source: Source,
    present: Mapping[str, bytes],
    absent: str,
    *,
    secrets: Sequence[str] = (),
    change: Callable[[str, bytes], None] | None = None,
) -> None:
    """The contract every Source keeps (Casaba's own and a plugin's): run it in an event loop with
    a source that holds ``present`` (identifier -> bytes) and not ``absent``. No error message
    may contain any of ``secrets`` (URL prefixes, bucket names, credentials). With ``change``
    (which replaces an identifier's bytes at the origin), a change is a new version, and a remote
    object located before it refuses to be read. Closes the source at the end."""
    from casaba.errors import HttpError, NotFound
    from casaba.sources.base import LocalImage, SourceChanged

    def clean(e: HttpError) -> None:
        leaked = [s for s in secrets if s and s in e.message]
        assert not leaked, f"{type(e).__name__} {e.message!r} reveals {leaked}"

    async def refused(identifier: str) -> None:
        try:
            await source.locate(identifier)
        except NotFound as e:
            clean(e)
        else:
            raise AssertionError(f"locate({identifier!r}) found an image")

    for identifier, data in present.items():
        located = await source.locate(identifier)
        assert located.size == len(data), (identifier, located.size, len(data))
        assert located.key and located.version
        again = await source.locate(identifier)
        assert (again.key, again.version) == (located.key, located.version), "the version changed by itself"
        if isinstance(located, LocalImage):
            assert located.path.read_bytes() == data
            continue
        n = len(data)
        for offset, length in [(0, min(16, n)), (n // 2, min(1000, n - n // 2)), (n - 1, 1)]:
            got = await located.object.read(offset, length)
            assert got == data[offset : offset + length], f"read({offset}, {length}) gave other bytes"
        whole = io.BytesIO()
        await located.object.download(whole)
        assert whole.getvalue() == data, "download() gave other bytes"
    first = next(iter(present))
    await refused(absent)
    for escape in ("../" + first, "a/../../" + first, first + "\0"):
        await refused(escape)
    if change is not None:
        before = await source.locate(first)
        change(first, present[first] + b"\0")
        after = await source.locate(first)
        assert after.version != before.version and after.size == before.size + 1, "a change is not a new version"
        if not isinstance(before, LocalImage):
            try:
                await before.object.read(0, 1)
            except SourceChanged as e:
                clean(e)
            else:
                raise AssertionError("an object located before a change was read after it")
        change(first, present[first])
    await source.close()


async def check_cache(cache: Cache, *, expiring: Cache | None = None, ttl: float = 1.0) -> None:
    """The contract every derivative cache keeps (Casaba's own and a plugin's): run it in an event
    loop with an empty cache. With ``expiring``, a second cache on the same store whose time to
    live is ``ttl`` seconds, entries older than that are misses and purged as expired. Closes
    the caches at the end."""
    import asyncio

    from casaba.caches.base import IMAGE, INFO, Key

    def key(identifier: str, n: int, kind: str = IMAGE) -> Key:
        return Key(identifier, f"{n:040x}" if kind == IMAGE else f"page{n}", kind)

    async def absent(k: Key) -> None:
        assert await cache.get(k) is None, f"{k} is there"

    async def holds(c: Cache, k: Key, data: bytes) -> None:
        hit = await c.get(k)
        assert hit is not None, f"{k} is missing"
        assert hit.size == len(data) and hit.read() == data, f"{k} holds other bytes"
        if hit.path is not None:
            assert Path(hit.path).read_bytes() == data, "the file of a hit holds other bytes"

    odd = ["a.tif", "folder/b.tif", "../c.tif", "ünïcode ✓.jp2", "x" * 600, "q?a=1&b=2#frag", "d;2"]
    big = os.urandom(1 << 20)
    await absent(key("a.tif", 1))
    for n, identifier in enumerate(odd):
        await cache.put(key(identifier, n), identifier.encode() * 3)
        await cache.put(key(identifier, 1, INFO), b'{"page": 1}')
    await cache.put(key("a.tif", 100), big)
    for n, identifier in enumerate(odd):
        await holds(cache, key(identifier, n), identifier.encode() * 3)
        await holds(cache, key(identifier, 1, INFO), b'{"page": 1}')
    await holds(cache, key("a.tif", 100), big)
    kept = await asyncio.to_thread(cache.kept)
    assert kept is None or kept >= len(big), f"the cache says it keeps {kept} bytes, fewer than it was given"
    await absent(Key("a.tif", "page1", IMAGE))  # kinds do not share names
    await absent(key("a.tif", 2))

    # Writing again under a name replaces the entry whole; readers meanwhile see old or new.
    other = os.urandom(1 << 20)
    torn = 0

    async def read_while_writing() -> None:
        nonlocal torn
        for _ in range(200):
            hit = await cache.get(key("a.tif", 100))
            torn += hit is None or hit.read() not in (big, other)
            await asyncio.sleep(0)

    await asyncio.gather(cache.put(key("a.tif", 100), other), read_while_writing())
    assert torn == 0, "a reader saw an entry half-written, or none"
    await holds(cache, key("a.tif", 100), other)

    # The lock is exclusive.
    order: list[str] = []

    async def hold(tag: str) -> None:
        async with cache.lock(key("a.tif", 7)):
            order.append(tag)
            await asyncio.sleep(0.05)
            order.append(tag)

    await asyncio.gather(hold("1"), hold("2"))
    assert order in (["1", "1", "2", "2"], ["2", "2", "1", "1"]), f"two holders at once: {order}"

    # Purging one image removes all of its entries and nothing else, and changes the token.
    token = await cache.purged()
    assert await cache.purge("a.tif") == 3
    assert await cache.purged() != token, "the purge token did not change"
    for k in (key("a.tif", 0), key("a.tif", 100), key("a.tif", 1, INFO)):
        await absent(k)
    await holds(cache, key("folder/b.tif", 1), b"folder/b.tif" * 3)
    await holds(cache, key("d;2", 6), b"d;2" * 3)
    assert await cache.purge("never-cached.tif") == 0

    # Nothing is older than the default time to live.
    assert await cache.purge_expired() == 0
    await holds(cache, key("folder/b.tif", 1), b"folder/b.tif" * 3)

    token = await cache.purged()
    assert await cache.purge_all() == 2 * (len(odd) - 1)
    assert await cache.purged() != token
    for n, identifier in enumerate(odd):
        await absent(key(identifier, n))
        await absent(key(identifier, 1, INFO))

    if expiring is not None:
        await expiring.put(key("e.tif", 1), b"short-lived")
        await expiring.put(key("e.tif", 1, INFO), b"{}")
        await holds(expiring, key("e.tif", 1), b"short-lived")
        await asyncio.sleep(ttl + 1.1)  # some stores count in whole seconds
        assert await expiring.get(key("e.tif", 1)) is None, "an expired entry was served"
        assert await expiring.get(key("e.tif", 1, INFO)) is None, "an expired info was served"
        await expiring.purge_expired()
        await expiring.close()
    await cache.purge_all()
    await cache.close()


def ask_delegate(
    delegate: type,
    method: str,
    *args: Any,
    context: Mapping[str, Any] | None = None,
    settings: Mapping[str, str] | None = None,
) -> Any:
    """The raw answer of one method of a delegate class, called as the server calls it:
    ``startup`` with the settings, then a fresh instance made with no arguments, its read-only
    ``context`` and its ``settings`` set. ``context`` keys are laid over those of a plain GET from
    127.0.0.1 (``request_headers`` are matched without regard to case); ``settings`` are
    configuration values as text, the delegate's own ``settings_keys`` included. An ``async``
    method is awaited."""
    from casaba.delegates import context as ctx
    from casaba.http import Request
    from casaba.settings import load
    from casaba.settings.keys import DelegateSettings, key_of

    # As if configured as the delegate script: what asks the delegate is then allowed.
    script = {key_of(DelegateSettings, "script_enabled").name: "true"}
    values = load(None, environ={}, overrides={**script, **(settings or {})}, extra_keys=getattr(delegate, "settings_keys", ()))
    startup = getattr(delegate, "startup", None)
    if callable(startup):
        startup(values)
    request = Request("GET", "/iiif/3/image.jpg/info.json", {"host": "localhost:8182"}, "http", "localhost:8182", "127.0.0.1:50000")
    known = ctx.from_request(request, "http://localhost:8182")
    known.update(context or {})
    if not isinstance(known["request_headers"], ctx.Headers):
        known["request_headers"] = ctx.Headers((k.lower(), v) for k, v in known["request_headers"].items())
    instance = delegate()
    instance.context = MappingProxyType(known)
    instance.settings = values
    answer = getattr(instance, method)(*args)
    if inspect.isawaitable(answer):

        async def wait() -> Any:
            return await answer

        answer = asyncio.run(wait())
    return answer
