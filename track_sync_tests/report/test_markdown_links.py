"""Scraped text never becomes a link, an image or markup, even for renderers that linkify.

Every hostile value goes through each way the report and the Dagster metadata tables show
scraped text (a table cell, a sentence, inline code), is rendered by markdown-it with
linkify and raw HTML on, and must come back as the same characters with no ``<a>``, no
``<img>`` and no tag but the table's and ``<code>``. Text GitHub and remark-gfm would link
after resolving escapes must only appear inside code spans.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from track_sync_assets.domain import RejectedRow
from track_sync_assets.report import (
    DashboardFailure,
    QualityFinding,
    ReportInput,
    RetryInfo,
    StartedBy,
    escape_markdown,
    markdown_code,
    markdown_table,
    render_report,
)
from track_sync_assets.report.escape import one_line
from track_sync_tests.report.markdown_checks import (
    ALLOWED_TAGS,
    cell_text,
    linkify_renderer,
    plain_text_links,
)
from track_sync_tests.report.test_report_markdown import full_input

MD = linkify_renderer()

HOSTILE = [
    "http://evil.example.org/steal",
    "https://evil.example.org/a?b=c&d=e#f",
    "Visit http://evil.example.org/steal now",
    "www.evil.example",
    "WWW.EVIL.EXAMPLE/path",
    "evil.example.com",
    "speedway.com",
    "Speedway.co.uk Raceway",
    "someone@evil.example.org",
    "mail me: someone@evil.example.org!",
    "mailto:someone@evil.example.org",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.cookie)",
    "//evil.example.org/x",
    "//localhost:8080/x",
    "ftp://files.evil.example/",
    "xmpp:someone@evil.example",
    "http&#58;//evil.example.org/",
    "http&colon;//evil.example.org/",
    "[x](http://e)",
    "[x][1] [1]: http://evil.example.org/",
    "![i](http://e/i.png)",
    "<http://evil.example.org>",
    "<someone@evil.example.org>",
    '<a href="http://evil.example.org">x</a>',
    "<img src=x onerror=alert(1)>",
    "Say \"hi\" & 'bye'",
    "pipe | in | cell http://x.org/|y",
    "``` fenced ``` and `tick` and ``two`` on www.x.org",
    "`",
    "``",
    "` leading www.x.org",
    "www.x.org trailing `",
    "back\\slash\\ http://x.org\\",
    "line one\nhttp://evil.example.org\r\nline three",
    "N" * 10_000,
    "https://evil.example.org/" + "a" * 10_000,
    "مضمار السباق http://evil.example.org",
    "\u202eevil.example.org\u202c",
    "🏁 Raceway 🚗 www.🏁.example",
    ":fire: :+1:",
    "$x^2$ and $$y$$",
    "@octocat",
    "~~struck~~ *em* __strong__ http://x.org",
    "R.C. Raceway",
    "日本語のサーキット.jp",
    "raceway.рф",
    "www\u200b.evil.com",
]


def render(markdown: str) -> str:
    return MD.render(markdown)


def assert_no_link_or_markup(markdown: str) -> str:
    html = render(markdown)
    assert "<a " not in html and "<img" not in html, html
    assert not ALLOWED_TAGS.search(html), html
    assert plain_text_links(markdown) == [], markdown
    return html


def test_the_renderer_used_here_does_link_bare_urls_emails_and_hosts():
    """Without escaping, each of these becomes a link: the tests below can fail."""
    for raw in ["http://evil.example.org/steal", "www.evil.com", "a@evil.example.org", "x.com"]:
        assert "<a " in render(f"| v |\n|---|\n| {raw} |"), raw
        assert plain_text_links(raw) or raw == "x.com"


@pytest.mark.parametrize("value", HOSTILE)
def test_a_table_cell_shows_the_value_as_text_and_nothing_else(value):
    html = assert_no_link_or_markup(markdown_table(["value"], [[value]]))
    assert len(re.findall(r"<td>", html)) == 1, html
    assert cell_text(html) == one_line(value)


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_in_a_sentence_shows_as_text_and_nothing_else(value):
    for shown in (escape_markdown(value), markdown_code(value)):
        assert "\n" not in shown
        html = assert_no_link_or_markup(f"Track {shown} was renamed.")
        assert html.count("<p>") == 1


@pytest.mark.parametrize("value", HOSTILE)
def test_inline_code_reads_back_as_the_value_even_with_backticks_and_pipes(value):
    html = assert_no_link_or_markup(f"| value |\n|---|\n| {markdown_code(value)} |")
    assert cell_text(html) == one_line(value)


def test_text_without_a_link_shape_stays_plain_escaped_text():
    assert escape_markdown("Lucama RC Park (NC) 1.5 km") == "Lucama RC Park (NC) 1.5 km"
    assert escape_markdown("Tom & Jerry | <b>") == "Tom &amp; Jerry \\| \\<b\\>"


def test_text_with_a_link_shape_is_code_split_at_pipes():
    assert escape_markdown("see http://x.org/a|b") == "`see http://x.org/a`\\|`b`"
    assert markdown_code("a `tick` b") == "``a `tick` b``"
    assert markdown_code("`edge`") == "`` `edge` ``"
    assert markdown_code(None) == "∅"


def hostile_report() -> ReportInput:
    values = [one_line(v, 300) for v in HOSTILE]
    changes = [
        {"slug": v, "name": v, "kind": kind, "fields": [{"field": v, "old": v, "new": v}]}
        for v in values
        for kind in ("added", "updated", "deactivated", "reactivated")
    ]
    return ReportInput(
        sync_id="hostile-run",
        generated_at=datetime(2026, 1, 5, tzinfo=UTC),
        sync={"listed": 3, "changes": changes, "refreshed_fields": {v: 1 for v in values}},
        dashboard_failures=[DashboardFailure(v, v, v, v) for v in values],
        quality_findings=[QualityFinding(v, v, v) for v in values],
        completeness={v: 0.5 for v in values},
        stage_seconds={v: 1.0 for v in values},
        requests={"by host": {v: v for v in values}},
        geocoding={v: v for v in values},
        rejected_rows=[RejectedRow(n, v, v, v, v) for n, v in enumerate(values, start=1)],
        refresh_plan={v: 1 for v in values},
        retry=RetryInfo(3, 3, still_failing=values),
        started_by=StartedBy(values[0], reason=values[1]),
    )


def test_a_report_with_hostile_text_in_every_field_has_no_link_image_or_markup():
    report = render_report(hostile_report())
    html = assert_no_link_or_markup(report)
    assert html.count("<h1>") == 1 and html.count("<h2>") == 14
    for table in re.findall(r"<table>.*?</table>", html, re.S):
        widths = {len(re.findall(r"<t[hd]", r)) for r in re.findall(r"<tr>.*?</tr>", table, re.S)}
        assert len(widths) == 1, table


def test_the_report_itself_makes_no_links():
    """Every link a renderer could show would come from data; the report adds none."""
    assert "<a " not in render(render_report(full_input()))


FRAGMENTS = [
    "http", "https", "://", ":", "//", "www", ".", ".com", ".org", ".uk", "@", "mailto:",
    "javascript:", "`", "``", "|", "\\", "[", "](", ")", "!", "<", ">", "&", "#", "&#58;",
    "*", "_", "~", "$", " ", "\n", "evil", "x", "é", "🏁", "\u202e", "。", "ａ",
]  # fmt: skip


@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=3)), max_size=25))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_mix_of_link_parts_stays_one_cell_of_the_same_text(parts):
    value = "".join(parts)
    html = assert_no_link_or_markup(markdown_table(["value"], [[value]]))
    assert cell_text(html) == one_line(value)
