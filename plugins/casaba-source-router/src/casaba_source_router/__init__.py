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


class SourceRouter(Delegate):
    settings_keys = (Key("source_router.s3_prefix", Str(), "s3/", "Identifiers beginning with this come from S3Source."),)
    blocking = False

    @classmethod
    def startup(cls, settings: Settings) -> None:
        if not settings.value("source_router.s3_prefix"):
            raise ValueError("source_router.s3_prefix must not be empty")
        if not settings.source.delegate:
            raise ValueError("source-router chooses sources: set source.delegate = true")
        if settings.s3_source.lookup_strategy != "ScriptLookupStrategy":
            raise ValueError("source-router names S3 objects: set S3Source.lookup_strategy = ScriptLookupStrategy")
        if not settings.s3_source.bucket_name:
            raise ValueError("source-router reads from S3Source.BasicLookupStrategy.bucket.name, which is not set")

    def source(self) -> str | None:
        return "S3Source" if self.context["identifier"].startswith(self.settings.value("source_router.s3_prefix")) else None

    def s3source_object_info(self) -> dict[str, str] | None:
        rest = self.context["identifier"].removeprefix(self.settings.value("source_router.s3_prefix"))
        if not rest or escapes(rest):
            return None
        s3 = self.settings.s3_source
        return {"bucket": s3.bucket_name, "key": s3.path_prefix + rest + s3.path_suffix}
