"""The lesson 03 checker accepts a safe-and-fast watermark delay and explains each typical mistake."""
from __future__ import annotations

import pytest

from flowlab.common import Duration, WatermarkStrategy
from flowlab.exercises import CheckResult
from flowlab.exercises.lesson03 import check_watermark_strategy, max_fast_delay, min_safe_delay


def bounded(ms):
    return WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(ms))


def test_the_range_of_good_delays():
    """The worst disorder is 300 ms; the reading at 1350 ms arriving at 900 virtual ms allows up to 350 ms."""
    assert (min_safe_delay(), max_fast_delay()) == (300, 350)


@pytest.mark.parametrize("strategy", [bounded(300), bounded(325), bounded(350), 320,
                                      bounded(330).with_idleness(Duration.of_millis(1000))])
def test_correct_solutions_pass(strategy):
    """Any out-of-orderness from 300 to 350 ms passes, as a strategy or as an int."""
    result = check_watermark_strategy(strategy)
    assert isinstance(result, CheckResult)
    assert result.passed, result.messages
    assert "Well done" in result.messages[-1]


@pytest.mark.parametrize("strategy, expected", [
    (bounded(299), "the watermark was already 850 when it arrived, raised by the reading with event time 1150 ms"),
    (bounded(200), "must be at least 300 ms"),
    (WatermarkStrategy.for_monotonous_timestamps(), "6 reading(s) were late"),
    (bounded(0), "the reading with event time 200 ms (arrived at 200 virtual ms) is late"),
    (bounded(351), "fired at 1151 virtual ms"),
    (bounded(400), "event time >= 999 + 400 + 1 = 1400 ms"),
    (WatermarkStrategy.no_watermarks(), "never emits a watermark"),
    (None, "pass a WatermarkStrategy"),
    (-5, "must be >= 0 ms"),
    ("300", "expected a WatermarkStrategy or an int"),
])
def test_typical_mistakes_get_a_specific_hint(strategy, expected):
    """Too small names the late reading and the watermark; too large names when the window fired."""
    result = check_watermark_strategy(strategy)
    assert not result.passed
    assert any(expected in m for m in result.messages), result.messages


def test_late_readings_are_missing_from_the_window():
    """With a too-small delay the window fires in time but without the dropped readings."""
    result = check_watermark_strategy(bounded(0))
    assert any("with 7 of its 8 readings" in m for m in result.messages), result.messages


def test_late_but_still_counted_is_explained():
    """A reading late by the watermark whose window has not fired yet is counted: the checker says so."""
    result = check_watermark_strategy(bounded(200))
    assert not result.passed
    assert any("only by luck" in m for m in result.messages), result.messages
