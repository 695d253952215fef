"""The daily schedule: it starts a sync's first run; the sensors chain the rest."""

import os

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from track_sync_assets.defs.busy import whole_sync_reason
from track_sync_assets.defs.jobs import track_list_job
from track_sync_assets.defs.resources import CatalogueResource, LiveRCResource
from track_sync_assets.defs.tags import STARTED_BY_TAG
from track_sync_assets.environment.resources import schedule_cron, schedule_timezone


@schedule(
    name="daily_track_sync",
    job=track_list_job,
    cron_schedule=schedule_cron(os.environ),
    execution_timezone=schedule_timezone(os.environ),
    default_status=DefaultScheduleStatus.RUNNING,
    description="Starts the daily sync (the track list); sensors then fetch the day's "
    "refresh plan and update the catalogue. Skips while scraping is switched off or "
    "while another whole sync is under way (a repair or a selection does not hold it off).",
)
def daily_track_sync(
    context: ScheduleEvaluationContext, catalogue: CatalogueResource, liverc: LiveRCResource
) -> RunRequest | SkipReason:
    with catalogue.open() as store:
        stopped = liverc.stop_reason(store)
        busy = whole_sync_reason(context.instance, store)
    if stopped:
        return SkipReason(stopped)
    if busy:
        return SkipReason(f"a sync is already under way: {busy}")
    return RunRequest(tags={STARTED_BY_TAG: "schedule daily_track_sync"})
