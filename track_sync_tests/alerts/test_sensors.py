"""The alert sensors on a real Dagster instance with real runs, posting to local receivers."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    DagsterInstance,
    DagsterRun,
    Definitions,
    ExecuteInProcessResult,
    Failure,
    JobDefinition,
    MaterializeResult,
    asset,
    asset_check,
    build_run_status_sensor_context,
    build_sensor_context,
    define_asset_job,
    instance_for_test,
    job,
    op,
)

from track_sync_assets.defs.alerting import (
    ALERT_SENSORS,
    FAILURE_SHARE_TAG,
    AlertsResource,
    load_state,
    track_sync_failure_alerts,
    track_sync_freshness_alerts,
    track_sync_success_alerts,
)
from track_sync_assets.defs.tags import RESULT_TAG, SYNC_ID_TAG
from track_sync_tests.alerts.conftest import SmtpReceiver, WebhookReceiver

ENV_VARS = (
    "TRACK_SYNC_ALERT_WEBHOOK_URL",
    "TRACK_SYNC_SMTP_HOST",
    "TRACK_SYNC_SMTP_PORT",
    "TRACK_SYNC_SMTP_USERNAME",
    "TRACK_SYNC_SMTP_PASSWORD",
    "TRACK_SYNC_SMTP_STARTTLS",
    "TRACK_SYNC_ALERT_MAIL_FROM",
    "TRACK_SYNC_ALERT_MAIL_TO",
    "TRACK_SYNC_DAGSTER_UI_URL",
    "TRACK_SYNC_DASHBOARD_FAILURE_WARN_SHARE",
)


@op
def fetch_dashboards() -> None:
    raise Failure("Some tracks failed: 3 of 10 dashboards")


@job(name="dashboards_job")
def failing_dashboards_job() -> None:
    fetch_dashboards()


@op
def fetch_all() -> None:
    pass


@job(name="dashboards_job")
def good_dashboards_job() -> None:
    fetch_all()


STALE = [False]


@asset(name="tracks")
def tracks_asset() -> MaterializeResult:
    return MaterializeResult()


@asset_check(asset="tracks", name="tracks_emails_valid")
def emails_check() -> AssetCheckResult:
    bad = STALE[0] is None
    return AssetCheckResult(
        passed=not bad, severity=AssetCheckSeverity.ERROR, description="2 of 120 bad e-mails"
    )


@asset_check(asset="tracks", name="freshness_check")
def freshness_check() -> AssetCheckResult:
    stale = bool(STALE[0])
    return AssetCheckResult(passed=not stale, description="last update 30 h ago" if stale else "")


@asset(name="liverc_track_list")
def track_list() -> MaterializeResult:
    return MaterializeResult()


@asset_check(asset="liverc_track_list", blocking=True)
def track_list_passes_sanity_guard() -> AssetCheckResult:
    return AssetCheckResult(
        passed=False, severity=AssetCheckSeverity.ERROR, description="only 12 of 1090 listed"
    )


DEFS = Definitions(
    assets=[tracks_asset, track_list],
    asset_checks=[emails_check, freshness_check, track_list_passes_sanity_guard],
    jobs=[
        define_asset_job("catalogue_job", selection=["tracks"]),
        define_asset_job("track_list_job", selection=["liverc_track_list"]),
    ],
)


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DagsterInstance]:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    STALE[0] = False
    with instance_for_test(temp_dir=str(tmp_path)) as instance:
        yield instance


@pytest.fixture
def alerts(webhook: WebhookReceiver, smtp: SmtpReceiver) -> AlertsResource:
    return AlertsResource(
        webhook_url=webhook.url,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        mail_from="track-sync@example.org",
        mail_to="ops@example.org",
        dagster_ui_url="http://ui.example:3000",
    )


def execute(
    instance: DagsterInstance, job_def: JobDefinition, tags: Mapping[str, str]
) -> tuple[ExecuteInProcessResult, DagsterRun]:
    result = job_def.execute_in_process(instance=instance, tags=dict(tags), raise_on_error=False)
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    return result, run


def on_finished(
    instance: DagsterInstance,
    result: ExecuteInProcessResult,
    run: DagsterRun,
    alerts: AlertsResource,
) -> None:
    """Evaluate the sensor that Dagster would call for this run's final status."""
    if result.success:
        event, sensor = result.get_run_success_event(), track_sync_success_alerts
    else:
        event, sensor = result.get_run_failure_event(), track_sync_failure_alerts
    context = build_run_status_sensor_context(
        sensor_name=sensor.name,
        dagster_event=event,
        dagster_instance=instance,
        dagster_run=run,
        resources={"alerts": alerts},
    )
    sensor(context.for_run_failure() if not result.success else context)


