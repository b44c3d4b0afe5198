"""Outgoing email: SMTP from ``SDSIM_SMTP_URL``, or the server log when unset.

``smtp://user:pass@host:587?starttls=1`` (STARTTLS when asked), or
``smtps://host:465`` (TLS from the start). Sending blocks, so routes hand it
to a background task (a worker thread) after the answer has gone out.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("sdsim.server.mail")


class Mailer(Protocol):
    """Sends one plain-text message."""

    def send(self, to: str, subject: str, body: str) -> None:
        """Send ``body`` to ``to``; failures are logged, never raised to a request."""
        ...


class LogMailer:
    """Writes the message to the server log (the embedded default)."""

    def send(self, to: str, subject: str, body: str) -> None:
        """See :class:`Mailer`."""
        log.warning("Email to %s (no SDSIM_SMTP_URL set): %s\n%s", to, subject, body)


class SmtpMailer:
    """Sends through an SMTP server with smtplib."""

    def __init__(self, url: str, sender: str, timeout_s: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("SDSIM_SMTP_URL must look like smtp://user:pass@host:587?starttls=1")
        query = parse_qs(parts.query)
        self.host = parts.hostname
        self.tls = parts.scheme == "smtps"
        self.port = parts.port or (465 if self.tls else 25)
        self.starttls = query.get("starttls", ["0"])[0] in {"1", "true", "yes"}
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.sender = sender
        self.timeout_s = timeout_s

    def send(self, to: str, subject: str, body: str) -> None:
        """See :class:`Mailer`."""
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            smtp: smtplib.SMTP
            if self.tls:
                smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_s,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout_s)
            with smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            # The person can ask again (resend / forgot); the link is not logged.
            log.exception("Could not send email to %s via %s:%s", to, self.host, self.port)


def create_mailer(smtp_url: str | None, sender: str) -> Mailer:
    """SMTP when configured, else the log."""
    return SmtpMailer(smtp_url, sender) if smtp_url else LogMailer()
