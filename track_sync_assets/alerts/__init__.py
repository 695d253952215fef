"""Alerts for track-sync: messages, channels and the dedup/recovery logic (no Dagster)."""

from track_sync_assets.alerts.channels import (
    Channel,
    SmtpChannel,
    WebhookChannel,
    WebhookRejected,
    deliver,
)
from track_sync_assets.alerts.messages import (
    Alert,
    Cause,
    Kind,
    email_message,
    redact,
    webhook_payload,
)
from track_sync_assets.alerts.settings import AlertSettings
from track_sync_assets.alerts.state import (
    AlertState,
    FreshnessObservation,
    Problem,
    SyncObservation,
    dedup_key,
    observe_freshness,
    observe_sync,
)

__all__ = [
    "Alert",
    "AlertSettings",
    "AlertState",
    "Cause",
    "Channel",
    "FreshnessObservation",
    "Kind",
    "Problem",
    "SmtpChannel",
    "SyncObservation",
    "WebhookChannel",
    "WebhookRejected",
    "dedup_key",
    "deliver",
    "email_message",
    "observe_freshness",
    "observe_sync",
    "redact",
    "webhook_payload",
]
