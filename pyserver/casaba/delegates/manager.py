"""The delegate manager: the configured delegate classes registered as pluggy plugins, which
hooks they implement (recorded once, at start-up, so that a request asks only what someone
answers), and a ``DelegateCall`` per request that makes the fresh instances, calls them within
the time bound and reads their answers.

pluggy keeps the registry (specifications, signature checks, order, ``tryfirst``/``trylast``);
the calls are made here rather than through ``pm.hook``, because methods may be ``async``, a
plain method may run on a thread, and the answers combine per hook (see ``hookspecs``)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import pluggy

from casaba.delegates import answers, context as ctx
from casaba.delegates.answers import NO_DECISIONS, Decisions, DelegateError, Redirect, ScaleRedirect
from casaba.delegates.hookspecs import HOOKS, PROJECT, Delegate
from casaba.delegates.sources import SourceRouter
from casaba.errors import Redirect as RedirectResponse
from casaba.http import Request
from casaba import meta_identifier
from casaba.iiif.info import PROFILES, PROTOCOL
from casaba.meta_identifier import MetaIdentifier
from casaba.iiif.params import ImageRequest, Resolved, Version
from casaba.settings import Settings, SettingsError
from casaba.sources.base import SourceImage

log = logging.getLogger("casaba.delegates")

#: Threads for plain delegate methods that may block (``Delegate.blocking``).
DELEGATE_THREADS = 16
#: Hooks asked about image requests once the image is open.
IMAGE_HOOKS = frozenset({"authorize", "redactions", "overlay", "metadata"})
_DEFAULT_OPTS = {"wrapper": False, "hookwrapper": False, "optionalhook": False, "tryfirst": False, "trylast": False, "specname": None}


class DelegatePluginManager(pluggy.PluginManager):
    """pluggy's manager, taking delegate classes as plugins: each method named like a hook and
    not inherited from ``Delegate`` implements it (``@hookimpl(...)`` on it adds options)."""

    def __init__(self) -> None:
        super().__init__(PROJECT)
        self.add_hookspecs(Delegate)

    def parse_hookimpl_opts(self, plugin: Any, name: str) -> Any:
        if name not in HOOKS or not inspect.isclass(plugin):
            return None
        function = inspect.getattr_static(plugin, name, None)
        if not inspect.isfunction(function) or function is vars(Delegate)[name]:
            return None
        return super().parse_hookimpl_opts(plugin, name) or dict(_DEFAULT_OPTS)


@dataclass(frozen=True)
class Impl:
    """One delegate class's method for one hook."""

    plugin: str
    cls: type
    name: str
    is_async: bool
    blocking: bool

    def __str__(self) -> str:
        return f"{self.plugin} {self.cls.__qualname__}.{self.name}()"


class DelegateManager:
    """The delegates of one worker. ``delegates`` are (name, class) in the order they are asked;
    ``builtins`` are Casaba's configuration-driven answers, registered the same way."""

    #: Delegates may answer each request differently (who asks, from where): nothing is remembered.
    per_request = True

    def __init__(self, settings: Settings, delegates: Sequence[tuple[str, type]], builtins: Sequence[tuple[str, type]] = ()) -> None:
        self.settings = settings
        self.timeout = settings.delegates.timeout
        self.memoize = settings.delegates.cache_enabled
        self.delimiter = settings.meta_identifier.delimiter
        self.delegate_transformer = settings.meta_identifier.by_delegate
        for name, cls in delegates:
            startup = getattr(cls, "startup", None)
            if callable(startup):
                try:
                    startup(settings)
                except ValueError as e:
                    raise SettingsError(f"delegate {name}: {e}") from None
        pm = DelegatePluginManager()
        # pluggy asks the plugin registered last first.
        for name, cls in reversed([*delegates, *builtins]):
            pm.register(cls, name)
        self.plugins = [name for name, _ in delegates]
        self.chains: dict[str, tuple[Impl, ...]] = {
            hook: tuple(self._impl(i, hook) for i in reversed(getattr(pm.hook, hook).get_hookimpls())) for hook in HOOKS
        }
        # Cantaloupe asks for an overlay only under ScriptStrategy, and for redactions only while
        # redaction is enabled.
        off = set() if settings.overlays.strategy == "ScriptStrategy" else {"overlay"}
        if not settings.redaction.enabled:
            off.add("redactions")
        #: The hooks someone answers and the configuration asks; every other hook is never called.
        self.implemented = frozenset(hook for hook, chain in self.chains.items() if chain and hook not in off)
        self.sources = SourceRouter(settings)
        self.asks_image = bool(self.implemented & IMAGE_HOOKS)
        self._executor: ThreadPoolExecutor | None = None

    @staticmethod
    def _impl(hookimpl: Any, hook: str) -> Impl:
        cls = hookimpl.plugin
        function = hookimpl.function
        return Impl(hookimpl.plugin_name, cls, function.__name__, inspect.iscoroutinefunction(function), bool(getattr(cls, "blocking", True)))

    @property
    def executor(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=DELEGATE_THREADS, thread_name_prefix="casaba-delegate")
        return self._executor

    def start(self, request: Request, base: str, relocate: Callable[[str], str], info: tuple[Version, str] | None = None) -> DelegateCall:
        """A request's call. ``relocate`` gives the URL of this same request for another
        meta-identifier; ``info`` is (version, image id) for info.json requests."""
        return DelegateCall(self, request, base, relocate, info)

    async def close(self) -> None:
        await self.sources.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


