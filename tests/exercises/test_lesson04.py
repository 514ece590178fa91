"""The lesson 04 checker accepts lateness 500 ms + a late side output and explains each typical mistake."""
from __future__ import annotations

import pytest

from flowlab.common import Time, Types
from flowlab.datastream import OutputTag, ProcessWindowFunction
from flowlab.datastream.window import SlidingEventTimeWindows, TumblingEventTimeWindows
from flowlab.exercises import CheckResult
from flowlab.exercises.lesson04 import EXPECTED, check_late_data, watermark_before


class Total(ProcessWindowFunction):
    def process(self, key, context, elements):
        w = context.window()
        yield key, w.start, w.end, sum(c[1] for c in elements)


class Count(ProcessWindowFunction):
    def process(self, key, context, elements):
        w = context.window()
        yield key, w.start, w.end, len(list(elements))


def job(lateness=500, side=True, assigner=None, finish=None, own_tag=False):
    def build_job(clicks, too_late_tag):
        windows = clicks.key_by(lambda c: c[0], key_type=Types.STRING()).window(
            assigner or TumblingEventTimeWindows.of(Time.milliseconds(1000)))
        if lateness is not None:
            windows = windows.allowed_lateness(lateness)
        if side:
            windows = windows.side_output_late_data(OutputTag("mine", too_late_tag.type_info) if own_tag
                                                    else too_late_tag)
        return (finish or (lambda w: w.process(Total())))(windows)
    return build_job


def with_reduce_and_window_function(windows):
    class Bounds(ProcessWindowFunction):
        def process(self, key, context, totals):
            w = context.window()
            for user, clicks, _ in totals:
                yield user, w.start, w.end, clicks
    return windows.reduce(lambda a, b: (a[0], a[1] + b[1], max(a[2], b[2])), window_function=Bounds())


def test_watermarks_before_each_click():
    """The story of the exercise: bob's 900 comes at watermark 1099, alice's 950 at 1499."""
    assert watermark_before(5) == 1099 and watermark_before(7) == 1499 and watermark_before(0) < 0


@pytest.mark.parametrize("build_job", [job(), job(lateness=Time.milliseconds(500)),
                                       job(finish=with_reduce_and_window_function)])
def test_correct_solutions_pass(build_job):
    """Tumbling 1000 ms, allowed lateness 500 ms, side output: passes (process or reduce + window function)."""
    result = check_late_data(build_job)
    assert isinstance(result, CheckResult)
    assert result.passed, result.messages
    assert "Well done" in result.messages[-1]
    assert len(EXPECTED) == 7


@pytest.mark.parametrize("build_job, expected", [
    (job(lateness=None), "click ('bob', 6, 900) arrived when the watermark was 1099, after window [0, 1000) had "
                         "fired, and went to the side output"),
    (job(lateness=None, side=False), "and was dropped"),
    (job(lateness=1000), "window [0, 1000) is already gone, yet your job fired it again ([4, 12])"),
    (job(side=False), "Flink drops such records silently unless you add .side_output_late_data"),
    (job(own_tag=True), "Flink drops such records silently"),
    (job(assigner=SlidingEventTimeWindows.of(Time.milliseconds(1000), Time.milliseconds(500))),
     "window [-500, 500) is not a tumbling 1000 ms window"),
    (job(finish=lambda w: w.reduce(lambda a, b: (a[0], a[1] + b[1], a[2]))), "A reduce alone cannot see the window"),
    (job(finish=lambda w: w.process(Count())), "fired with totals [2], expected [4]"),
    (lambda clicks, tag: None, "returned None"),
    (lambda clicks, tag: clicks.key_by(lambda c: c[0]), "got KeyedStream"),
])
def test_typical_mistakes_get_a_specific_hint(build_job, expected):
    """Each typical mistake fails with a message naming the click, the watermark and the fix."""
    result = check_late_data(build_job)
    assert not result.passed
    assert any(expected in m for m in result.messages), result.messages


def test_passing_the_result_instead_of_the_function():
    """Calling build_job yourself is caught."""
    assert "pass your function itself" in check_late_data(None).messages[0]
