"""What the logs write in place of credentials that URLs carry: the password of a URL's user
information, and the value of each query argument whose name says it holds one (``token``,
``access_token``, ``api_key``, ``password``, ``X-Amz-Signature``, ``X-Amz-Credential`` ...),
each as ``***``, wherever they are in a line (Casaba's messages, a library's such as httpx's
"HTTP Request: GET <url>", a traceback). Everything else is left as it was, so that a line still
says what was asked. (The ``Authorization`` and ``Cookie`` headers are never logged at all.)"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

MASK = "***"
#: Names of query arguments that carry a credential: a delegate's token, a signed URL's
#: signature, an API's key. Matched anywhere in the name, in any case.
CREDENTIAL = re.compile(r"token|secret|passw|pwd|auth|sig|credential|key|session|ticket", re.IGNORECASE)
_USERINFO = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^/?#@:\s]*):[^/?#@\s]*@")
_ARGUMENT = re.compile(r"(?P<head>[?&](?P<name>[^=&#\s\"'<>]*)=)(?P<value>[^&#\s\"'<>]+)")


def _argument(m: re.Match[str]) -> str:
    return m["head"] + MASK if CREDENTIAL.search(unquote_plus(m["name"])) else m[0]


def masked(text: str) -> str:
    """``text`` with the credentials of every URL in it masked."""
    if "@" in text:
        text = _USERINFO.sub(rf"\g<head>:{MASK}@", text)
    if "=" in text:
        text = _ARGUMENT.sub(_argument, text)
    return text


def masked_query(query: str) -> str:
    """A query as sent (without its ``?``), its credentials masked."""
    return masked("?" + query)[1:] if "=" in query else query


class MaskingFormatter(logging.Formatter):
    """A formatter whose lines (the message, and any traceback) have their credentials masked."""

    def format(self, record: logging.LogRecord) -> str:
        return masked(super().format(record))
