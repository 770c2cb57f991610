"""Casaba's configuration-driven answers to delegate methods, registered as plugins after the
configured delegates (``trylast``), so that a delegate's own answer always comes first."""

from __future__ import annotations

from casaba.delegates.builtin.meta_identifier import StandardMetaIdentifierTransformer
from casaba.delegates.builtin.static_source import StaticSource
from casaba.settings import Settings


def builtins_for(settings: Settings) -> list[tuple[str, type]]:
    """The built-in plugins the configuration needs: none unless it asks a delegate."""
    found: list[tuple[str, type]] = []
    if settings.source.delegate:
        found.append(("builtin.static_source", StaticSource))
    if settings.meta_identifier.by_delegate:
        found.append(("builtin.standard_meta_identifier", StandardMetaIdentifierTransformer))
    return found
