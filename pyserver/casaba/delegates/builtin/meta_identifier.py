"""The standard meta-identifier form (``identifier;page;n:d`` with the configured delimiter)
answers for meta-identifiers the delegates leave alone (``None``), with
``meta_identifier.transformer = DelegateMetaIdentifierTransformer``."""

from __future__ import annotations

from typing import Any

from casaba.delegates import answers
from casaba.delegates.hookspecs import Delegate, hookimpl
from casaba import meta_identifier as standard

class StandardMetaIdentifierTransformer(Delegate):
    blocking = False

    @hookimpl(trylast=True)
    def deserialize_meta_identifier(self, meta_identifier: str) -> dict[str, Any]:
        return answers.components(standard.parse(meta_identifier, self.settings.meta_identifier.delimiter))

    @hookimpl(trylast=True)
    def serialize_meta_identifier(self, components: dict[str, Any]) -> str:
        meta = answers.meta_identifier(components, "serialize_meta_identifier")
        return standard.serialize(meta, self.settings.meta_identifier.delimiter)
