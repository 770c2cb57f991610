"""A Casaba delegate that adds a rights statement and a service to info.json, from the
configuration: ``extra_iiif3_information_response_keys`` (``rights``, ``service`` as a list) and
``extra_iiif2_information_response_keys`` (``license``, ``service`` as an object)."""

from __future__ import annotations

from typing import Any

from casaba.delegates import Delegate
from casaba.settings import Settings
from casaba.settings.keys import Key, Str

__all__ = ["InfoRights"]


class InfoRights(Delegate):
    settings_keys = (
        Key("info_rights.rights", Str(), "", "Rights statement URI (RightsStatements.org or Creative Commons); empty for none."),
        Key("info_rights.service.id", Str(), "", "URI of a service to list in info.json; empty for none."),
        Key("info_rights.service.type", Str(), "", "Its type in Image API 3.0, e.g. AuthProbeService2."),
        Key("info_rights.service.profile", Str(), "", "Its profile, if it has one."),
        Key("info_rights.service.context", Str(), "", "Its JSON-LD context in Image API 2.1 ('@context'), if it has one."),
    )
    blocking = False

    @classmethod
    def startup(cls, settings: Settings) -> None:
        for key in ("info_rights.rights", "info_rights.service.id"):
            value = settings.value(key)
            if value and not value.startswith(("http://", "https://")):
                raise ValueError(f"{key} = {value!r} must be an http:// or https:// URI")
        if settings.value("info_rights.service.id") and not settings.value("info_rights.service.type"):
            raise ValueError("info_rights.service.type must be set with info_rights.service.id")

    def extra_iiif3_information_response_keys(self) -> dict[str, Any]:
        s = self.settings
        keys: dict[str, Any] = {}
        if s.value("info_rights.rights"):
            keys["rights"] = s.value("info_rights.rights")
        if s.value("info_rights.service.id"):
            service = {"id": s.value("info_rights.service.id"), "type": s.value("info_rights.service.type")}
            if s.value("info_rights.service.profile"):
                service["profile"] = s.value("info_rights.service.profile")
            keys["service"] = [service]
        return keys

    def extra_iiif2_information_response_keys(self) -> dict[str, Any]:
        s = self.settings
        keys: dict[str, Any] = {}
        if s.value("info_rights.rights"):
            keys["license"] = s.value("info_rights.rights")
        if s.value("info_rights.service.id"):
            service = {"@id": s.value("info_rights.service.id")}
            if s.value("info_rights.service.context"):
                service = {"@context": s.value("info_rights.service.context"), **service}
            if s.value("info_rights.service.profile"):
                service["profile"] = s.value("info_rights.service.profile")
            keys["service"] = service
        return keys
