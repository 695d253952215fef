"""The Markdown change report: every section is there, and scraped text stays data.

Scraped values (names, addresses, reasons) are hostile input: they must neither break a
table, nor add links, HTML or headings to the report. Each such claim is checked twice:
structurally on the Markdown text, and on the HTML a CommonMark parser (with GFM tables)
renders from it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from html import unescape
from typing import Any

import pytest
from markdown_it import MarkdownIt

from track_sync_assets.report import (
    DashboardFailure,
    QualityFinding,
    ReportInput,
    escape_markdown,
    markdown_table,
    render_report,
)
from track_sync_tests.report.markdown_checks import outside_code

GENERATED_AT = datetime(2026, 1, 5, 6, 30, 15, tzinfo=UTC)

HOSTILE_VALUES = [
    "Pipe | Raceway | Extra",
    "Line one\nLine two\r\n# injected heading",
    "<script>alert(1)</script>",
    "[click me](javascript:alert(1))",
    "# Not a heading",
    "`code` and ``more``",
    "**bold** and _italic_ and ~~struck~~",
    "Tom &amp; Jerry's <b>track</b>",
    "![image](http://evil.example/x.png)",
    "trailing backslash \\",
    "escaped pipe \\| still one cell",
    "<http://autolink.example>",
    "&lt;script&gt; as entities",
]


def render(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def cells(line: str) -> list[str]:
    """A table row's cells, split on the pipes Markdown treats as separators."""
    parts, current, chars = [], [], iter(line.strip())
    for char in chars:
        if char == "\\":
            current += [char, next(chars, "")]
        elif char == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts[1:-1]]  # the outer pipes open and close the row


def unescaped(text: str, char: str) -> int:
    """How often ``char`` occurs in ``text`` without a backslash escaping it."""
    count, chars = 0, iter(text)
    for current in chars:
        if current == "\\":
            next(chars, None)
        elif current == char:
            count += 1
    return count


def tables(markdown: str) -> list[list[str]]:
    """Every table of the report as its list of lines (header, delimiter, rows)."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            current.append(line)
        elif current:
            found.append(current)
            current = []
    return found


def table_rows(text: str) -> list[list[str]]:
    """The data rows (past header and delimiter) of the one table in ``text``."""
    (table,) = tables(text)
    return [cells(line) for line in table[2:]]


def sync_dict(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "listed": 1090,
        "counts": {
            "added": 2,
            "updated": 1,
            "refreshed": 7,
            "unchanged": 1078,
            "deactivated": 1,
            "reactivated": 1,
        },
        "changes": [
            {"slug": "newtrack", "name": "New Track RC", "kind": "added", "fields": []},
            {"slug": "another", "name": "Another Raceway", "kind": "added", "fields": []},
            {
                "slug": "moved",
                "name": "Moved Raceway",
                "kind": "updated",
                "fields": [
                    {"field": "city", "old": "Lucama", "new": "Wilson"},
                    {"field": "phone", "old": None, "new": "+1 252 555 0100"},
                ],
            },
            {"slug": "gone", "name": "Gone Speedway", "kind": "deactivated", "fields": []},
            {"slug": "back", "name": "Back Again RC", "kind": "reactivated", "fields": []},
        ],
        "refreshed": 7,
        "refreshed_fields": {"last_updated_text": 7, "total_races": 5, "total_laps": 0},
    }
    data.update(overrides)
    return data


def full_input(**overrides: Any) -> ReportInput:
    values: dict[str, Any] = {
        "sync_id": "3f2a9c1e-run",
        "generated_at": GENERATED_AT,
        "sync": sync_dict(),
        "dashboard_failures": [
            DashboardFailure("broken", "Broken Raceway", "server_error", "HTTP 503 after 4 tries"),
            DashboardFailure("nameless", None, "timeout", None),
        ],
        "quality_findings": [
            QualityFinding("coordinates", "faraway", "(-33.86, 151.2) is far outside US"),
            QualityFinding("email", "typo", "'info@@x..com': invalid"),
        ],
        "completeness": {"coordinates": 0.9512, "email": 0.5, "phone": 0.25, "website": 1.0},
        "stage_seconds": {"track_list": 1.23456, "dashboards": 300.5},
        "requests": {"liverc": {"sent": 1100, "retried": 3}, "robots": 2},
        "geocoding": {"lookups": 12, "cache_hits": 1078, "rejected": 1},
    }
    values.update(overrides)
    return ReportInput(**values)


def section(report: str, title: str) -> str:
    """The text under the ``## title...`` heading, up to the next heading."""
    match = re.search(rf"^## {re.escape(title)}.*?$(.*?)(?=^## |\Z)", report, re.M | re.S)
    assert match, f"section {title!r} missing from the report"
    return match.group(0)


