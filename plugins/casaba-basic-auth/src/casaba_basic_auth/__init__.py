"""HTTP Basic authentication as a Casaba delegate: ``pre_authorize`` allows a request whose
``Authorization`` header carries the configured user name and password, and answers every other
with 401 and a Basic challenge, which makes a browser ask for them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from casaba.delegates import Delegate
from casaba.settings import Settings
from casaba.settings.keys import Key, Str

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
        realm = self.settings.value("basic_auth.realm")
        return {"status_code": 401, "challenge": f'Basic realm="{realm}" charset="UTF-8"'}


def credentials_match(header: str, username: str, secret: str) -> bool:
    """Whether an ``Authorization`` header carries ``username`` and ``secret``. Both are always
    compared, as digests, so the time taken says nothing about either."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    user, colon, password = decoded.partition(b":")
    same_user = hmac.compare_digest(_digest(user), _digest(username.encode()))
    same_secret = hmac.compare_digest(_digest(password), _digest(secret.encode()))
    return bool(colon) and same_user & same_secret


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()
