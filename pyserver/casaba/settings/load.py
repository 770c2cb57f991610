"""Configuration from a Cantaloupe-style ``.properties`` file, environment twins and command-line
overrides, checked once into a frozen ``Settings``."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import javaproperties

from casaba.settings.keys import FORMER_NAMES, KEYS, Key

CONFIG_ENV = "CASABA_CONFIG"


class SettingsError(Exception):
    """A configuration value is unusable; the message names the key, the value and what is allowed."""


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any]
    path: Path | None = None
    warnings: tuple[str, ...] = field(default=())

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def _parse(key: Key, raw: str, origin: str) -> Any:
    name = key.name
    try:
        return key.kind.parse(raw)
    except ValueError:
        raise SettingsError(f"{name} = {raw!r} ({origin}) is not allowed: expected {key.kind.allowed}") from None


def load(
    path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    extra_keys: Iterable[Key] = (),
) -> Settings:
    """Defaults, then the file at ``path``, then environment twins, then ``overrides``.
    ``extra_keys`` are the keys the configured delegates declare, read the same way."""
    environ = os.environ if environ is None else environ
    keys = dict(KEYS)
    for key in extra_keys:
        if key.name in keys and keys[key.name] is not key:
            raise SettingsError(f"a delegate declares the key {key.name}, which is already taken")
        keys[key.name] = key
    values = {name: key.default for name, key in keys.items()}
    warnings: list[str] = []
    if path is not None:
        try:
            with open(path, encoding="utf-8") as f:
                entries = javaproperties.load(f)
        except OSError as e:
            raise SettingsError(f"cannot read the configuration file {path}: {e.strerror}") from None
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
    check_together(values)
    return Settings(MappingProxyType(values), path, tuple(warnings))


def check_together(values: Mapping[str, Any]) -> None:
    """Keys that only make sense with others: the chosen source's must be set; what asks the
    delegate needs one."""
    source = values["source.static"]
    if source == "HttpSource" and values["HttpSource.lookup_strategy"] == "BasicLookupStrategy":
        prefix = values["HttpSource.BasicLookupStrategy.url_prefix"]
        if not prefix.startswith(("http://", "https://")):
            raise SettingsError(f"HttpSource.BasicLookupStrategy.url_prefix = {prefix!r} must be an http:// or https:// URL when source.static = HttpSource")
    basic_s3 = values["S3Source.lookup_strategy"] == "BasicLookupStrategy"
    if source == "S3Source" and basic_s3 and not values["S3Source.BasicLookupStrategy.bucket.name"]:
        raise SettingsError("S3Source.BasicLookupStrategy.bucket.name must name a bucket when source.static = S3Source")
    if bool(values["S3Source.access_key_id"]) != bool(values["S3Source.secret_key"]):
        raise SettingsError("S3Source.access_key_id and S3Source.secret_key go together: set both, or neither for the AWS credential chain")
    for key in ("processor.stream_retrieval_strategy", "processor.fallback_retrieval_strategy"):
        if values[key] == "CacheStrategy" and not values["FilesystemCache.pathname"]:
            raise SettingsError(f"{key} = CacheStrategy needs FilesystemCache.pathname (the folder of the source cache)")
    if not values["delegate_script.enabled"] and not values["delegates.plugins"].strip():
        for key, asks in (
            ("source.delegate", True),
            (f"{source}.lookup_strategy", "ScriptLookupStrategy"),
            ("meta_identifier.transformer", "DelegateMetaIdentifierTransformer"),
        ):
            if values[key] == asks:
                raise SettingsError(f"{key} = {str(asks).lower() if asks is True else asks} asks the delegate, but there is none: set delegate_script.enabled = true or delegates.plugins")
    check_caches(values)


def check_caches(values: Mapping[str, Any]) -> None:
    """The derivative cache chosen must be configured enough to work."""
    if values["FilesystemCache.dir.depth"] * values["FilesystemCache.dir.name_length"] > 32:
        raise SettingsError("FilesystemCache.dir.depth x FilesystemCache.dir.name_length must be at most 32 (an MD5 in hex)")
    if not values["cache.server.derivative.enabled"]:
        return
    cache = values["cache.server.derivative"]
    if not cache:
        raise SettingsError("cache.server.derivative.enabled = true needs cache.server.derivative: FilesystemCache, HeapCache, RedisCache or S3Cache")
    if cache == "FilesystemCache" and not values["FilesystemCache.pathname"]:
        raise SettingsError("cache.server.derivative = FilesystemCache needs FilesystemCache.pathname (the folder of the cache)")
    if cache == "S3Cache" and not values["S3Cache.bucket.name"]:
        raise SettingsError("cache.server.derivative = S3Cache needs S3Cache.bucket.name")
    if bool(values["S3Cache.access_key_id"]) != bool(values["S3Cache.secret_key"]):
        raise SettingsError("S3Cache.access_key_id and S3Cache.secret_key go together: set both, or neither for the AWS credential chain")


def load_from_environment() -> Settings:
    """What a server worker uses: the file named by ``CASABA_CONFIG`` (if any) and the environment."""
    path = os.environ.get(CONFIG_ENV)
    return load(Path(path) if path else None)
