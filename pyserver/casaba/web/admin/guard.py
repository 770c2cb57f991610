"""What keeps the control panel to its user: HTTP Basic with the configured credentials, and
against cross-site request forgery, a form token derived from the secret and a same-origin check."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from casaba.errors import Forbidden
from casaba.http import Request
from casaba.settings.keys import AdminSettings
from casaba.web import basic_auth

REALM = "Casaba control panel"


def require_user(request: Request, admin: AdminSettings) -> None:
    """Refuse (401) a request without the panel's credentials."""
    basic_auth.require(request, admin.username, admin.secret, REALM)


def token(admin: AdminSettings) -> str:
    """The form token: only who knows the secret can make it, and it changes with the secret."""
    message = f"casaba control panel form:{admin.username}".encode()
    return hmac.new(admin.secret.encode(), message, hashlib.sha256).hexdigest()


def require_same_site(request: Request, admin: AdminSettings, given: str, base_uri: str) -> None:
    """Refuse (403) a form sent from another site: its token is wrong, or its ``Origin`` is
    not this server's."""
    if not hmac.compare_digest(given.encode(), token(admin).encode()):
        raise Forbidden("The form is out of date or was not sent from the control panel: load the panel again.")
    origin = request.header("origin")
    if origin and origin not in own_origins(request, base_uri):
        raise Forbidden("The form was sent from another site.")


def own_origins(request: Request, base_uri: str) -> set[str]:
    """The origins this server answers as: the Host it was asked at, and the public base URI."""
    origins = {f"{request.scheme}://{request.header('host') or request.server}"}
    public = urlsplit(request.base_uri(base_uri))
    origins.add(f"{public.scheme}://{public.netloc}")
    return origins
