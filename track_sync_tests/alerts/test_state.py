"""The dedup/recovery state machine, without Dagster or a network."""

from __future__ import annotations

from track_sync_assets.alerts import (
    AlertState,
    Cause,
    FreshnessObservation,
    Kind,
    Problem,
    SyncObservation,
    observe_freshness,
    observe_sync,
)

FAILED = Problem(Cause.SYNC_FAILED, "The dashboards_job run failed.", ("fetch: kill switch",))
PARTIAL = Problem(Cause.SYNC_PARTIAL, "Some tracks failed: 12.0% of dashboards.")
CHECK = Problem(Cause.CHECK_FAILED, "ERROR check failed: tracks/tracks_emails_valid")


def test_one_alert_per_sync_and_cause_then_silence() -> None:
    state, alerts = observe_sync(AlertState(), SyncObservation("sync-a", (FAILED,), False))
    assert [a.keys for a in alerts] == [("sync-a:sync_failed",)]
    assert alerts[0].kind is Kind.FAILURE and "fetch: kill switch" in alerts[0].text
    state, again = observe_sync(state, SyncObservation("sync-a", (FAILED,), False))
    assert again == []
    state, other = observe_sync(state, SyncObservation("sync-b", (FAILED,), False))
    assert [a.keys for a in other] == [("sync-b:sync_failed",)]


def test_new_causes_together_are_one_message_and_a_known_cause_is_not_repeated() -> None:
    state, alerts = observe_sync(AlertState(), SyncObservation("s", (PARTIAL,), None))
    assert alerts[0].kind is Kind.WARNING and "was partial" in alerts[0].title
    state, alerts = observe_sync(state, SyncObservation("s", (PARTIAL, CHECK), False))
    assert len(alerts) == 1 and alerts[0].keys == ("s:check_failed",)
    assert "Some tracks failed" not in alerts[0].text and "tracks_emails_valid" in alerts[0].text


def test_recovery_note_once_after_the_next_healthy_sync() -> None:
    state, _ = observe_sync(AlertState(), SyncObservation("s1", (FAILED,), False))
    state, none = observe_sync(state, SyncObservation("s2", (), None))
    assert none == [] and state.open_since == "s1"
    state, recovered = observe_sync(state, SyncObservation("s2", (), True, link="http://ui/runs/x"))
    assert len(recovered) == 1 and recovered[0].kind is Kind.RECOVERY
    assert "sync failed" in recovered[0].text and "s1" in recovered[0].text
    assert recovered[0].link == "http://ui/runs/x"
    state, _ = observe_sync(state, SyncObservation("s3", (), True))
    assert state.open_since is None
    assert observe_sync(state, SyncObservation("s3", (), True))[1] == []


def test_healthy_syncs_without_an_incident_are_silent_and_unhealthy_opens_one() -> None:
    state, alerts = observe_sync(AlertState(), SyncObservation("s1", (), True))
    assert alerts == [] and state.open_since is None
    state, alerts = observe_sync(state, SyncObservation("s2", (), False))
    assert alerts == [] and state.open_since == "s2"
    assert len(observe_sync(state, SyncObservation("s3", (), True))[1]) == 1


def test_stale_alerts_once_until_fresh_again() -> None:
    state, alerts = observe_freshness(AlertState(), FreshnessObservation(1, stale=False))
    assert alerts == []
    state, alerts = observe_freshness(state, FreshnessObservation(2, stale=True, summary="26 h"))
    assert len(alerts) == 1 and alerts[0].kind is Kind.WARNING and "26 h" in alerts[0].text
    for evaluation in (2, 3, 4):
        state, alerts = observe_freshness(state, FreshnessObservation(evaluation, stale=True))
        assert alerts == []
    state, alerts = observe_freshness(state, FreshnessObservation(5, stale=False))
    assert len(alerts) == 1 and alerts[0].kind is Kind.RECOVERY
    assert observe_freshness(state, FreshnessObservation(4, stale=True))[1] == []


def test_state_round_trips_as_json_and_tolerates_garbage() -> None:
    state, _ = observe_sync(AlertState(), SyncObservation("s1", (FAILED, CHECK), False))
    state, _ = observe_freshness(state, FreshnessObservation(7, stale=True))
    assert AlertState.from_json(state.to_json()) == state
    assert AlertState.from_json("not json") == AlertState()
    assert AlertState.from_json(None) == AlertState()


def test_remembered_keys_are_bounded() -> None:
    state = AlertState()
    for n in range(700):
        state, _ = observe_sync(state, SyncObservation(f"s{n}", (FAILED,), False))
    assert len(state.notified) == 500 and state.notified[-1] == "s699:sync_failed"