# --- Sections ---


def test_report_opens_with_a_heading_naming_the_time_and_the_sync() -> None:
    report = render_report(full_input())
    assert report.startswith("# Track sync report 2026-01-05 06:30:15 UTC\n")
    assert "3f2a9c1e-run" in report
    assert "1090 tracks listed" in report


def test_report_heading_time_is_utc_whatever_zone_it_was_given_in() -> None:
    paris = timezone(timedelta(hours=1))
    report = render_report(full_input(generated_at=GENERATED_AT.astimezone(paris)))
    assert report.startswith("# Track sync report 2026-01-05 06:30:15 UTC\n")


def test_summary_counts_every_kind_of_change_failures_and_findings() -> None:
    summary = section(render_report(full_input()), "Summary")
    expected = {
        "added": "2",
        "updated": "1",
        "refreshed": "7",
        "unchanged": "1078",
        "deactivated": "1",
        "reactivated": "1",
        "dashboard failures": "2",
        "data-quality findings": "2",
    }
    assert dict(table_rows(summary)) == expected


def test_missing_counts_show_as_zero() -> None:
    summary = section(render_report(full_input(sync={"listed": 0})), "Summary")
    assert "| added | 0 |" in summary
    assert "| reactivated | 0 |" in summary


def test_new_deactivated_and_reactivated_tracks_are_listed_with_slug_and_name() -> None:
    report = render_report(full_input())
    new = section(report, "New tracks")
    assert new.startswith("## New tracks (2)")
    assert "| newtrack | New Track RC |" in new and "| another | Another Raceway |" in new
    assert "| gone | Gone Speedway |" in section(report, "Deactivated (1)")
    assert "| back | Back Again RC |" in section(report, "Reactivated (1)")


def test_catalogue_changes_show_old_and_new_value_per_field() -> None:
    changes = section(render_report(full_input()), "Catalogue changes")
    assert changes.startswith("## Catalogue changes (1 tracks)")
    assert table_rows(changes) == [
        ["moved", "Moved Raceway", "city", "Lucama", "Wilson"],
        ["moved", "Moved Raceway", "phone", "∅", "+1 252 555 0100"],
    ]


def test_an_update_of_a_departed_track_is_a_catalogue_change_marked_departed() -> None:
    left = {
        "slug": "leftlist",
        "name": "Left List RC",
        "kind": "updated",
        "fields": [{"field": "city", "old": "Lucama", "new": "Wilson"}],
        "departed": True,
    }
    changes = sync_dict()["changes"] + [left]
    section_text = section(
        render_report(full_input(sync=sync_dict(changes=changes))), "Catalogue changes"
    )
    assert section_text.startswith("## Catalogue changes (2 tracks)")
    assert "1 of them left the list" in section_text
    assert table_rows(section_text)[-1] == [
        "leftlist (departed)",
        "Left List RC",
        "city",
        "Lucama",
        "Wilson",
    ]
    assert ["moved", "Moved Raceway", "city", "Lucama", "Wilson"] in table_rows(section_text)


def test_empty_sections_say_none_instead_of_an_empty_table() -> None:
    report = render_report(
        ReportInput(sync_id="quiet", generated_at=GENERATED_AT, sync={"listed": 3})
    )
    for title in ("New tracks (0)", "Catalogue changes (0 tracks)", "Deactivated (0)"):
        assert "None." in section(report, title)
    assert "None: every dashboard was fetched" in section(report, "Dashboard failures (0)")
    assert "None." in section(report, "Data-quality findings (0)")
    for title in ("Geocoding", "Stage timings (seconds)", "Requests"):
        assert "Not recorded." in section(report, title)


