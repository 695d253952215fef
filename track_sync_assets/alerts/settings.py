"""Alert configuration (mapped from the environment by the Dagster layer); channels are off
unless configured."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from track_sync_assets.alerts.channels import Channel, SmtpChannel, WebhookChannel

DEFAULT_UI_URL = "http://127.0.0.1:3000"
DEFAULT_WARN_SHARE = 0.05


@dataclass(frozen=True)
class AlertSettings:
    """Where alerts go and when a partial sync warns. Secrets stay out of ``repr``."""

    webhook_url: str = field(default="", repr=False)
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = False
    mail_from: str = ""
    mail_to: tuple[str, ...] = ()
    dagster_ui_url: str = DEFAULT_UI_URL
    warn_share: float = DEFAULT_WARN_SHARE
    timeout_s: float = 10.0

    def channels(self) -> list[Channel]:
        """The configured channels: none when nothing is set (alerts off)."""
        channels: list[Channel] = []
        if self.webhook_url:
            channels.append(WebhookChannel(self.webhook_url, self.timeout_s))
        if self.smtp_host and self.mail_to:
            channels.append(
                SmtpChannel(
                    host=self.smtp_host,
                    port=self.smtp_port,
                    mail_from=self.mail_from or f"track-sync@{socket.getfqdn() or 'localhost'}",
                    mail_to=self.mail_to,
                    username=self.smtp_username,
                    password=self.smtp_password,
                    starttls=self.smtp_starttls,
                    timeout_s=self.timeout_s,
                )
            )
        return channels

    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in a log line or an alert."""
        parts = urlsplit(self.webhook_url) if self.webhook_url else None
        tail = (parts.path + ("?" + parts.query if parts.query else "")) if parts else ""
        return tuple(s for s in (self.smtp_password, self.webhook_url, tail) if s and s != "/")

    def link(self, path: str) -> str:
        """An absolute link into the Dagster UI."""
        return f"{self.dagster_ui_url.rstrip('/')}/{path.lstrip('/')}"


def split_addresses(raw: str) -> tuple[str, ...]:
    """``a@x, b@y`` -> ``("a@x", "b@y")``; blanks dropped."""
    return tuple(part.strip() for part in raw.replace(";", ",").split(",") if part.strip())
