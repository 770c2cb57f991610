"""HTTP Basic authentication (RFC 7617) of the endpoints behind credentials from the settings."""

from __future__ import annotations

import base64
import binascii
import hmac

from casaba.errors import Unauthorized
from casaba.http import Request


def require(request: Request, username: str, secret: str, realm: str) -> None:
    """Refuse (401, with the challenge) a request without exactly these credentials. Both are
    compared in full and in constant time, so the time taken tells nothing of either."""
    scheme, _, encoded = request.header("authorization").strip().partition(" ")
    given_user, given_secret = "", ""
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        given_user, colon, given_secret = decoded.partition(":")
        if not colon:
            given_user = given_secret = ""
    right_user = hmac.compare_digest(given_user.encode(), username.encode())
    right_secret = hmac.compare_digest(given_secret.encode(), secret.encode())
    # Credentials never configured match nothing (start-up refuses them; this is the backstop).
    if not (right_user & right_secret & bool(username) & bool(secret)):
        challenge = f'Basic realm="{realm}", charset="UTF-8"'
        raise Unauthorized("Authentication is required.", [("www-authenticate", challenge)])
