"""Webhook and SMTP channels against real local receivers, including ones that are down."""

from __future__ import annotations

import logging

import pytest

from track_sync_assets.alerts import (
    Alert,
    AlertSettings,
    Kind,
    SmtpChannel,
    WebhookChannel,
    deliver,
    redact,
    webhook_payload,
)
from track_sync_assets.definitions import build_resources
from track_sync_assets.defs.alerting import AlertsResource
from track_sync_tests.alerts.conftest import PASSWORD, USER, SmtpReceiver, WebhookReceiver

ALERT = Alert(
    keys=("s1:sync_failed",),
    kind=Kind.FAILURE,
    title="track-sync: sync s1 failed",
    lines=("The dashboards_job run failed.", "  fetch: LiveRC unreachable"),
    link="http://127.0.0.1:3000/runs/abc",
)


def test_webhook_posts_a_slack_compatible_payload(webhook: WebhookReceiver) -> None:
    assert deliver(ALERT, [WebhookChannel(webhook.url, timeout_s=5)]) == ["webhook"]
    assert len(webhook.posts) == 1
    post = webhook.posts[0]
    assert post == webhook_payload(ALERT)
    assert post["text"].startswith("track-sync: sync s1 failed\n")
    assert "http://127.0.0.1:3000/runs/abc" in post["text"]
    assert [b["type"] for b in post["blocks"]] == ["section", "section", "context"]
    assert post["blocks"][0]["text"] == {
        "type": "mrkdwn",
        "text": ":red_circle: *track-sync: sync s1 failed*",
    }


def test_smtp_sends_one_plain_mail_with_login(smtp: SmtpReceiver) -> None:
    channel = SmtpChannel(
        host="127.0.0.1",
        port=smtp.port,
        mail_from="track-sync@example.org",
        mail_to=("ops@example.org", "oncall@example.org"),
        username=USER,
        password=PASSWORD,
        timeout_s=5,
    )
    assert deliver(ALERT, [channel]) == ["smtp"]
    assert smtp.logins == [USER]
    [(sender, recipients, message)] = smtp.mails
    assert sender == "track-sync@example.org"
    assert recipients == ["ops@example.org", "oncall@example.org"]
    assert message["Subject"] == "[track-sync] track-sync: sync s1 failed"
    assert "fetch: LiveRC unreachable" in message.get_payload(decode=True).decode()


def test_bad_smtp_password_is_logged_without_the_password(
    smtp: SmtpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-right-secret"
    channel = SmtpChannel("127.0.0.1", smtp.port, "a@x.org", ("b@x.org",), USER, wrong, False, 5)
    with caplog.at_level(logging.WARNING):
        assert deliver(ALERT, [channel], secrets=[wrong]) == []
    assert smtp.mails == []
    assert "SMTPAuthenticationError" in caplog.text and wrong not in caplog.text


def test_receivers_that_are_down_are_logged_and_nothing_raises(
    closed_port: int, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"http://127.0.0.1:{closed_port}/hooks/T000/SECRET-TOKEN-123"
    channels = [
        WebhookChannel(url, timeout_s=2),
        SmtpChannel("127.0.0.1", closed_port, "a@x.org", ("b@x.org",), timeout_s=2),
    ]
    with caplog.at_level(logging.WARNING):
        assert deliver(ALERT, channels, secrets=AlertSettings(webhook_url=url).secrets()) == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "via webhook (http://127.0.0.1): ConnectError" in warnings[0]
    assert f"via smtp (smtp://127.0.0.1:{closed_port}): ConnectionRefusedError" in warnings[1]
    assert "SECRET-TOKEN" not in caplog.text


def test_webhook_error_status_is_a_logged_failure_and_one_channel_does_not_stop_another(
    webhook: WebhookReceiver, smtp: SmtpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    webhook.status = 500
    channels = [
        WebhookChannel(webhook.url, timeout_s=5),
        SmtpChannel("127.0.0.1", smtp.port, "a@x.org", ("b@x.org",), timeout_s=5),
    ]
    with caplog.at_level(logging.WARNING):
        assert deliver(ALERT, channels) == ["smtp"]
    assert len(webhook.posts) == 1 and len(smtp.mails) == 1
    assert "WebhookRejected: HTTP 500" in caplog.text and "SECRET-TOKEN" not in caplog.text


def test_settings_from_environment_and_off_when_not_configured() -> None:
    assert AlertsResource().settings().channels() == []
    fields = build_resources(
        {
            "TRACK_SYNC_ALERT_WEBHOOK_URL": "https://hooks.example/T1/xyz-token",
            "TRACK_SYNC_SMTP_HOST": "mail.example",
            "TRACK_SYNC_SMTP_PORT": "587",
            "TRACK_SYNC_SMTP_USERNAME": "u",
            "TRACK_SYNC_SMTP_PASSWORD": "pw-secret",
            "TRACK_SYNC_SMTP_STARTTLS": "on",
            "TRACK_SYNC_ALERT_MAIL_FROM": "ts@example",
            "TRACK_SYNC_ALERT_MAIL_TO": "a@example, b@example;",
        }
    )["alerts"]
    assert "pw-secret" not in repr(fields) and "xyz-token" not in repr(fields)
    settings = AlertsResource(
        webhook_url="https://hooks.example/T1/xyz-token",
        smtp_host="mail.example",
        smtp_port=587,
        smtp_username="u",
        smtp_password="pw-secret",
        smtp_starttls=True,
        mail_from="ts@example",
        mail_to="a@example, b@example;",
    ).settings()
    webhook, mail = settings.channels()
    assert isinstance(webhook, WebhookChannel) and isinstance(mail, SmtpChannel)
    assert (mail.port, mail.starttls, mail.mail_to) == (587, True, ("a@example", "b@example"))
    assert "pw-secret" not in repr(settings) and "xyz-token" not in repr(settings)
    assert "xyz-token" not in repr(webhook) and "pw-secret" not in repr(mail)
    assert "xyz-token" not in redact("POST https://hooks.example/T1/xyz-token", settings.secrets())
    with pytest.raises(ValueError, match="TRACK_SYNC_SMTP_STARTTLS"):
        build_resources({"TRACK_SYNC_SMTP_STARTTLS": "maybe"})


def test_redact_hides_url_passwords() -> None:
    text = "could not connect to postgresql://sync:hunter2@db:5432/catalogue"
    assert redact(text) == "could not connect to postgresql://***:***@db:5432/catalogue"
