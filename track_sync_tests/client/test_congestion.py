"""The congestion control tells LiveRC-wide pressure from one track's trouble."""

from __future__ import annotations

import pytest

from track_sync_assets.liverc.client import AdaptiveRate, CongestionControl, Signal


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def control(clock: Clock, **kwargs: object) -> CongestionControl:
    rate = AdaptiveRate(max_rps=16.0, min_rps=1.0, recovery_s=8.0, clock=clock)
    return CongestionControl(rate, **{"window": 50, "share": 0.25, "min_targets": 5, **kwargs})


def feed(cc: CongestionControl, clock: Clock, answers: list[tuple[str, Signal]]) -> int:
    """Answers to requests started now, one per 10 ms; returns how many cut the rate."""
    cuts = 0
    for target, signal in answers:
        clock.now += 0.01
        cuts += cc.observe(target, clock.now, signal)
    return cuts


def test_a_429_from_any_track_cuts_the_rate_at_once_once_per_episode() -> None:
    clock = Clock()
    cc = control(clock)
    before_cut = clock.now
    assert cc.observe("https://a.liverc.com/", before_cut, Signal.THROTTLED) is True
    assert cc.rate.rate == 8.0
    # Another answer to a request started before that cut is the same episode.
    assert cc.observe("https://b.liverc.com/", before_cut, Signal.THROTTLED) is False
    assert cc.rate.rate == 8.0
    clock.now += 0.5
    assert cc.observe("https://b.liverc.com/", clock.now, Signal.THROTTLED) is True
    assert cc.rate.rate == 4.0
    assert cc.stats()["decreases_by_cause"] == {"429": 2}


def test_a_few_tracks_answering_503_never_slow_the_others() -> None:
    clock = Clock()
    cc = control(clock)
    # 1,000 answers; every 20th track (5 %) answers 503 twice before its page.
    answers: list[tuple[str, Signal]] = []
    for n in range(1000):
        url = f"https://t{n}.liverc.com/"
        if n % 20 == 0:
            answers += [(url, Signal.OVERLOADED)] * 2
        answers.append((url, Signal.GOOD))
    assert feed(cc, clock, answers) == 0
    assert cc.rate.rate == 16.0


def test_one_broken_track_is_its_own_problem_however_often_it_fails() -> None:
    clock = Clock()
    cc = control(clock)
    assert feed(cc, clock, [("https://broken.liverc.com/", Signal.OVERLOADED)] * 200) == 0
    assert (
        feed(cc, clock, [(f"https://t{n}.liverc.com/", Signal.TRACK_ERROR) for n in range(200)])
        == 0
    )
    assert cc.rate.rate == 16.0


def test_503s_spread_over_many_tracks_cut_the_rate_once_per_window_of_new_answers() -> None:
    clock = Clock()
    cc = control(clock)
    storm = [(f"https://t{n}.liverc.com/", Signal.OVERLOADED) for n in range(10)]
    assert feed(cc, clock, storm[:9]) == 0  # fewer answers than the detector needs
    assert feed(cc, clock, storm[9:]) == 1
    assert cc.rate.rate == 8.0
    # The next cut needs fresh evidence: answers to requests started after this one.
    assert feed(cc, clock, storm[:9]) == 0
    assert feed(cc, clock, storm[9:]) == 1
    assert cc.rate.rate == 4.0
    assert cc.stats()["decreases_by_cause"] == {"overload": 2}


def test_the_rate_recovers_linearly_with_time_without_pressure_and_has_a_floor() -> None:
    clock = Clock()
    cc = control(clock)
    for _ in range(10):
        clock.now += 1
        cc.observe("https://a.liverc.com/", clock.now, Signal.THROTTLED)
    assert cc.rate.rate == 1.0  # the floor
    clock.now += 2.0  # 16 rps over 8 s: 2 rps a second
    cc.observe("https://a.liverc.com/", clock.now, Signal.GOOD)
    assert cc.rate.rate == pytest.approx(5.0)
    clock.now += 60.0
    cc.observe("https://a.liverc.com/", clock.now, Signal.GOOD)
    assert cc.rate.rate == 16.0


def test_switched_off_it_never_touches_the_rate() -> None:
    clock = Clock()
    cc = control(clock, enabled=False)
    storm = [(f"https://t{n}.liverc.com/", Signal.THROTTLED) for n in range(50)]
    assert feed(cc, clock, storm) == 0
    assert cc.rate.rate == 16.0
    assert cc.stats()["signals"] == {"throttled": 50}


def test_invalid_rates_are_rejected() -> None:
    with pytest.raises(ValueError):
        AdaptiveRate(max_rps=1.0, min_rps=2.0)
    with pytest.raises(ValueError):
        AdaptiveRate(max_rps=1.0, min_rps=0.5, recovery_s=0)
