"""Client-side caching: the ``Cache-Control`` header of images and info.json, from Cantaloupe's
``cache.client.*`` keys, in Cantaloupe's order."""

from __future__ import annotations

from casaba.settings import Settings

#: Errors must not be kept by browsers or shared caches (Cantaloupe sends the same).
ERRORS = "no-cache, must-revalidate"


def cache_control(settings: Settings) -> list[tuple[str, str]]:
    """The header to send with images and info.json (and their 304s), or none."""
    client = settings.client_cache
    if not client.enabled:
        return []
    directives = []
    if client.max_age is not None:
        directives.append(f"max-age={client.max_age}")
    if client.shared_max_age is not None:
        directives.append(f"s-maxage={client.shared_max_age}")
    if client.public:
        directives.append("public")
    elif client.private:
        directives.append("private")
    directives += client.flags
    return [("cache-control", ", ".join(directives))] if directives else []
