"""Sources: where images live. ``base`` holds the protocol; one module per kind of source;
``retrieval`` turns what a source located into an opened image."""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

from casaba.pyramids import pyramids_from_settings
from casaba.settings import Settings
from casaba.sources.base import Source
from casaba.sources.copies import Copies
from casaba.sources.retrieval import Retrieval, Strategy

KINDS = ("FilesystemSource", "HttpSource", "S3Source")
REMOTE_KINDS = ("HttpSource", "S3Source")


def source_from_settings(settings: Settings) -> Source:
    """The source ``source.static`` names, configured from its keys."""
    return source_of_kind(settings, settings["source.static"])


def source_of_kind(settings: Settings, kind: str) -> Source:
    """A source of the kind named (one of ``KINDS``), configured from its keys."""
    if kind == "HttpSource":
        from casaba.sources.http import HttpSource

        basic = "HttpSource.BasicLookupStrategy."
        return HttpSource(
            settings[basic + "url_prefix"],
            settings[basic + "url_suffix"],
            username=settings[basic + "auth.basic.username"],
            secret=settings[basic + "auth.basic.secret"],
            timeout=settings["HttpSource.request_timeout"],
            allow_insecure=settings["HttpSource.allow_insecure"],
            send_head_requests=settings[basic + "send_head_requests"],
        )
    if kind == "S3Source":
        from casaba.sources.s3 import S3Source

        basic = "S3Source.BasicLookupStrategy."
        return S3Source(
            settings[basic + "bucket.name"],
            settings[basic + "path_prefix"],
            settings[basic + "path_suffix"],
            endpoint=settings["S3Source.endpoint"],
            region=settings["S3Source.region"],
            access_key_id=settings["S3Source.access_key_id"],
            secret_key=settings["S3Source.secret_key"],
            timeout=settings["S3Source.request_timeout"],
        )
    from casaba.sources.filesystem import FilesystemSource

    return FilesystemSource(
        settings["FilesystemSource.BasicLookupStrategy.path_prefix"],
        settings["FilesystemSource.BasicLookupStrategy.path_suffix"],
    )


def retrieval_from_settings(settings: Settings, executor: Executor) -> Retrieval:
    """How located images are opened; remote ones with their own source's chunking keys."""
    by_source = {kind: strategy_from_settings(settings, kind) for kind in REMOTE_KINDS}
    copies = copies_from_settings(settings)
    return Retrieval(strategy_from_settings(settings), executor, copies, pyramids_from_settings(settings, copies), by_source)


def copies_from_settings(settings: Settings) -> Copies | None:
    """Where downloaded sources and pyramids are kept, and their bounds; none without a folder."""
    folder = settings["FilesystemCache.pathname"]
    if not folder:
        return None
    return Copies(Path(folder), settings["cache.server.source.max_size"], settings["cache.server.source.ttl_seconds"] or 0)


def strategy_from_settings(settings: Settings, kind: str | None = None) -> Strategy:
    """How remote images are read, from the processor.*_retrieval_strategy keys and the
    chunking keys of the source ``kind`` (``source.static`` unless given)."""
    kind = kind or settings["source.static"]
    strategy = Strategy(
        stream=settings["processor.stream_retrieval_strategy"],
        fallback=settings["processor.fallback_retrieval_strategy"],
    )
    if kind not in ("HttpSource", "S3Source"):
        return strategy
    chunked = settings[f"{kind}.chunking.enabled"]
    kept = settings[f"{kind}.chunking.cache.enabled"]
    return Strategy(
        stream=strategy.stream,
        fallback=strategy.fallback,
        chunk_size=settings[f"{kind}.chunking.chunk_size"] if chunked else 0,
        chunk_cache=settings[f"{kind}.chunking.cache.max_size"] if chunked and kept else 0,
        timeout=settings[f"{kind}.request_timeout"],
    )
