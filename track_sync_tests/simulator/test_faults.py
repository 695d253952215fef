"""The fault spec grammar and its reproducible decisions."""

from __future__ import annotations

from collections import Counter
from email.utils import parsedate_to_datetime

import pytest

from track_sync_assets.simulator import Fault, FaultSpec, FaultSpecError


def test_empty_spec_injects_nothing() -> None:
    spec = FaultSpec.parse("")
    assert spec == FaultSpec() == FaultSpec.parse(None)
    assert str(spec) == ""
    assert all(spec.dashboard_fault(1, f"t{i}", 0) is None for i in range(200))
    assert spec.list_fault(0) is None and spec.robots_fault(0) is None


def test_full_spec_parses_and_prints_back() -> None:
    text = (
        "5xx=0.05, 429=0.02,slow=0.01,reset=0.01,truncate=0.01,malformed=0.01,retry_after=date:7,"
        "slow_delay=2.5,gone=slugA+slugB,flaky=slugX:2+slugY:1:429,broken=slugZ+slugW:reset,"
        "list=503:1+maintenance:2+truncated,robots=404,list_rows=40"
    )
    spec = FaultSpec.parse(text)
    assert (spec.error_5xx, spec.throttle_429, spec.malformed) == (0.05, 0.02, 0.01)
    assert spec.retry_after_date and spec.retry_after_s == 7 and spec.slow_delay_s == 2.5
    assert spec.gone == {"sluga", "slugb"}
    assert spec.list_rows == 40
    assert FaultSpec.parse(str(spec)) == spec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5xx", "KEY=VALUE"),
        ("5xx=lots", "must be a number"),
        ("5xx=1.5", "between 0 and 1"),
        ("5xx=0.6,429=0.6", "more than 1"),
        ("teapot=0.1", "unknown fault item"),
        ("gone=bad-slug", "not a track slug"),
        ("flaky=slugX", "SLUG:N"),
        ("flaky=slugX:0", "positive request count"),
        ("broken=slugX:200", "not an HTTP error"),
        ("broken=slugX:melt", "unknown fault"),
        ("list=malformed", "unknown fault"),
        ("robots=maintenance", "unknown fault"),
        ("retry_after=soon", "SECONDS"),
        ("5xx=0.1,5xx=0.2", "given twice"),
    ],
)
def test_bad_specs_are_rejected_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message):
        FaultSpec.parse(text)


def test_per_slug_faults_are_deterministic_and_case_insensitive() -> None:
    spec = FaultSpec.parse("gone=Gone1,flaky=Flaky:2,flaky=throttled:1:429,broken=dead")
    assert spec.dashboard_fault(1, "gone1", 5) == Fault("status", 404)
    assert [spec.dashboard_fault(1, "flaky", n) for n in range(3)] == [
        Fault("status", 503),
        Fault("status", 503),
        None,
    ]
    assert spec.dashboard_fault(1, "Throttled", 0) == Fault("status", 429)
    assert spec.dashboard_fault(1, "throttled", 1) is None
    assert {str(spec.dashboard_fault(1, "dead", n)) for n in range(5)} == {"500"}


def test_random_faults_follow_their_shares_and_the_seed() -> None:
    spec = FaultSpec.parse("5xx=0.2,429=0.1,reset=0.1")
    draws = [str(spec.dashboard_fault(1, f"track{i}", 0)) for i in range(4000)]
    counts = Counter(draws)
    assert 0.17 < sum(counts[s] for s in ("500", "502", "503", "504")) / 4000 < 0.23
    assert 0.08 < counts["429"] / 4000 < 0.12 and 0.08 < counts["reset"] / 4000 < 0.12
    again = [str(spec.dashboard_fault(1, f"track{i}", 0)) for i in range(4000)]
    other_seed = [str(spec.dashboard_fault(2, f"track{i}", 0)) for i in range(4000)]
    assert draws == again and draws != other_seed


def test_a_retry_draws_again_so_a_randomly_failed_track_can_succeed() -> None:
    spec = FaultSpec.parse("5xx=0.5")
    failed_first = [f"t{i}" for i in range(100) if spec.dashboard_fault(1, f"t{i}", 0)]
    assert failed_first
    assert any(spec.dashboard_fault(1, slug, 1) is None for slug in failed_first)


def test_list_steps_play_in_order_and_the_last_unbounded_step_lasts() -> None:
    spec = FaultSpec.parse("list=503:1+maintenance:2+cut")
    assert [str(spec.list_fault(n)) for n in range(5)] == [
        "503",
        "maintenance",
        "maintenance",
        "cut",
        "cut",
    ]
    bounded = FaultSpec.parse("robots=500:2")
    assert [str(bounded.robots_fault(n)) for n in range(3)] == ["500", "500", "None"]


def test_retry_after_is_seconds_or_an_http_date() -> None:
    assert FaultSpec.parse("retry_after=3").retry_after(1_000_000.0) == "3"
    date = FaultSpec.parse("retry_after=date:30").retry_after(1_000_000.0)
    assert parsedate_to_datetime(date).timestamp() == 1_000_030.0
