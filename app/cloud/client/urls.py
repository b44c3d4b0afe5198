"""Which server URLs the client talks to.

Only ``http``/``https``, with a host, without credentials, query or fragment.
Plain ``http`` sends passwords and tokens in the clear, so it is accepted
without asking only for loopback (``localhost``, ``127.0.0.0/8``, ``::1``:
the embedded ``sdsim-server``); for any other host it is refused unless the
caller passes ``allow_insecure_http=True`` (a Settings choice the user makes
knowingly), and then ``ServerUrl.warning`` says why it is unsafe.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

from app.cloud.client.errors import InvalidServerUrl

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048


class ServerUrl(NamedTuple):
    """A validated server base URL (no trailing slash) and any warning about it."""

    url: str
    warning: str | None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` names and loopback IP addresses."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def validate_server_url(url: str, *, allow_insecure_http: bool = False) -> ServerUrl:
    """Check and normalise a server URL; raises ``InvalidServerUrl`` with a plain reason."""
    text = url.strip()
    if not text or len(text) > MAX_URL_LENGTH or any(ord(c) < 0x21 for c in text):
        raise InvalidServerUrl("The server address is empty, too long or contains spaces.",
                               error="invalid_server_url")
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port  # raises ValueError for a port out of range
    except ValueError as exc:
        raise InvalidServerUrl("The server address is not a valid URL.",
                               error="invalid_server_url") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidServerUrl("The server address must start with https:// (or http:// "
                               "for this computer).", error="invalid_server_url")
    if not host:
        raise InvalidServerUrl("The server address has no host name.",
                               error="invalid_server_url")
    if parts.username is not None or parts.password is not None:
        # A password in the URL would end up in settings files and logs.
        raise InvalidServerUrl("The server address must not contain a user name or "
                               "password.", error="invalid_server_url")
    if parts.query or parts.fragment:
        raise InvalidServerUrl("The server address must not contain ? or #.",
                               error="invalid_server_url")
    warning = None
    if scheme == "http" and not is_loopback(host):
        if not allow_insecure_http:
            raise InvalidServerUrl(
                "Plain http:// is only used for a server on this computer: your password "
                "and sign-in would cross the network unencrypted. Use https://.",
                error="insecure_server_url",
            )
        warning = (f"The connection to {host} is not encrypted (http://): anyone on the "
                   "network can read your password, sign-in and projects.")
        log.warning("Cloud server %s is reached over plain http", host)
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    path = parts.path.rstrip("/")
    return ServerUrl(urlunsplit((scheme, netloc, path, "", "")), warning)
