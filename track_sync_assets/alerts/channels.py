"""Where alerts go: a JSON webhook (httpx) and SMTP e-mail (smtplib).

Each channel makes one attempt with a timeout. ``deliver`` logs a failing channel (with
secrets redacted) and never raises: an alert that cannot be sent must not fail a sync.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

import httpx

from track_sync_assets.alerts.messages import Alert, email_message, redact, webhook_payload

log = logging.getLogger(__name__)


class Channel(Protocol):
    name: str

    def send(self, alert: Alert) -> None:
        """Send ``alert``; raise on failure."""


class WebhookRejected(Exception):
    """The receiver answered with a non-2xx status."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass(frozen=True)
class WebhookChannel:
    """POSTs the Slack-compatible payload to a URL (the URL is a secret: never logged)."""

    url: str = field(repr=False)
    timeout_s: float = 10.0
    name: str = "webhook"

    def send(self, alert: Alert) -> None:
        response = httpx.post(
            self.url, json=webhook_payload(alert), timeout=self.timeout_s, follow_redirects=False
        )
        if not response.is_success:
            raise WebhookRejected(response.status_code)

    @property
    def where(self) -> str:
        """Scheme and host only, safe to log."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.hostname or '?'}"


@dataclass(frozen=True)
class SmtpChannel:
    """Sends a plain-text mail; STARTTLS and login only when configured."""

    host: str
    port: int
    mail_from: str
    mail_to: tuple[str, ...]
    username: str = ""
    password: str = field(default="", repr=False)
    starttls: bool = False
    timeout_s: float = 10.0
    name: str = "smtp"

    def send(self, alert: Alert) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(email_message(alert, self.mail_from, self.mail_to))

    @property
    def where(self) -> str:
        return f"smtp://{self.host}:{self.port}"


def deliver(
    alert: Alert,
    channels: Sequence[Channel],
    logger: logging.Logger | logging.LoggerAdapter | None = None,
    secrets: Iterable[str] = (),
) -> list[str]:
    """Send ``alert`` on every channel; the names of those that succeeded. Never raises."""
    logger = logger or log
    hidden = tuple(secrets)
    sent: list[str] = []
    for channel in channels:
        where = getattr(channel, "where", channel.name)
        try:
            channel.send(alert)
        except Exception as exc:  # a channel must never fail the caller
            reason = redact(f"{type(exc).__name__}: {exc}", hidden)
            logger.warning(f"alert {alert.title!r} not sent via {channel.name} ({where}): {reason}")
        else:
            sent.append(channel.name)
            logger.info(f"alert {alert.title!r} sent via {channel.name} ({where})")
    return sent
