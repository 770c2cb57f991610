"""HTTP Basic authentication (RFC 7617): the one check of a client's credentials against
configured ones (the control panel's, the task API's, and the basic-auth delegate's), and the
refusal of the endpoints behind them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from casaba.errors import Unauthorized
from casaba.http import Request


def credentials_match(header: str, username: str, secret: str) -> bool:
    """Whether the ``Authorization`` header ``header`` carries exactly ``username`` and
    ``secret``. Both are always compared, as SHA-256 digests in constant time, so the time taken
    tells nothing of either, not even their lengths. Credentials never configured (empty) match
    nothing."""
    scheme, _, encoded = header.strip().partition(" ")
    given = b""
    if scheme.lower() == "basic":
        try:
            given = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            given = b""
    user, colon, password = given.partition(b":")
    same_user = hmac.compare_digest(_digest(user), _digest(username.encode()))
    same_secret = hmac.compare_digest(_digest(password), _digest(secret.encode()))
    return bool(colon) & same_user & same_secret & bool(username) & bool(secret)


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()


def require(request: Request, username: str, secret: str, realm: str) -> None:
    """Refuse (401, with the challenge) a request without exactly these credentials."""
    if not credentials_match(request.header("authorization"), username, secret):
        raise Unauthorized("Authentication is required.", [("www-authenticate", challenge(realm))])


def challenge(realm: str) -> str:
    """The ``WWW-Authenticate`` value that asks for Basic credentials in ``realm`` (RFC 7617:
    its parameters are separated by a comma)."""
    return f'Basic realm="{realm}", charset="UTF-8"'