def test_dashboard_failures_show_outcome_and_reason_and_say_stored_data_was_kept() -> None:
    failures = section(render_report(full_input()), "Dashboard failures (2)")
    assert "kept" in failures
    assert table_rows(failures) == [
        ["broken", "Broken Raceway", "server\\_error", "HTTP 503 after 4 tries"],
        ["nameless", "∅", "timeout", "∅"],
    ]


def test_quality_section_shows_completeness_shares_and_every_finding() -> None:
    quality = section(render_report(full_input()), "Data-quality findings (2)")
    assert "coordinates 95.1%, email 50.0%, phone 25.0%, website 100.0%" in quality
    assert "| coordinates | faraway |" in quality
    assert "| email | typo |" in quality


def test_volatile_refresh_is_one_count_line_with_per_field_counts() -> None:
    refresh = section(render_report(full_input()), "Volatile refresh")
    body = [line for line in refresh.splitlines()[1:] if line.strip()]
    assert len(body) == 1
    assert body[0].startswith("7 tracks had only volatile fields")
    assert "last\\_updated\\_text 7" in body[0] and "total\\_races 5" in body[0]
    assert "total\\_laps" not in body[0], "fields nobody refreshed are left out"


def test_thousand_refreshed_tracks_stay_a_count_and_the_report_stays_short() -> None:
    refreshed = [
        {"slug": f"volatile{i:04d}", "name": f"Volatile {i}", "kind": "refreshed", "fields": []}
        for i in range(1000)
    ]
    sync = sync_dict(
        counts={"refreshed": 1000, "unchanged": 90},
        changes=refreshed,
        refreshed=1000,
        refreshed_fields={"last_updated_text": 1000},
    )
    report = render_report(full_input(sync=sync))
    assert "volatile0" not in report
    assert "1000 tracks had only volatile fields" in report
    assert len(report.splitlines()) < 100


def test_numbers_sections_flatten_nested_counts_and_round_seconds() -> None:
    report = render_report(full_input())
    assert "| track\\_list | 1.235 |" in section(report, "Stage timings (seconds)")
    requests = section(report, "Requests")
    assert "| `liverc.sent` | 1100 |" in requests, "a dotted name is code: no renderer links it"
    assert "| `liverc.retried` | 3 |" in requests
    assert "| robots | 2 |" in requests
    assert "| cache\\_hits | 1078 |" in section(report, "Geocoding")


def test_sections_come_in_a_fixed_order() -> None:
    report = render_report(full_input())
    headings = [line for line in report.splitlines() if line.startswith("#")]
    assert headings == [
        "# Track sync report 2026-01-05 06:30:15 UTC",
        "## Summary",
        "## New tracks (2)",
        "## Catalogue changes (1 tracks)",
        "## Deactivated (1)",
        "## Reactivated (1)",
        "## Dashboard failures (2)",
        "## Data-quality findings (2)",
        "## Volatile refresh",
        "## Geocoding",
        "## Stage timings (seconds)",
        "## Requests",
    ]


# --- Scraped text is data ---


def hostile_input() -> ReportInput:
    """Every place scraped text reaches, filled with every hostile value."""
    changes = []
    for i, value in enumerate(HOSTILE_VALUES):
        changes += [
            {"slug": f"new-{value}", "name": value, "kind": "added", "fields": []},
            {"slug": f"gone{i}", "name": value, "kind": "deactivated", "fields": []},
            {"slug": f"back{i}", "name": value, "kind": "reactivated", "fields": []},
            {
                "slug": f"upd{i}",
                "name": value,
                "kind": "updated",
                "fields": [{"field": "address", "old": value, "new": value}],
            },
        ]
    return full_input(
        sync=sync_dict(changes=changes, refreshed_fields={v: 1 for v in HOSTILE_VALUES}),
        dashboard_failures=[DashboardFailure(v, v, "parse_error", v) for v in HOSTILE_VALUES],
        quality_findings=[QualityFinding("email", v, v) for v in HOSTILE_VALUES],
        completeness={v: 0.5 for v in HOSTILE_VALUES},
        requests={v: v for v in HOSTILE_VALUES},
        geocoding={"by reason": {v: 1 for v in HOSTILE_VALUES}},
    )


