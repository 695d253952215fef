"""Dagster glue for alerts: the ``AlertsResource`` and three sensors.

- ``track_sync_failure_alerts`` (run-failure sensor) and ``track_sync_success_alerts``
  (run-status sensor on success) read the finished run's tags and its asset check
  evaluations and turn them into one alert per sync and cause, plus a recovery note.
- ``track_sync_freshness_alerts`` reads the latest evaluation of the freshness check on
  ``tracks``: one alert when the catalogue turns stale, one when it is fresh again.

The dedup state lives in the instance's key-value store (``STATE_KEY``), shared by the
three sensors (the daemon evaluates one code location's sensors one at a time). The
pure logic is in ``track_sync_assets.alerts``. Wire it in with
``resources={"alerts": AlertsResource()}`` and ``sensors=ALERT_SENSORS``.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from dagster import (
    AssetCheckEvaluation,
    AssetCheckKey,
    AssetCheckSeverity,
    AssetKey,
    ConfigurableResource,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunsFilter,
    RunStatusSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    run_status_sensor,
    sensor,
)

from track_sync_assets.alerts import (
    AlertSettings,
    AlertState,
    Cause,
    FreshnessObservation,
    Problem,
    SyncObservation,
    deliver,
    observe_freshness,
    observe_sync,
    redact,
)
from track_sync_assets.alerts.settings import DEFAULT_UI_URL, DEFAULT_WARN_SHARE, split_addresses
from track_sync_assets.defs.dagster_internals import AssetCheckExecutionRecordStatus
from track_sync_assets.defs.tags import FAILURE_SHARE_TAG, RESULT_TAG, SYNC_ID_TAG

STATE_KEY = "track_sync/alerts/state"
CATALOGUE_JOB = "catalogue_job"
TRACKS_KEY = AssetKey("tracks")
FRESHNESS_CHECK = AssetCheckKey(TRACKS_KEY, "freshness_check")
FAILURE_SHARE_CHECK = "dashboard_failure_share"
MAX_DETAIL_CHARS = 400


class AlertsResource(ConfigurableResource):
    """Where alerts go; off while neither a webhook nor an SMTP host is set. The
    environment variables of docs/alerts.md set these fields (as ``EnvVar`` for the
    secrets, so the UI shows the variable's name, never its value)."""

    webhook_url: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = ""
    mail_to: str = ""
    dagster_ui_url: str = DEFAULT_UI_URL
    warn_share: float = DEFAULT_WARN_SHARE

    def settings(self) -> AlertSettings:
        """The channels' settings from these fields (the environment is mapped onto the
        fields by track_sync_assets.environment.resources, as ``EnvVar`` for secrets)."""
        return AlertSettings(
            webhook_url=self.webhook_url.strip(),
            smtp_host=self.smtp_host.strip(),
            smtp_port=self.smtp_port,
            smtp_username=self.smtp_username.strip(),
            smtp_password=self.smtp_password,
            smtp_starttls=self.smtp_starttls,
            mail_from=self.mail_from.strip(),
            mail_to=split_addresses(self.mail_to),
            dagster_ui_url=self.dagster_ui_url.strip() or DEFAULT_UI_URL,
            warn_share=self.warn_share,
        )


def load_state(instance: DagsterInstance) -> AlertState:
    raw = instance.daemon_cursor_storage.get_cursor_values({STATE_KEY}).get(STATE_KEY)
    return AlertState.from_json(raw)


def save_state(instance: DagsterInstance, state: AlertState) -> None:
    instance.daemon_cursor_storage.set_cursor_values({STATE_KEY: state.to_json()})


def check_evaluations(instance: DagsterInstance, run_id: str) -> list[AssetCheckEvaluation]:
    """The asset check evaluations recorded by a run."""
    records = instance.get_records_for_run(
        run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    return [
        evaluation
        for record in records
        if (evaluation := record.event_log_entry.asset_check_evaluation) is not None
    ]


def failure_messages(instance: DagsterInstance, run_id: str) -> list[str]:
    """Why a run failed: its step failures, else its run-failure message."""
    kinds = {DagsterEventType.STEP_FAILURE, DagsterEventType.RUN_FAILURE}
    records = instance.get_records_for_run(run_id, of_type=kinds).records
    steps, runs = [], []
    for record in records:
        event = record.event_log_entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_FAILURE:
            error = event.step_failure_data.error
            steps.append(f"{event.step_key}: {error.message.strip() if error else 'failed'}")
        elif event.message:
            runs.append(event.message)
    return [m[:MAX_DETAIL_CHARS] for m in (steps or runs)]


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _check_problem(evaluations: list[AssetCheckEvaluation]) -> Problem | None:
    failed = [
        e
        for e in evaluations
        if not e.passed
        and e.severity == AssetCheckSeverity.ERROR
        and e.check_name != FRESHNESS_CHECK.name
    ]
    if not failed:
        return None
    names = ", ".join(f"{e.asset_key.to_user_string()}/{e.check_name}" for e in failed)
    details = tuple(
        f"{e.check_name}: {(e.description or 'failed')[:MAX_DETAIL_CHARS]}" for e in failed
    )
    return Problem(Cause.CHECK_FAILED, f"ERROR check failed: {names}", details)


def _sync_result(instance: DagsterInstance, run: DagsterRun, sync_id: str) -> DagsterRun | None:
    """The sync's latest run carrying a result tag (its dashboards run)."""
    if RESULT_TAG in run.tags:
        return run
    if SYNC_ID_TAG not in run.tags:
        return None
    runs = instance.get_runs(filters=RunsFilter(tags={SYNC_ID_TAG: sync_id}), limit=20)
    return next((r for r in runs if RESULT_TAG in r.tags), None)


def _partial_problem(share: float | None, warn_share: float) -> Problem | None:
    if share is None or share <= warn_share:
        return None
    return Problem(
        Cause.SYNC_PARTIAL,
        f"Some tracks failed: {share:.1%} of dashboards (warning above {warn_share:.1%}).",
    )


def observe_run(
    instance: DagsterInstance, run: DagsterRun, settings: AlertSettings
) -> SyncObservation:
    """What a finished run says about its sync (see docs/alerts.md for the rules)."""
    sync_id = run.tags.get(SYNC_ID_TAG) or run.run_id
    evaluations = check_evaluations(instance, run.run_id)
    problems = [p for p in [_check_problem(evaluations)] if p]
    healthy: bool | None = None
    result_run = _sync_result(instance, run, sync_id)
    result = result_run.tags.get(RESULT_TAG) if result_run else None
    share = _number(result_run.tags.get(FAILURE_SHARE_TAG)) if result_run else None
    if share is None:
        share = next(
            (
                _number(e.metadata["failure_share"].value)
                for e in evaluations
                if e.check_name == FAILURE_SHARE_CHECK and "failure_share" in e.metadata
            ),
            None,
        )
    if run.status == DagsterRunStatus.FAILURE and result == "partial" and run is result_run:
        problems += [p for p in [_partial_problem(share, settings.warn_share)] if p]
    elif run.status == DagsterRunStatus.FAILURE:
        reasons = tuple(failure_messages(instance, run.run_id))
        problems.append(Problem(Cause.SYNC_FAILED, f"The {run.job_name} run failed.", reasons))
        healthy = False
    elif run.job_name == CATALOGUE_JOB or TRACKS_KEY in (run.asset_selection or ()):
        problems += [p for p in [_partial_problem(share, settings.warn_share)] if p]
        healthy = not problems and result != "failed"
    hidden = settings.secrets()
    problems = [
        replace(
            p,
            summary=redact(p.summary, hidden),
            details=tuple(redact(d, hidden) for d in p.details),
        )
        for p in problems
    ]
    link = settings.link(f"runs/{run.run_id}")
    return SyncObservation(sync_id, tuple(problems), healthy, link)


def alert_on_run(
    instance: DagsterInstance, run: DagsterRun, settings: AlertSettings, logger: logging.Logger
) -> int:
    """Observe a finished run, send what is new, store the state; the alerts sent."""
    channels = settings.channels()
    if not channels:
        return 0
    state, alerts = observe_sync(load_state(instance), observe_run(instance, run, settings))
    for alert in alerts:
        deliver(alert, channels, logger, settings.secrets())
    save_state(instance, state)
    return len(alerts)


def alert_on_freshness(
    instance: DagsterInstance, settings: AlertSettings, logger: logging.Logger
) -> str:
    """Compare the latest completed freshness evaluation with the stored state."""
    channels = settings.channels()
    if not channels:
        return "alerts are off: no webhook or SMTP configured"
    record = instance.get_latest_asset_check_evaluation_record(FRESHNESS_CHECK)
    done = {AssetCheckExecutionRecordStatus.SUCCEEDED, AssetCheckExecutionRecordStatus.FAILED}
    if record is None or record.status not in done or record.event is None:
        return "no completed freshness evaluation yet"
    evaluation = record.event.asset_check_evaluation
    observation = FreshnessObservation(
        evaluation_id=record.id,
        stale=record.status == AssetCheckExecutionRecordStatus.FAILED,
        summary=(evaluation.description or "") if evaluation else "",
        link=settings.link(f"assets/{TRACKS_KEY.to_user_string()}?view=checks"),
    )
    state, alerts = observe_freshness(load_state(instance), observation)
    for alert in alerts:
        deliver(alert, channels, logger, settings.secrets())
    save_state(instance, state)
    return f"catalogue {'stale' if state.stale else 'fresh'}; {len(alerts)} alert(s) sent"


@run_failure_sensor(
    name="track_sync_failure_alerts",
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
    description="Alerts when a sync failed, was partial above the warning share, or an "
    "ERROR asset check failed (webhook and/or e-mail; off when not configured).",
)
def track_sync_failure_alerts(context: RunFailureSensorContext, alerts: AlertsResource) -> None:
    alert_on_run(context.instance, context.dagster_run, alerts.settings(), context.log)


@run_status_sensor(
    name="track_sync_success_alerts",
    run_status=DagsterRunStatus.SUCCESS,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=False,
    description="Alerts on ERROR asset checks that failed in a successful run, and sends a "
    "recovery note when a sync is healthy again.",
)
def track_sync_success_alerts(context: RunStatusSensorContext, alerts: AlertsResource) -> None:
    alert_on_run(context.instance, context.dagster_run, alerts.settings(), context.log)


@sensor(
    name="track_sync_freshness_alerts",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="Alerts once when the catalogue turns stale (freshness check on tracks) "
    "and once when it is fresh again.",
)
def track_sync_freshness_alerts(
    context: SensorEvaluationContext, alerts: AlertsResource
) -> SkipReason:
    settings = alerts.settings()
    built = context.instance.get_latest_materialization_event(TRACKS_KEY) is not None
    if settings.channels() and not built:
        # A new deployment's catalogue is not stale before its first sync has finished.
        return SkipReason("the catalogue has not been built yet")
    return SkipReason(alert_on_freshness(context.instance, settings, context.log))


ALERT_SENSORS = [track_sync_failure_alerts, track_sync_success_alerts, track_sync_freshness_alerts]