class DelegateCall:
    """One request's dealings with the delegates: its context (made when first needed), a fresh
    instance of each delegate class (likewise), and the meaning of their answers."""

    def __init__(self, manager: DelegateManager, request: Request, base: str, relocate: Callable[[str], str], info: tuple[Version, str] | None) -> None:
        self.m = manager
        self.request = request
        self.base = base
        self.relocate = relocate
        self.info = info
        self.meta = MetaIdentifier("")
        self._context: dict[str, Any] | None = None
        self._view: MappingProxyType[str, Any] | None = None
        self._instances: dict[type, Any] = {}
        self._memo: dict[Any, Any] | None = {} if manager.memoize else None

    @property
    def asks_image(self) -> bool:
        """Whether image requests have more to ask once the image is open."""
        return self.m.asks_image

    @property
    def context(self) -> dict[str, Any]:
        if self._context is None:
            self._context = ctx.from_request(self.request, self.base)
            ctx.identify(self._context, self.meta)
        return self._context

    # The steps of a request, in order.

    async def meta_identifier(self, text: str) -> MetaIdentifier:
        if self.m.delegate_transformer:
            parts = await self.first("deserialize_meta_identifier", text)
            meta = answers.meta_identifier(parts, "deserialize_meta_identifier")
        else:
            meta = meta_identifier.parse(text, self.m.delimiter)
        self.identify(meta)
        return meta

    def identify(self, meta: MetaIdentifier) -> None:
        self.meta = meta
        if self._context is not None:
            ctx.identify(self._context, meta)

    async def serialize(self, meta: MetaIdentifier) -> str:
        if not self.m.delegate_transformer:
            return meta_identifier.serialize(meta, self.m.delimiter)
        text = await self.first("serialize_meta_identifier", answers.components(meta))
        if not isinstance(text, str) or not text:
            raise DelegateError(f"serialize_meta_identifier answered {text!r}; expected a string")
        return text

    async def pre_authorize(self) -> None:
        if "pre_authorize" in self.m.implemented:
            await self._authorize("pre_authorize")

    async def locate(self, identifier: str) -> SourceImage:
        if not self.m.sources.asks_delegate:
            return await self.m.sources.locate(identifier)
        return await self.m.sources.locate_for(self, identifier)

    async def extra_info_keys(self, version: Version, width: int, height: int, pages: int) -> dict[str, Any]:
        hook = f"extra_iiif{version.value}_information_response_keys"
        if hook not in self.m.implemented:
            return {}
        ctx.image_opened(self.context, width, height, pages)
        return await self._merged(hook)

    async def image_decisions(
        self, req: ImageRequest, resolved: Resolved, region: tuple[int, int, int, int], full: tuple[int, int], pages: int
    ) -> Decisions:
        """``authorize``, then the redactions, overlay and metadata answers, as plain data."""
        if not self.m.asks_image:
            return NO_DECISIONS
        ctx.image_opened(self.context, full[0], full[1], pages)
        ctx.image_request(self.context, req, resolved, region)
        implemented = self.m.implemented
        if "authorize" in implemented:
            await self._authorize("authorize")
        redactions: tuple[answers.Redaction, ...] = ()
        if "redactions" in implemented:
            for impl in self.m.chains["redactions"]:
                redactions += answers.redactions(await self.ask(impl, ()), str(impl))
        overlay = await self.first("overlay") if "overlay" in implemented else None
        if overlay is not None:
            overlay = answers.frozen(answers.checked_dict(overlay, "overlay"))
        metadata = await self.first("metadata") if "metadata" in implemented else None
        if metadata is not None and not isinstance(metadata, str):
            raise DelegateError(f"metadata answered {type(metadata).__name__}; expected XMP as a string or None")
        return Decisions(redactions, overlay or None, metadata or None)

    # Asking.

    async def _authorize(self, hook: str) -> None:
        """Every delegate must allow; the first that does not decides the answer."""
        for impl in self.m.chains[hook]:
            v = answers.verdict(await self.ask(impl, ()), str(impl))
            if isinstance(v, answers.Allowed):
                continue
            if isinstance(v, ScaleRedirect):
                wanted = meta_identifier.normalized(replace(self.meta, scale=v.scale))
                if wanted.scale == self.meta.scale:
                    continue
                raise RedirectResponse(v.status, self.relocate(await self.serialize(wanted)))
            if isinstance(v, Redirect):
                raise RedirectResponse(v.status, v.location)
            raise answers.refusal(v, await self._denied_info(v) if self.info else None)

    async def _denied_info(self, v: answers.Denied) -> dict[str, Any]:
        """Cantaloupe's info.json for a refused request: enough for a client to find the
        authentication service among the extra keys."""
        assert self.info is not None
        version, image_id = self.info
        profile = PROFILES[version]
        if version is Version.V3:
            body: dict[str, Any] = {"@context": profile.context, "id": image_id, "type": "ImageService3", "protocol": PROTOCOL, "profile": "level2"}
        else:
            body = {"@context": profile.context, "@id": image_id, "protocol": PROTOCOL, "profile": [profile.level2]}
        body.update(status=v.status, message=answers.message(v))
        hook = f"extra_iiif{version.value}_information_response_keys"
        if hook in self.m.implemented:
            try:
                body.update(await self._merged(hook))
            except DelegateError as e:
                # The request is refused either way: a failing extra key costs only the keys.
                log.error("%s (answering a refused info.json without extra keys)", e.reason, exc_info=e.__cause__)
        return body

    async def _merged(self, hook: str) -> dict[str, Any]:
        """The dictionaries of every delegate, merged; an earlier delegate's keys win."""
        found = [answers.checked_dict(await self.ask(impl, ()), str(impl)) for impl in self.m.chains[hook]]
        merged: dict[str, Any] = {}
        for d in reversed(found):
            merged.update(d)
        return merged

    async def first(self, hook: str, *args: Any) -> Any:
        """The first answer that is not None."""
        for impl in self.m.chains[hook]:
            answer = await self.ask(impl, args)
            if answer is not None:
                return answer
        return None

    async def ask(self, impl: Impl, args: tuple[Any, ...]) -> Any:
        """One delegate method's answer, within the time bound; any failure is a DelegateError."""
        memo, key = self._memo, None
        if memo is not None:
            key = (impl.plugin, impl.name, answers.frozen(args))
            if key in memo:
                return memo[key]
        answer = await self._call(impl, args)
        if memo is not None:
            memo[key] = answer
        return answer

    async def _call(self, impl: Impl, args: tuple[Any, ...]) -> Any:
        timeout = self.m.timeout
        try:
            method = getattr(self._instance(impl.cls), impl.name)
            if impl.is_async:
                async with asyncio.timeout(timeout):
                    return await method(*args)
            if impl.blocking:
                work = asyncio.get_running_loop().run_in_executor(self.m.executor, method, *args)
                answer = await asyncio.wait_for(work, timeout)
            else:
                started = time.perf_counter()
                answer = method(*args)
                if time.perf_counter() - started > timeout:
                    log.warning("%s took %.3f s on the event loop; set blocking = True on it", impl, time.perf_counter() - started)
            if inspect.isawaitable(answer):
                async with asyncio.timeout(timeout):
                    answer = await answer
            return answer
        except TimeoutError:
            raise DelegateError(f"{impl} did not answer within delegates.timeout = {timeout:g} s") from None
        except Exception as e:
            raise DelegateError(f"{impl} raised {type(e).__name__}: {e}") from e

    def _instance(self, cls: type) -> Any:
        instance = self._instances.get(cls)
        if instance is None:
            if self._view is None:
                self._view = MappingProxyType(self.context)
            instance = cls()
            instance.context = self._view
            instance.settings = self.m.settings
            self._instances[cls] = instance
        return instance