def test_hostile_names_keep_every_table_row_at_its_column_count() -> None:
    report = render_report(hostile_input())
    found = tables(report)
    assert len(found) >= 8
    for table in found:
        width = len(cells(table[0]))
        for line in table:
            assert len(cells(line)) == width, line


def test_hostile_names_add_no_headings_lines_or_markup() -> None:
    report = render_report(hostile_input())
    own_headings = render_report(full_input()).count("\n#")
    assert report.count("\n#") == own_headings
    body = outside_code(report.split("\n", 3)[3])  # past the heading and the sync line
    for char in "[]<>`*_~!$":
        assert unescaped(body, char) == 0, f"unescaped {char!r} in the report"
    assert "<script>" not in report


def test_hostile_names_render_as_plain_text_in_html() -> None:
    report = render_report(hostile_input())
    html = render(report)
    assert "<script" not in html and "<a " not in html and "<img" not in html
    assert "<b>" not in html and "<strong>" not in html and "<em>" not in html
    pieces = {p.strip() for v in HOSTILE_VALUES for p in " ".join(v.split()).split("|")} - {""}
    for code in re.findall(r"<code>(.*?)</code>", html.split("</p>", 1)[1]):
        assert any(piece in unescape(code) for piece in pieces), f"{code!r} is not scraped text"
    assert "<del>" not in html and "<s>" not in html
    assert html.count("<h1>") == 1
    assert html.count("<h2>") == 11
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        widths = {
            len(re.findall(r"<t[hd]", row)) for row in re.findall(r"<tr>.*?</tr>", table, re.S)
        }
        assert len(widths) == 1, table


def test_hostile_text_reads_back_as_the_original_characters() -> None:
    html = render(render_report(hostile_input()))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "[click me](javascript:alert(1))" in html
    assert "Tom &amp;amp; Jerry's &lt;b&gt;track&lt;/b&gt;" in html, "entities shown as typed"
    assert "Pipe | Raceway | Extra" in html
    assert "Line one Line two # injected heading" in html


@pytest.mark.parametrize("value", HOSTILE_VALUES)
def test_escaped_value_is_one_line_one_cell_and_no_markup(value: str) -> None:
    escaped = escape_markdown(value)
    assert "\n" not in escaped and "\r" not in escaped
    html = render(markdown_table(["value"], [[value]]))
    assert len(re.findall(r"<td>", html)) == 1, html
    assert not re.search(r"<(?!/?(table|thead|tbody|tr|th|td|code)>)", html), html


def test_none_renders_as_a_placeholder() -> None:
    assert escape_markdown(None) == "∅"
    assert "| ∅ |" in markdown_table(["x"], [[None]])


def test_empty_string_stays_empty_not_none() -> None:
    assert escape_markdown("") == ""


def test_very_long_values_are_truncated_with_an_ellipsis() -> None:
    escaped = escape_markdown("x" * 5000)
    assert len(escaped) == 200 and escaped.endswith("…")
    assert escape_markdown("y" * 50, limit=10) == "y" * 9 + "…"
    assert escape_markdown("z" * 200) == "z" * 200, "a value at the limit is kept whole"


def test_long_hostile_name_in_the_report_is_cut_but_still_escaped() -> None:
    name = "<script>|" * 200
    report = render_report(
        full_input(dashboard_failures=[DashboardFailure("long", name, "timeout", None)])
    )
    row = next(line for line in report.splitlines() if line.startswith("| long |"))
    assert len(cells(row)) == 4
    assert "…" in row and len(row) < 600
    assert unescaped(row, "<") == 0


def test_whitespace_runs_fold_to_one_space() -> None:
    assert escape_markdown("  Lucama\t\tRC \n Park  ") == "Lucama RC Park"


def test_numbers_and_other_values_are_shown_as_text() -> None:
    assert escape_markdown(42) == "42"
    assert escape_markdown(1.5) == "1.5"
    assert escape_markdown(True) == "True"


def test_markdown_table_has_header_delimiter_and_one_line_per_row() -> None:
    table = markdown_table(["slug", "name"], [["a", "A|B"], ["b", None]])
    assert table.splitlines() == [
        "| slug | name |",
        "|---|---|",
        "| a | A\\|B |",
        "| b | ∅ |",
    ]
