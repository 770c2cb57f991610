"""Client-side caching: the ``Cache-Control`` header of images and info.json, from Cantaloupe's
``cache.client.*`` keys, in Cantaloupe's order."""

from __future__ import annotations

from casaba.settings import Settings

#: Errors must not be kept by browsers or shared caches (Cantaloupe sends the same).
ERRORS = "no-cache, must-revalidate"


def cache_control(settings: Settings) -> list[tuple[str, str]]:
    """The header to send with images and info.json (and their 304s), or none."""
    if not settings["cache.client.enabled"]:
        return []
    directives = []
    if settings["cache.client.max_age"] is not None:
        directives.append(f"max-age={settings['cache.client.max_age']}")
    if settings["cache.client.shared_max_age"] is not None:
        directives.append(f"s-maxage={settings['cache.client.shared_max_age']}")
    if settings["cache.client.public"]:
        directives.append("public")
    elif settings["cache.client.private"]:
        directives.append("private")
    for name in ("no_cache", "no_store", "must_revalidate", "proxy_revalidate", "no_transform"):
        if settings[f"cache.client.{name}"]:
            directives.append(name.replace("_", "-"))
    return [("cache-control", ", ".join(directives))] if directives else []
