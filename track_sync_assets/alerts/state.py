"""Dedup and recovery: which observations become alerts (a pure state machine).

One alert per sync and cause (key ``<sync id>:<cause>``); new causes seen together go out
as one message. A sync with a problem opens an incident; the next healthy sync closes it
with one recovery note. A stale catalogue alerts once, and once more when it is fresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from track_sync_assets.alerts.messages import Alert, Cause, Kind

MAX_REMEMBERED_KEYS = 500
PRIORITY = (Cause.SYNC_FAILED, Cause.CHECK_FAILED, Cause.SYNC_PARTIAL)


@dataclass(frozen=True)
class Problem:
    """Something wrong seen in one run of a sync."""

    cause: Cause
    summary: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyncObservation:
    """What one finished run says about its sync.

    ``healthy``: True when the sync finished healthy, False when it finished unhealthy,
    None when this run does not conclude it (e.g. a successful track-list run).
    """

    sync_id: str
    problems: tuple[Problem, ...] = ()
    healthy: bool | None = None
    link: str = ""


@dataclass(frozen=True)
class FreshnessObservation:
    """The latest completed evaluation of the catalogue's freshness check."""

    evaluation_id: int
    stale: bool
    summary: str = ""
    link: str = ""


@dataclass(frozen=True)
class AlertState:
    """What has been sent and what is still open; stored as JSON between evaluations."""

    notified: tuple[str, ...] = ()
    open_since: str | None = None
    stale: bool = False
    freshness_seen: int = -1
    causes_open: tuple[str, ...] = field(default=())

    def to_json(self) -> str:
        return json.dumps(
            {
                "notified": list(self.notified),
                "open_since": self.open_since,
                "causes_open": list(self.causes_open),
                "stale": self.stale,
                "freshness_seen": self.freshness_seen,
            }
        )

    @classmethod
    def from_json(cls, raw: str | None) -> AlertState:
        """The stored state; a fresh one when nothing (or something unreadable) is stored."""
        try:
            data = json.loads(raw or "{}")
            return cls(
                notified=tuple(str(k) for k in data.get("notified", [])),
                open_since=data.get("open_since"),
                causes_open=tuple(str(c) for c in data.get("causes_open", [])),
                stale=bool(data.get("stale", False)),
                freshness_seen=int(data.get("freshness_seen", -1)),
            )
        except (ValueError, TypeError, AttributeError):
            return cls()

    def remember(self, *keys: str) -> AlertState:
        return replace(self, notified=(*self.notified, *keys)[-MAX_REMEMBERED_KEYS:])


def dedup_key(sync_id: str, cause: Cause) -> str:
    return f"{sync_id}:{cause.value}"


def short(sync_id: str) -> str:
    return sync_id[:8]


def observe_sync(state: AlertState, obs: SyncObservation) -> tuple[AlertState, list[Alert]]:
    """The new state and the alerts (zero or one) for one finished run of a sync."""
    fresh = [p for p in obs.problems if dedup_key(obs.sync_id, p.cause) not in state.notified]
    alerts: list[Alert] = []
    if fresh:
        alerts.append(_problem_alert(obs, fresh))
        state = state.remember(*(dedup_key(obs.sync_id, p.cause) for p in fresh))
    if obs.problems or obs.healthy is False:
        causes = {*state.causes_open, *(p.cause.value for p in obs.problems)}
        state = replace(
            state, open_since=state.open_since or obs.sync_id, causes_open=tuple(sorted(causes))
        )
    elif obs.healthy and state.open_since is not None:
        key = dedup_key(obs.sync_id, Cause.RECOVERED)
        if key not in state.notified:
            alerts.append(_recovery_alert(obs, state))
            state = state.remember(key)
        state = replace(state, open_since=None, causes_open=())
    return state, alerts


def observe_freshness(
    state: AlertState, obs: FreshnessObservation
) -> tuple[AlertState, list[Alert]]:
    """Alert once when the catalogue turns stale, and once when it is fresh again."""
    if obs.evaluation_id <= state.freshness_seen:
        return state, []
    state = replace(state, freshness_seen=obs.evaluation_id)
    if obs.stale == state.stale:
        return state, []
    if obs.stale:
        alert = Alert(
            keys=(f"freshness-{obs.evaluation_id}:{Cause.CATALOGUE_STALE.value}",),
            kind=Kind.WARNING,
            title="track-sync: the catalogue is stale",
            lines=(obs.summary or "The freshness check on `tracks` failed.",),
            link=obs.link,
        )
    else:
        alert = Alert(
            keys=(f"freshness-{obs.evaluation_id}:{Cause.FRESH_AGAIN.value}",),
            kind=Kind.RECOVERY,
            title="track-sync: the catalogue is fresh again",
            lines=(obs.summary or "The freshness check on `tracks` passed.",),
            link=obs.link,
        )
    return replace(state, stale=obs.stale).remember(*alert.keys), [alert]


def _problem_alert(obs: SyncObservation, problems: list[Problem]) -> Alert:
    causes = {p.cause for p in problems}
    top = next(c for c in (*PRIORITY, *Cause) if c in causes)
    verdict = {
        Cause.SYNC_FAILED: "failed",
        Cause.CHECK_FAILED: "failed a data check",
        Cause.SYNC_PARTIAL: "was partial",
    }.get(top, "needs attention")
    kind = Kind.WARNING if causes == {Cause.SYNC_PARTIAL} else Kind.FAILURE
    lines = [line for p in problems for line in (p.summary, *(f"  {d}" for d in p.details))]
    return Alert(
        keys=tuple(dedup_key(obs.sync_id, p.cause) for p in problems),
        kind=kind,
        title=f"track-sync: sync {short(obs.sync_id)} {verdict}",
        lines=(*lines, f"Sync id: {obs.sync_id}"),
        link=obs.link,
    )


def _recovery_alert(obs: SyncObservation, state: AlertState) -> Alert:
    since = state.open_since or obs.sync_id
    causes = ", ".join(c.replace("_", " ") for c in state.causes_open) or "problems"
    return Alert(
        keys=(dedup_key(obs.sync_id, Cause.RECOVERED),),
        kind=Kind.RECOVERY,
        title=f"track-sync: sync {short(obs.sync_id)} is healthy again",
        lines=(
            f"Recovered from {causes} (since sync {short(since)}).",
            f"Sync id: {obs.sync_id}",
        ),
        link=obs.link,
    )
