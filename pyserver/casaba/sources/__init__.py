"""Sources: where images live. ``base`` holds the protocol; one module per kind of source;
``retrieval`` turns what a source located into an opened image."""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

from casaba.sources.pyramids import pyramids_from_settings
from casaba.settings import Settings
from casaba.settings.keys import FilesystemSourceSettings
from casaba.sources.base import Source
from casaba.sources.copies import Copies
from casaba.sources.retrieval import Retrieval, Strategy

KINDS = ("FilesystemSource", "HttpSource", "S3Source")
REMOTE_KINDS = ("HttpSource", "S3Source")


def source_from_settings(settings: Settings) -> Source:
    """The source ``source.static`` names, configured from its keys."""
    return source_of_kind(settings, settings.source.static)


def source_of_kind(settings: Settings, kind: str) -> Source:
    """A source of the kind named (one of ``KINDS``), configured from its keys."""
    if kind == "HttpSource":
        from casaba.sources.http import HttpSource

        web = settings.http_source
        return HttpSource(
            web.url_prefix,
            web.url_suffix,
            username=web.username,
            secret=web.secret,
            timeout=web.request_timeout,
            allow_insecure=web.allow_insecure,
            send_head_requests=web.send_head_requests,
        )
    if kind == "S3Source":
        from casaba.sources.s3 import S3Source

        s3 = settings.s3_source
        return S3Source(
            s3.bucket_name,
            s3.path_prefix,
            s3.path_suffix,
            endpoint=s3.endpoint,
            region=s3.region,
            access_key_id=s3.access_key_id,
            secret_key=s3.secret_key,
            timeout=s3.request_timeout,
        )
    from casaba.sources.filesystem import FilesystemSource

    return FilesystemSource(settings.filesystem_source.path_prefix, settings.filesystem_source.path_suffix)


def retrieval_from_settings(settings: Settings, executor: Executor) -> Retrieval:
    """How located images are opened; remote ones with their own source's chunking keys."""
    by_source = {kind: strategy_from_settings(settings, kind) for kind in REMOTE_KINDS}
    copies = copies_from_settings(settings)
    pyramids = pyramids_from_settings(settings, copies)
    return Retrieval(
        strategy_from_settings(settings), executor, copies, pyramids, by_source, settings.processor.max_decode_pixels
    )


def copies_from_settings(settings: Settings) -> Copies | None:
    """Where downloaded sources and pyramids are kept, and their bounds; none without a folder."""
    folder = settings.filesystem_cache.pathname
    if not folder:
        return None
    return Copies(Path(folder), settings.source_cache.max_size, settings.source_cache.ttl_seconds or 0)


def strategy_from_settings(settings: Settings, kind: str | None = None) -> Strategy:
    """How remote images are read, from the processor.*_retrieval_strategy keys and the
    chunking keys of the source ``kind`` (``source.static`` unless given)."""
    kind = kind or settings.source.static
    strategy = Strategy(stream=settings.retrieval.stream_strategy, fallback=settings.retrieval.fallback_strategy)
    remote = settings.source_of(kind)
    if isinstance(remote, FilesystemSourceSettings):
        return strategy
    chunking = remote.chunking
    return Strategy(
        stream=strategy.stream,
        fallback=strategy.fallback,
        chunk_size=chunking.chunk_size if chunking.enabled else 0,
        chunk_cache=chunking.cache_max_size if chunking.enabled and chunking.cache_enabled else 0,
        timeout=remote.request_timeout,
    )