def catalogue(instance: DagsterInstance, sync_id: str, alerts: AlertsResource) -> None:
    result, run = execute(instance, DEFS.resolve_job_def("catalogue_job"), {SYNC_ID_TAG: sync_id})
    assert result.success
    on_finished(instance, result, run, alerts)


def test_failed_sync_alerts_once_and_the_next_healthy_sync_sends_one_recovery_note(
    instance: DagsterInstance, alerts: AlertsResource, webhook: WebhookReceiver, smtp: SmtpReceiver
) -> None:
    tags = {SYNC_ID_TAG: "sync-one-failed", RESULT_TAG: "failed"}
    result, run = execute(instance, failing_dashboards_job, tags)
    assert not result.success
    on_finished(instance, result, run, alerts)
    assert len(webhook.posts) == 1 and len(smtp.mails) == 1
    text = webhook.posts[0]["text"]
    assert text.startswith("track-sync: sync sync-one failed")
    assert "The dashboards_job run failed." in text and "3 of 10 dashboards" in text
    assert f"http://ui.example:3000/runs/{run.run_id}" in text
    assert smtp.mails[0][2]["Subject"] == "[track-sync] track-sync: sync sync-one failed"

    on_finished(instance, result, run, alerts)  # a second evaluation of the same run
    assert len(webhook.posts) == 1 and len(smtp.mails) == 1

    ok_tags = {SYNC_ID_TAG: "sync-two-healthy", RESULT_TAG: "complete"}
    result, run = execute(instance, good_dashboards_job, ok_tags)
    on_finished(instance, result, run, alerts)
    assert len(webhook.posts) == 1  # the sync is not concluded before its catalogue run
    catalogue(instance, "sync-two-healthy", alerts)
    catalogue(instance, "sync-two-healthy", alerts)
    assert len(webhook.posts) == 2 and len(smtp.mails) == 2
    recovery = webhook.posts[1]["text"]
    assert recovery.startswith("track-sync: sync sync-two is healthy again")
    assert "Recovered from sync failed (since sync sync-one)" in recovery
    assert load_state(instance).open_since is None


def test_partial_above_the_warning_share_warns_once_per_sync(
    instance: DagsterInstance, alerts: AlertsResource, webhook: WebhookReceiver
) -> None:
    tags = {SYNC_ID_TAG: "sync-partial", RESULT_TAG: "partial", FAILURE_SHARE_TAG: "0.2"}
    result, run = execute(instance, failing_dashboards_job, tags)
    on_finished(instance, result, run, alerts)
    assert [p["text"].splitlines()[:2] for p in webhook.posts] == [
        [
            "track-sync: sync sync-par was partial",
            "Some tracks failed: 20.0% of dashboards (warning above 5.0%).",
        ]
    ]
    assert webhook.posts[0]["blocks"][0]["text"]["text"].startswith(":warning:")
    catalogue(instance, "sync-partial", alerts)  # same sync and cause: no repeat, no recovery
    assert len(webhook.posts) == 1

    small = {SYNC_ID_TAG: "sync-small", RESULT_TAG: "partial", FAILURE_SHARE_TAG: "0.03"}
    result, run = execute(instance, failing_dashboards_job, small)
    on_finished(instance, result, run, alerts)
    assert len(webhook.posts) == 1  # at or under the warning share: no alert
    catalogue(instance, "sync-small", alerts)
    assert len(webhook.posts) == 2 and "is healthy again" in webhook.posts[1]["text"]


