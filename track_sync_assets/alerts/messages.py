"""Alert messages and how they are rendered for each channel (no Dagster, no network)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from typing import Any


class Cause(StrEnum):
    """Why an alert is sent; with the sync id, it forms the dedup key."""

    SYNC_FAILED = "sync_failed"
    SYNC_PARTIAL = "sync_partial"
    CHECK_FAILED = "check_failed"
    CATALOGUE_STALE = "catalogue_stale"
    RECOVERED = "recovered"
    FRESH_AGAIN = "fresh_again"


class Kind(StrEnum):
    FAILURE = "failure"
    WARNING = "warning"
    RECOVERY = "recovery"


MARK = {
    Kind.FAILURE: ":red_circle:",
    Kind.WARNING: ":warning:",
    Kind.RECOVERY: ":white_check_mark:",
}
SLACK_SECTION_LIMIT = 2900


@dataclass(frozen=True)
class Alert:
    """One notification: a title, detail lines and a link to the Dagster UI."""

    keys: tuple[str, ...]
    kind: Kind
    title: str
    lines: tuple[str, ...] = ()
    link: str = ""

    @property
    def text(self) -> str:
        """Plain text: the title, the lines, the link."""
        parts = [self.title, *self.lines]
        if self.link:
            parts.append(f"Open in Dagster: {self.link}")
        return "\n".join(parts)


def webhook_payload(alert: Alert) -> dict[str, Any]:
    """Slack-compatible JSON (``text`` for Mattermost, Teams workflows and the like)."""
    body = "\n".join(f"• {line}" for line in alert.lines)[:SLACK_SECTION_LIMIT]
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"{MARK[alert.kind]} *{alert.title}*"},
        }
    ]
    if body:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
    if alert.link:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"<{alert.link}|Open in Dagster>"}],
            }
        )
    return {"text": alert.text, "blocks": blocks}


def email_message(alert: Alert, mail_from: str, mail_to: Iterable[str]) -> EmailMessage:
    """A plain-text e-mail with a ``[track-sync]`` subject."""
    message = EmailMessage()
    message["Subject"] = f"[track-sync] {alert.title}"
    message["From"] = mail_from
    message["To"] = ", ".join(mail_to)
    message["X-Track-Sync-Alert"] = alert.kind.value
    message.set_content(alert.text + "\n")
    return message


_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][\w+.-]*://)[^/\s:@]+:[^/\s@]+@")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without URL passwords (``user:***@``) and without any of ``secrets``."""
    text = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}***:***@", text)
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
