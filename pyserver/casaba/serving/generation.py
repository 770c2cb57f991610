"""One generation of what the settings make: the delegates (and through them the sources), how
located images are opened, the caches, the access log, and the ``IiifService`` over them (with
the worker's purge signal, carried from one generation to the next). The next generation,
built from changed settings, carries over the parts whose sections did not change (a heap cache
keeps its entries), and closing an old one closes only what was not carried over. The
application log belongs to the process, not to a generation: it is set again when a generation
brings other application or error log settings."""

from __future__ import annotations

from collections.abc import Sequence

from casaba.caches import facade_from_settings
from casaba.caches.purge_signal import PurgeSignal
from casaba.delegates.loading import manager_from_settings
from casaba.logs import application
from casaba.logs.access import access_log
from casaba.serving.admission import Threads
from casaba.serving.iiif import IiifService
from casaba.settings import Settings
from casaba.sources import retrieval_from_settings
from casaba.workers import workers_folder

#: The sections of the settings how located images are opened is made from.
RETRIEVAL_SECTIONS = ("source", "http_source", "s3_source", "retrieval", "pyramids", "filesystem_cache", "source_cache")
#: The sections the caches are made from; the source's too, because the image infos kept in
#: memory are of the images the source had.
CACHE_SECTIONS = ("server_cache", "filesystem_cache", "heap_cache", "redis_cache", "s3_cache", "source", "filesystem_source", "http_source", "s3_source")


def build(settings: Settings, delegates: Sequence[tuple[str, type]], threads: Threads, previous: IiifService | None = None) -> IiifService:
    """A generation made of ``settings`` and the delegate classes, with the worker's ``threads``;
    with ``previous``, the parts whose sections are unchanged are ``previous``'s."""
    manager = manager_from_settings(settings, list(delegates))
    old = previous.settings if previous is not None else None
    if previous is not None and same(old, settings, RETRIEVAL_SECTIONS):
        retrieval = previous.retrieval
    else:
        retrieval = retrieval_from_settings(settings, threads.remote)
    caches = previous.caches if previous is not None and same(old, settings, CACHE_SECTIONS) else facade_from_settings(settings)
    # One signal per worker, whatever the settings: it knows which purges the worker has seen.
    purges = previous.purges if previous is not None else PurgeSignal(workers_folder())
    if previous is not None and old is not None and old.log.access == settings.log.access:
        access = previous.access
    else:
        access = access_log(settings.log.access)
    threads.admission.configure(settings.overload)
    service = IiifService(settings, manager, threads, retrieval, caches, purges, access)
    if old is None or (old.log.application, old.log.error) != (settings.log.application, settings.log.error):
        application.configure(settings.log)
    return service


def same(old: Settings | None, new: Settings, sections: Sequence[str]) -> bool:
    """Whether ``old`` and ``new`` have the same values in every one of ``sections``."""
    return old is not None and all(getattr(old, name) == getattr(new, name) for name in sections)


def latest(generation: IiifService) -> IiifService:
    """The generation the worker serves with now: ``generation`` or the last of its successors."""
    while generation.successor is not None:
        generation = generation.successor
    return generation


async def close(generation: IiifService, successor: IiifService | None = None) -> None:
    """Close what ``generation`` holds and ``successor`` (if any) did not carry over."""
    await generation.delegates.close()
    if successor is None or generation.caches is not successor.caches:
        await generation.caches.close()
    if generation.access is not None and (successor is None or generation.access is not successor.access):
        generation.access.close()
