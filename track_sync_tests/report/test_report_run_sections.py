"""The report's run details: who started the sync, rejected list rows, the refresh plan and
automatic retries. Each is shown when the caller knows it and left out when it does not."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import pytest

from track_sync_assets.domain import RejectedRow
from track_sync_assets.refresh.plan import Reason, Skip
from track_sync_assets.report import RetryInfo, StartedBy, render_report
from track_sync_assets.report.run_sections import DUE_REASONS
from track_sync_tests.report.markdown_checks import linkify_renderer
from track_sync_tests.report.test_report_markdown import full_input, section, table_rows

OKINA_ROW = RejectedRow(
    7914,
    "track link '//ʻbphsrc.liverc.com/' is not //{slug}.liverc.com/",
    None,
    "//ʻbphsrc.liverc.com/",
    "ʻBishop Park RC",
)
NAMELESS_ROW = RejectedRow(12, "no track name", "quietacres", "//quietacres.liverc.com/", None)
PLAN_COUNTS = {
    "new": 3, "failed": 2, "active": 360, "rolling": 47, "departed": 0, "forced": 0,
    "not_due": 700, "departed_not_due": 18, "departed_expired": 0,
}  # fmt: skip


def report(**details) -> str:
    return render_report(full_input(**details))


# --- Rejected track-list rows ---


def test_rejected_rows_are_a_table_of_row_reason_and_the_raw_link_and_name_as_code():
    rejected = section(report(rejected_rows=[OKINA_ROW, NAMELESS_ROW]), "Rejected track-list")
    assert rejected.startswith("## Rejected track-list rows (2)")
    assert "left out of this sync" in rejected
    assert table_rows(rejected) == [
        [
            "7914",
            "`track link '//ʻbphsrc.liverc.com/' is not //{slug}.liverc.com/`",
            "`//ʻbphsrc.liverc.com/`",
            "`ʻBishop Park RC`",
        ],
        ["12", "no track name", "`//quietacres.liverc.com/`", "∅"],
    ]


def test_rejected_rows_are_counted_in_the_summary():
    summary = section(report(rejected_rows=[OKINA_ROW]), "Summary")
    assert dict(table_rows(summary))["rejected track-list rows"] == "1"


def test_a_list_without_rejected_rows_says_so():
    rejected = section(report(rejected_rows=[]), "Rejected track-list rows (0)")
    assert "None: every row of LiveRC's track list was read." in rejected


def test_a_name_with_backticks_and_pipes_stays_one_code_cell():
    row = dataclasses.replace(NAMELESS_ROW, name="``Fast|Loop`` `RC`")
    rejected = section(report(rejected_rows=[row]), "Rejected track-list")
    (cells,) = table_rows(rejected)
    assert cells[3] == "``` ``Fast ```\\|``` Loop`` `RC` ```"
    html = linkify_renderer().render(rejected)
    shown = re.findall(r"<td>(.*?)</td>", html)[-1]
    assert unescape(re.sub("</?code>", "", shown)) == "``Fast|Loop`` `RC`"


# --- Refresh plan ---


def test_the_report_knows_every_reason_of_the_refresh_plan():
    assert tuple(reason.value for reason in Reason) == DUE_REASONS


def test_the_refresh_plan_counts_due_dashboards_per_reason_then_the_skipped_ones():
    counts = {key.value: PLAN_COUNTS[key.value] for key in (*Reason, *Skip)}
    plan = section(report(refresh_plan=counts), "Refresh plan")
    assert "412 of 1130 dashboards were due; 718 skipped." in plan
    assert table_rows(plan) == [
        ["new", "3"],
        ["failed", "2"],
        ["active", "360"],
        ["rolling", "47"],
        ["departed", "0"],
        ["forced", "0"],
        ["skipped: not\\_due", "700"],
        ["skipped: departed\\_not\\_due", "18"],
        ["skipped: departed\\_expired", "0"],
    ]


def test_a_plan_given_as_due_reasons_and_one_skipped_count_is_shown_as_given():
    plan = section(report(refresh_plan={"new": 1090, "skipped": 0}), "Refresh plan")
    assert "1090 of 1090 dashboards were due; 0 skipped." in plan
    assert ["forced", "0"] in table_rows(plan) and ["skipped", "0"] in table_rows(plan)


# --- Automatic retry ---


def test_a_retry_that_is_not_the_last_says_which_retry_comes_next():
    retry = section(report(retry=RetryInfo(2, 3, ("broken", "slow"))), "Automatic retry (2 of 3)")
    assert "2 tracks still fail; retry 3 of 3 will fetch them again." in retry
    assert table_rows(retry) == [["broken"], ["slow"]]


def test_tracks_failing_after_the_last_retry_are_left_for_the_next_days_sync():
    retry = section(report(retry=RetryInfo(3, 3, ("broken",))), "Automatic retry (3 of 3)")
    assert "1 tracks still fail after the last retry: left for the next day's sync." in retry
    assert table_rows(retry) == [["broken"]]


def test_a_retry_that_fixed_everything_says_so():
    retry = section(report(retry=RetryInfo(1, 3)), "Automatic retry (1 of 3)")
    assert "Every track this retry fetched again now has its dashboard." in retry


def test_a_long_list_of_failing_tracks_is_cut_at_100_with_a_count_of_the_rest():
    slugs = tuple(f"track{i:03d}" for i in range(250))
    retry = section(report(retry=RetryInfo(3, 3, slugs)), "Automatic retry")
    assert len(table_rows(retry)) == 100
    assert "And 150 more (see Dashboard failures)." in retry


@pytest.mark.parametrize(("number", "limit"), [(0, 3), (4, 3), (1, 0)])
def test_a_retry_outside_its_limit_is_refused(number, limit):
    with pytest.raises(ValueError, match="is not a retry"):
        RetryInfo(number, limit)


# --- Who started the sync ---


@pytest.mark.parametrize(
    ("started_by", "line"),
    [
        (StartedBy("schedule"), "Started by `schedule`."),
        (StartedBy("sensor"), "Started by `sensor`."),
        (
            StartedBy("cli:ops@build-01", "re-run after the 02:00 outage"),
            "Started by `cli:ops@build-01`; reason: re-run after the 02:00 outage.",
        ),
        (
            StartedBy("ui", "see <b>ticket</b> #42 **now**"),
            "Started by `ui`; reason: see \\<b\\>ticket\\</b\\> \\#42 \\*\\*now\\*\\*.",
        ),
    ],
)
def test_who_started_the_sync_is_the_line_under_the_sync_id(started_by, line):
    lines = report(started_by=started_by).splitlines()
    assert lines[2].startswith("Sync `3f2a9c1e-run`")
    assert lines[3:5] == ["", line]


# --- Where the details go ---


def test_run_details_come_in_a_fixed_order_and_are_left_out_when_unknown():
    full = report(
        rejected_rows=[OKINA_ROW],
        refresh_plan=PLAN_COUNTS,
        retry=RetryInfo(1, 2, ("broken",)),
        started_by=StartedBy("retry"),
    )
    headings = [line for line in full.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Summary",
        "## New tracks (2)",
        "## Catalogue changes (1 tracks)",
        "## Deactivated (1)",
        "## Reactivated (1)",
        "## Rejected track-list rows (1)",
        "## Refresh plan",
        "## Dashboard failures (2)",
        "## Automatic retry (1 of 2)",
        "## Data-quality findings (2)",
        "## Volatile refresh",
        "## Geocoding",
        "## Stage timings (seconds)",
        "## Requests",
    ]
    plain = report()
    for absent in ("Rejected track-list", "Refresh plan", "Automatic retry", "Started by"):
        assert absent not in plain
