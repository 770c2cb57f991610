"""``source.static`` answers ``source`` for identifiers the delegates leave alone (``None``)."""

from __future__ import annotations

from casaba.delegates.hookspecs import Delegate, hookimpl


class StaticSource(Delegate):
    blocking = False

    @hookimpl(trylast=True)
    def source(self) -> str:
        return self.settings.source.static
