"""A Casaba delegate that chooses the source per identifier: a prefix means S3 (``source``),
and the rest of the identifier names the object (``s3source_object_info``, with S3Source's
configured bucket, path prefix and suffix); every other identifier is left to
``source.static``."""

from __future__ import annotations

from casaba.delegates import Delegate
from casaba.settings import Settings
from casaba.settings.keys import Key, Str
from casaba.sources.base import escapes

__all__ = ["SourceRouter"]

BASIC = "S3Source.BasicLookupStrategy."


class SourceRouter(Delegate):
    settings_keys = (Key("source_router.s3_prefix", Str(), "s3/", "Identifiers beginning with this come from S3Source."),)
    blocking = False

    @classmethod
    def startup(cls, settings: Settings) -> None:
        if not settings["source_router.s3_prefix"]:
            raise ValueError("source_router.s3_prefix must not be empty")
        if not settings["source.delegate"]:
            raise ValueError("source-router chooses sources: set source.delegate = true")
        if settings["S3Source.lookup_strategy"] != "ScriptLookupStrategy":
            raise ValueError("source-router names S3 objects: set S3Source.lookup_strategy = ScriptLookupStrategy")
        if not settings[BASIC + "bucket.name"]:
            raise ValueError(f"source-router reads from {BASIC}bucket.name, which is not set")

    def source(self) -> str | None:
        return "S3Source" if self.context["identifier"].startswith(self.settings["source_router.s3_prefix"]) else None

    def s3source_object_info(self) -> dict[str, str] | None:
        rest = self.context["identifier"].removeprefix(self.settings["source_router.s3_prefix"])
        if not rest or escapes(rest):
            return None
        s = self.settings
        return {"bucket": s[BASIC + "bucket.name"], "key": s[BASIC + "path_prefix"] + rest + s[BASIC + "path_suffix"]}