def test_a_failed_guard_is_one_message_naming_the_check_and_the_failed_run(
    instance: DagsterInstance, alerts: AlertsResource, webhook: WebhookReceiver
) -> None:
    result, run = execute(instance, DEFS.resolve_job_def("track_list_job"), {SYNC_ID_TAG: "guard"})
    assert not result.success
    on_finished(instance, result, run, alerts)
    [post] = webhook.posts
    assert post["text"].startswith("track-sync: sync guard failed")
    assert "ERROR check failed: liverc_track_list/track_list_passes_sanity_guard" in post["text"]
    assert "only 12 of 1090 listed" in post["text"]
    assert "The track_list_job run failed." in post["text"]


def test_an_error_check_failing_in_a_successful_catalogue_run_alerts(
    instance: DagsterInstance, alerts: AlertsResource, webhook: WebhookReceiver
) -> None:
    STALE[0] = None  # makes the e-mail check fail
    catalogue(instance, "sync-bad-emails", alerts)
    catalogue(instance, "sync-bad-emails", alerts)
    [post] = webhook.posts
    assert post["text"].startswith("track-sync: sync sync-bad failed a data check")
    assert "tracks/tracks_emails_valid" in post["text"] and "2 of 120 bad e-mails" in post["text"]
    assert load_state(instance).open_since == "sync-bad-emails"


def test_stale_catalogue_alerts_once_until_it_is_fresh_again(
    instance: DagsterInstance, alerts: AlertsResource, webhook: WebhookReceiver, smtp: SmtpReceiver
) -> None:
    def tick() -> str:
        context = build_sensor_context(instance=instance, resources={"alerts": alerts})
        return track_sync_freshness_alerts(context).skip_message

    assert tick() == "the catalogue has not been built yet", "no false alarm before a sync"
    STALE[0] = True
    catalogue(instance, "sync-late", alerts)
    tick()
    catalogue(instance, "sync-late-2", alerts)
    tick()
    assert [p["text"].splitlines()[0] for p in webhook.posts] == [
        "track-sync: the catalogue is stale"
    ]
    assert "last update 30 h ago" in webhook.posts[0]["text"] and len(smtp.mails) == 1
    STALE[0] = False
    catalogue(instance, "sync-fresh", alerts)
    assert tick() == "catalogue fresh; 1 alert(s) sent"
    assert tick() == "catalogue fresh; 0 alert(s) sent"
    assert webhook.posts[-1]["text"].startswith("track-sync: the catalogue is fresh again")


def test_a_receiver_that_is_down_fails_neither_the_sensor_nor_later_alerts(
    instance: DagsterInstance, closed_port: int, capfd: pytest.CaptureFixture[str]
) -> None:
    down = AlertsResource(webhook_url=f"http://127.0.0.1:{closed_port}/hook/SECRET-TOKEN-9")
    result, run = execute(instance, failing_dashboards_job, {SYNC_ID_TAG: "sync-down"})
    on_finished(instance, result, run, down)  # raises nothing
    logged = capfd.readouterr().err  # the sensor's logger writes to stderr here
    assert "not sent via webhook (http://127.0.0.1): ConnectError" in logged
    assert "SECRET-TOKEN-9" not in logged
    assert "sync-down:sync_failed" in load_state(instance).notified  # no retry storm


def test_alerts_are_off_when_no_channel_is_configured(instance: DagsterInstance) -> None:
    result, run = execute(instance, failing_dashboards_job, {SYNC_ID_TAG: "sync-quiet"})
    on_finished(instance, result, run, AlertsResource())
    assert load_state(instance).notified == ()
    context = build_sensor_context(instance=instance, resources={"alerts": AlertsResource()})
    assert "alerts are off" in track_sync_freshness_alerts(context).skip_message


def test_sensors_load_in_definitions_with_the_resource() -> None:
    defs = Definitions(
        jobs=[failing_dashboards_job],
        sensors=ALERT_SENSORS,
        resources={"alerts": AlertsResource()},
    )
    Definitions.validate_loadable(defs)
    names = {s.name for s in defs.get_repository_def().sensor_defs}
    assert names == {
        "track_sync_failure_alerts",
        "track_sync_success_alerts",
        "track_sync_freshness_alerts",
    }
