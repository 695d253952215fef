"""Environment variables -> the fields of the Dagster resources (docs/configuration.md).

A variable that is not set leaves the field at its default (an ``EnvVar`` has no default
and fails a run when unset, so it is wired only for variables that are set).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dagster import EnvVar

from track_sync_assets.environment.parsing import env_flag, env_float, env_int_list


@dataclass(frozen=True, slots=True)
class Setting:
    """One environment variable and the resource field it sets."""

    variable: str
    resource: str
    field: str
    kind: str
    """``str`` and ``int`` become ``EnvVar``s; ``float``, ``flag``, ``ints`` are parsed here."""
    minimum: float | None = None
    maximum: float | None = None


SETTINGS: tuple[Setting, ...] = (
    # The catalogue database.
    Setting("TRACK_SYNC_DATABASE_URL", "catalogue", "database_url", "str"),
    Setting("TRACK_SYNC_LOCK_TIMEOUT_S", "catalogue", "lock_timeout_s", "float", 0),
    Setting("TRACK_SYNC_GUARD_MIN_SHARE", "catalogue", "guard_min_share", "float", 0, 1),
    Setting("TRACK_SYNC_GUARD_MIN_ROWS", "catalogue", "guard_min_rows", "int"),
    # LiveRC and politeness.
    Setting("LIVERC_LIST_URL", "liverc", "list_url", "str"),
    Setting("LIVERC_TRACK_URL_TEMPLATE", "liverc", "track_url_template", "str"),
    Setting("TRACK_SYNC_CONTACT", "liverc", "contact", "str"),
    Setting("TRACK_SYNC_PROJECT_URL", "liverc", "project_url", "str"),
    Setting("TRACK_SYNC_SCRAPE_ENABLED", "liverc", "scrape_enabled", "kill"),
    Setting("TRACK_SYNC_MAX_CONCURRENCY", "liverc", "max_concurrency", "int"),
    Setting("TRACK_SYNC_MAX_RPS", "liverc", "max_rps", "float", 0.001),
    Setting("TRACK_SYNC_MIN_RPS", "liverc", "min_rps", "float", 0.001),
    Setting("TRACK_SYNC_CONNECT_TIMEOUT_S", "liverc", "connect_timeout_s", "float", 0.001),
    Setting("TRACK_SYNC_READ_TIMEOUT_S", "liverc", "read_timeout_s", "float", 0.001),
    Setting("TRACK_SYNC_REQUEST_TIMEOUT_S", "liverc", "request_timeout_s", "float", 0.001),
    Setting("TRACK_SYNC_MAX_ATTEMPTS", "liverc", "max_attempts", "int"),
    Setting("TRACK_SYNC_BACKOFF_BASE_S", "liverc", "backoff_base_s", "float", 0),
    Setting("TRACK_SYNC_BACKOFF_CAP_S", "liverc", "backoff_cap_s", "float", 0),
    Setting("TRACK_SYNC_RETRY_AFTER_CAP_S", "liverc", "retry_after_cap_s", "float", 0),
    Setting("TRACK_SYNC_RATE_RECOVERY_S", "liverc", "rate_recovery_s", "float", 0.001),
    Setting("TRACK_SYNC_PRESSURE_SHARE", "liverc", "pressure_share", "float", 0, 1),
    Setting("TRACK_SYNC_ROBOTS_MAX_AGE_S", "liverc", "robots_max_age_s", "float", 0, 86400),
    Setting("LIVERC_RESOLVE", "liverc", "resolve", "str"),
    # Geocoding.
    Setting("TRACK_SYNC_GEOCODER", "geocoder", "kind", "str"),
    Setting("NOMINATIM_URL", "geocoder", "nominatim_url", "str"),
    Setting("NOMINATIM_MIN_DELAY_S", "geocoder", "nominatim_min_delay_s", "float", 0),
    Setting("NOMINATIM_TIMEOUT_S", "geocoder", "nominatim_timeout_s", "float", 0.001),
    Setting("TRACK_SYNC_CONTACT", "geocoder", "contact", "str"),
    Setting("TRACK_SYNC_GAZETTEER_CACHE_DIR", "geocoder", "gazetteer_cache_dir", "str"),
    # How a sync is judged, refreshed and retried.
    Setting(
        "TRACK_SYNC_MAX_DASHBOARD_FAILURE_SHARE", "sync_policy", "max_failure_share", "float", 0, 1
    ),
    Setting(
        "TRACK_SYNC_DASHBOARD_FAILURE_WARN_SHARE",
        "sync_policy",
        "failure_warn_share",
        "float",
        0,
        1,
    ),
    Setting("TRACK_SYNC_REFRESH_MAX_AGE_DAYS", "sync_policy", "refresh_max_age_days", "int"),
    Setting("TRACK_SYNC_DEPARTED_REFRESH_DAYS", "sync_policy", "departed_refresh_days", "int"),
    Setting("TRACK_SYNC_RETRY_DELAYS_MINUTES", "sync_policy", "retry_delays_minutes", "ints"),
    Setting("TRACK_SYNC_LEASE_WAIT_S", "sync_policy", "lease_wait_s", "float", 0),
    # Alerts (docs/alerts.md): secrets stay EnvVars, shown by name only.
    Setting("TRACK_SYNC_ALERT_WEBHOOK_URL", "alerts", "webhook_url", "str"),
    Setting("TRACK_SYNC_SMTP_HOST", "alerts", "smtp_host", "str"),
    Setting("TRACK_SYNC_SMTP_PORT", "alerts", "smtp_port", "int"),
    Setting("TRACK_SYNC_SMTP_USERNAME", "alerts", "smtp_username", "str"),
    Setting("TRACK_SYNC_SMTP_PASSWORD", "alerts", "smtp_password", "str"),
    Setting("TRACK_SYNC_SMTP_STARTTLS", "alerts", "smtp_starttls", "flag"),
    Setting("TRACK_SYNC_ALERT_MAIL_FROM", "alerts", "mail_from", "str"),
    Setting("TRACK_SYNC_ALERT_MAIL_TO", "alerts", "mail_to", "str"),
    Setting("TRACK_SYNC_DAGSTER_UI_URL", "alerts", "dagster_ui_url", "str"),
    Setting("TRACK_SYNC_DASHBOARD_FAILURE_WARN_SHARE", "alerts", "warn_share", "float", 0, 1),
    # Exports (docs/exports.md).
    Setting("TRACK_SYNC_EXPORTS_DIR", "exports", "folder", "str"),
    # Reports.
    Setting("TRACK_SYNC_REPORTS_DIR", "reports", "folder", "str"),
    Setting("TRACK_SYNC_REPORT_RETENTION_DAYS", "reports", "retention_days", "int"),
)

_PARSERS: dict[str, Callable[[Mapping[str, str], Setting], Any]] = {
    "str": lambda env, s: EnvVar(s.variable),
    "int": lambda env, s: EnvVar.int(s.variable),
    "float": lambda env, s: env_float(env, s.variable, minimum=s.minimum, maximum=s.maximum),
    "flag": lambda env, s: env_flag(env, s.variable),
    "kill": lambda env, s: env_flag(env, s.variable, fail_safe=False),
    "ints": lambda env, s: env_int_list(env, s.variable),
}


def resource_fields(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Resource key -> {field: value or EnvVar} for every variable that is set (non-blank).

    Raises ``ValueError`` naming the variable when a value cannot be parsed.
    """
    fields: dict[str, dict[str, Any]] = {}
    for setting in SETTINGS:
        if not environ.get(setting.variable, "").strip():
            continue
        value = _PARSERS[setting.kind](environ, setting)
        fields.setdefault(setting.resource, {})[setting.field] = value
    return fields


def schedule_cron(environ: Mapping[str, str]) -> str:
    """``TRACK_SYNC_SCHEDULE_CRON`` (default ``0 0 * * *``: every day at 00:00)."""
    return environ.get("TRACK_SYNC_SCHEDULE_CRON", "").strip() or "0 0 * * *"


def schedule_timezone(environ: Mapping[str, str]) -> str:
    """``TRACK_SYNC_SCHEDULE_TIMEZONE`` (default ``UTC``)."""
    return environ.get("TRACK_SYNC_SCHEDULE_TIMEZONE", "").strip() or "UTC"
