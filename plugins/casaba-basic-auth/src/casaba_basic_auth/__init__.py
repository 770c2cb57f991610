"""HTTP Basic authentication as a Casaba delegate: ``pre_authorize`` allows a request whose
``Authorization`` header carries the configured user name and password, and answers every other
with 401 and a Basic challenge, which makes a browser ask for them. The credentials are
checked as Casaba checks its own endpoints' (``casaba.web.basic_auth``), in constant time."""

from __future__ import annotations

from casaba.delegates import Delegate
from casaba.settings import Settings
from casaba.settings.keys import Key, Str
from casaba.web.basic_auth import challenge, credentials_match

__all__ = ["BasicAuth", "credentials_match"]


class BasicAuth(Delegate):
    settings_keys = (
        Key("basic_auth.username", Str(), "", "The user name a client must send."),
        Key("basic_auth.secret", Str(), "", "The password a client must send (prefer its environment twin)."),
        Key("basic_auth.realm", Str(), "Casaba", "The realm named in the challenge, which browsers show."),
    )
    # Only computes: no thread hand-off needed.
    blocking = False

    @classmethod
    def startup(cls, settings: Settings) -> None:
        if not settings.value("basic_auth.username") or not settings.value("basic_auth.secret"):
            raise ValueError("basic_auth.username and basic_auth.secret must both be set")
        if ":" in settings.value("basic_auth.username"):
            raise ValueError("basic_auth.username cannot contain ':' (Basic credentials are user:password)")
        if any(c in settings.value("basic_auth.realm") for c in '"\\\r\n'):
            raise ValueError("basic_auth.realm cannot contain quotes, backslashes or line breaks")

    def pre_authorize(self) -> bool | dict[str, object]:
        header = self.context["request_headers"].get("authorization", "")
        if credentials_match(header, self.settings.value("basic_auth.username"), self.settings.value("basic_auth.secret")):
            return True
        return {"status_code": 401, "challenge": challenge(self.settings.value("basic_auth.realm"))}
