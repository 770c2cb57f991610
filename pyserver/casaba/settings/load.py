"""Configuration from a Cantaloupe-style ``.properties`` file, environment twins and command-line
overrides, checked once into a frozen ``Settings``; ``Settings.changed`` makes the next one."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

import javaproperties

from casaba.settings.keys import FORMER_NAMES, KEYS, PATHS, Key, Sections, build

CONFIG_ENV = "CASABA_CONFIG"


class SettingsError(Exception):
    """A configuration value is unusable; the message names the key, the value and what is allowed."""


@dataclass(frozen=True)
class Settings(Sections):
    """The configuration, checked and immutable: Casaba's keys as typed attributes, by section
    (``settings.processor.jpg_quality``); the keys the configured delegates declare
    (``extra_keys``), read by name with ``value``; the file read and what was wrong with it."""

    path: Path | None = None
    warnings: tuple[str, ...] = ()
    extra_keys: tuple[Key, ...] = ()
    extra_values: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def value(self, name: str) -> Any:
        """The value of the key ``name``: how a delegate reads the keys it declares, and how
        tools that list or edit keys by name read any key. A ``KeyError`` for unknown names."""
        if name in self.extra_values:
            return self.extra_values[name]
        found: Any = self
        for attribute in PATHS[name]:
            found = getattr(found, attribute)
        return found

    def declared_keys(self) -> dict[str, Key]:
        """Every key these settings have, by name: Casaba's, then the delegates'."""
        return {**KEYS, **{k.name: k for k in self.extra_keys}}

    def changed(self, raw: Mapping[str, str | None], origin: str = "changed") -> Settings:
        """New settings: these, with the raw values given by key name parsed and checked as
        ``load`` does (None for a key's default); a bad value raises ``SettingsError`` naming
        the key."""
        keys = self.declared_keys()
        values = {name: self.value(name) for name in keys}
        for name, text in raw.items():
            if name not in keys:
                raise SettingsError(f"unknown configuration key {name}")
            values[name] = keys[name].default if text is None else _parse(keys[name], text, origin)
        return _checked(values, self.extra_keys, self.path, self.warnings)

    def keeping(self, other: Settings, names: Iterable[str]) -> Settings:
        """These settings, with the values ``other`` has for the keys ``names``."""
        values = {name: self.value(name) for name in self.declared_keys()}
        values.update({name: other.value(name) for name in names})
        return _checked(values, self.extra_keys, self.path, self.warnings)


def _parse(key: Key, raw: str, origin: str) -> Any:
    try:
        return key.kind.parse(raw)
    except ValueError:
        raise SettingsError(f"{key.name} = {raw!r} ({origin}) is not allowed: expected {key.kind.allowed}") from None


def _checked(values: dict[str, Any], extra_keys: tuple[Key, ...], path: Path | None, warnings: tuple[str, ...]) -> Settings:
    """Settings from every key's value by name, once the keys that go together agree."""
    sections = build(Sections, values)
    settings = Settings(
        **{f.name: getattr(sections, f.name) for f in fields(Sections)},
        path=path,
        warnings=warnings,
        extra_keys=extra_keys,
        extra_values=MappingProxyType({k.name: values[k.name] for k in extra_keys}),
    )
    check_together(settings)
    return settings


def load(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    extra_keys: Iterable[Key] = (),
    text: str | None = None,
) -> Settings:
    """Defaults, then the file at ``path`` (or ``text``, what it is about to hold), then
    environment twins, then ``overrides``. ``extra_keys`` are the keys the configured delegates
    declare, read the same way."""
    environ = os.environ if environ is None else environ
    keys = dict(KEYS)
    extra = tuple(extra_keys)
    for key in extra:
        if key.name in keys and keys[key.name] is not key:
            raise SettingsError(f"a delegate declares the key {key.name}, which is already taken")
        keys[key.name] = key
    values = {name: key.default for name, key in keys.items()}
    warnings: list[str] = []
    if path is not None:
        if text is None:
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise SettingsError(f"cannot read the configuration file {path}: {e.strerror}") from None
            except UnicodeDecodeError as e:
                raise SettingsError(f"the configuration file {path} is not UTF-8 text: {e}") from None
        try:
            entries = javaproperties.loads(text)
        except javaproperties.InvalidUEscapeError as e:
            raise SettingsError(f"{path}: {e}") from None
        for former, current in FORMER_NAMES.items():
            if former in entries and current not in entries:
                entries[current] = entries.pop(former)
                warnings.append(f"{path}: {former} is read as {current}, its name since Cantaloupe 4")
        unknown = sorted(k for k in entries if k not in keys)
        if unknown:
            warnings.append(f"{path}: ignoring {len(unknown)} key(s) Casaba does not use: {', '.join(unknown)}")
        for name, raw in entries.items():
            if name in keys:
                values[name] = _parse(keys[name], raw, str(path))
    for name, key in keys.items():
        if key.env in environ:
            values[name] = _parse(key, environ[key.env], f"environment {key.env}")
    for name, raw in (overrides or {}).items():
        if name not in keys:
            raise SettingsError(f"unknown configuration key {name}")
        values[name] = _parse(keys[name], raw, "command line")
    return _checked(values, tuple({k.name: k for k in extra}.values()), path, tuple(warnings))


def check_together(s: Sections) -> None:
    """Keys that only make sense with others: the chosen source's must be set; what asks the
    delegate needs one; an enabled API or control panel needs its credentials."""
    source = s.source.static
    if source == "HttpSource" and s.http_source.lookup_strategy == "BasicLookupStrategy":
        prefix = s.http_source.url_prefix
        if not prefix.startswith(("http://", "https://")):
            raise SettingsError(f"HttpSource.BasicLookupStrategy.url_prefix = {prefix!r} must be an http:// or https:// URL when source.static = HttpSource")
    basic_s3 = s.s3_source.lookup_strategy == "BasicLookupStrategy"
    if source == "S3Source" and basic_s3 and not s.s3_source.bucket_name:
        raise SettingsError("S3Source.BasicLookupStrategy.bucket.name must name a bucket when source.static = S3Source")
    if bool(s.s3_source.access_key_id) != bool(s.s3_source.secret_key):
        raise SettingsError("S3Source.access_key_id and S3Source.secret_key go together: set both, or neither for the AWS credential chain")
    strategies = (("processor.stream_retrieval_strategy", s.retrieval.stream_strategy), ("processor.fallback_retrieval_strategy", s.retrieval.fallback_strategy))
    for name, strategy in strategies:
        if strategy == "CacheStrategy" and not s.filesystem_cache.pathname:
            raise SettingsError(f"{name} = CacheStrategy needs FilesystemCache.pathname (the folder of the source cache)")
    if not s.delegates.configured:
        for setting, asks in (
            ("source.delegate = true", s.source.delegate),
            (f"{source}.lookup_strategy = ScriptLookupStrategy", s.source_of(source).lookup_strategy == "ScriptLookupStrategy"),
            ("meta_identifier.transformer = DelegateMetaIdentifierTransformer", s.meta_identifier.by_delegate),
        ):
            if asks:
                raise SettingsError(f"{setting} asks the delegate, but there is none: set delegate_script.enabled = true or delegates.plugins")
    if s.api.enabled and not (s.api.username and s.api.secret):
        raise SettingsError("endpoint.api.enabled = true needs endpoint.api.username and endpoint.api.secret (the HTTP Basic credentials of /tasks)")
    if s.admin.enabled and not (s.admin.username and s.admin.secret):
        raise SettingsError("endpoint.admin.enabled = true needs endpoint.admin.username and endpoint.admin.secret (the control panel's credentials)")
    check_caches(s)
    check_logs(s)


def check_caches(s: Sections) -> None:
    """The derivative cache chosen must be configured enough to work."""
    if s.filesystem_cache.dir_depth * s.filesystem_cache.dir_name_length > 32:
        raise SettingsError("FilesystemCache.dir.depth x FilesystemCache.dir.name_length must be at most 32 (an MD5 in hex)")
    if not s.server_cache.derivative_enabled:
        return
    cache = s.server_cache.derivative
    if not cache:
        raise SettingsError("cache.server.derivative.enabled = true needs cache.server.derivative: FilesystemCache, HeapCache, RedisCache or S3Cache")
    if cache == "FilesystemCache" and not s.filesystem_cache.pathname:
        raise SettingsError("cache.server.derivative = FilesystemCache needs FilesystemCache.pathname (the folder of the cache)")
    if cache == "FilesystemCache" and Path(s.filesystem_cache.pathname).exists() and not Path(s.filesystem_cache.pathname).is_dir():
        raise SettingsError(f"FilesystemCache.pathname = {s.filesystem_cache.pathname!r} is a file, not a folder")
    if cache == "S3Cache" and not s.s3_cache.bucket_name:
        raise SettingsError("cache.server.derivative = S3Cache needs S3Cache.bucket.name")
    if bool(s.s3_cache.access_key_id) != bool(s.s3_cache.secret_key):
        raise SettingsError("S3Cache.access_key_id and S3Cache.secret_key go together: set both, or neither for the AWS credential chain")


def check_logs(s: Sections) -> None:
    """An enabled appender must name where it writes, and a log has one file appender at most."""
    for prefix, file, rolling in s.log.appenders():
        if file.enabled and rolling.enabled:
            raise SettingsError(f"{prefix}FileAppender.enabled and {prefix}RollingFileAppender.enabled cannot both be true: choose one")
        if file.enabled and not file.pathname:
            raise SettingsError(f"{prefix}FileAppender.enabled = true needs {prefix}FileAppender.pathname")
        if rolling.enabled and not rolling.filename_pattern:
            raise SettingsError(
                f"{prefix}RollingFileAppender.enabled = true needs {prefix}RollingFileAppender.TimeBasedRollingPolicy.filename_pattern"
            )
    for prefix, syslog in (("log.application.", s.log.application.syslog), ("log.access.", s.log.access.syslog)):
        if syslog.enabled and not syslog.host:
            raise SettingsError(f"{prefix}SyslogAppender.enabled = true needs {prefix}SyslogAppender.host")


def load_from_environment() -> Settings:
    """What a server worker uses: the file named by ``CASABA_CONFIG`` (if any) and the environment."""
    path = os.environ.get(CONFIG_ENV)
    return load(Path(path) if path else None)
