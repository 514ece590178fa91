"""The lesson 05 checker accepts timer-based inactivity alerts and explains each typical mistake."""
from __future__ import annotations

import pytest

from flowlab.common import Types
from flowlab.datastream import KeyedProcessFunction
from flowlab.datastream.state import ValueStateDescriptor
from flowlab.exercises import CheckResult
from flowlab.exercises.lesson05 import check_inactivity_alert, expected_alerts


class Deleting(KeyedProcessFunction):
    """Keeps the latest event time; moves the timer when it grows."""

    def open(self, runtime_context):
        self.last = runtime_context.get_state(ValueStateDescriptor("last", Types.LONG()))

    def process_element(self, value, ctx):
        last = self.last.value()
        if last is None or ctx.timestamp() > last:
            if last is not None:
                ctx.timer_service().delete_event_time_timer(last + 1000)
            self.last.update(ctx.timestamp())
            ctx.timer_service().register_event_time_timer(ctx.timestamp() + 1000)

    def on_timer(self, timestamp, ctx):
        yield ctx.get_current_key(), self.last.value()
        self.last.clear()


class Checking(KeyedProcessFunction):
    """Registers a timer per event; on_timer alerts only for the latest one."""

    def open(self, runtime_context):
        self.last = runtime_context.get_state(ValueStateDescriptor("last", Types.LONG()))

    def process_element(self, value, ctx):
        if self.last.value() is None or ctx.timestamp() > self.last.value():
            self.last.update(ctx.timestamp())
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 1000)

    def on_timer(self, timestamp, ctx):
        if timestamp == self.last.value() + 1000:
            yield ctx.get_current_key(), self.last.value()


class Stale(KeyedProcessFunction):
    def process_element(self, value, ctx):
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 1000)

    def on_timer(self, timestamp, ctx):
        yield ctx.get_current_key(), timestamp - 1000


class NoMax(Deleting):
    def process_element(self, value, ctx):
        last = self.last.value()
        if last is not None:
            ctx.timer_service().delete_event_time_timer(last + 1000)
        self.last.update(ctx.timestamp())
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 1000)


class SharedAttribute(KeyedProcessFunction):
    def open(self, runtime_context):
        self.last = None

    def process_element(self, value, ctx):
        if self.last is None or ctx.timestamp() > self.last:
            self.last = ctx.timestamp()
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 1000)

    def on_timer(self, timestamp, ctx):
        if timestamp == self.last + 1000:
            yield ctx.get_current_key(), self.last


class ProcessingTime(Checking):
    def process_element(self, value, ctx):
        if self.last.value() is None or ctx.timestamp() > self.last.value():
            self.last.update(ctx.timestamp())
        ctx.timer_service().register_processing_time_timer(ctx.timestamp() + 1000)


class TimerTime(Checking):
    def on_timer(self, timestamp, ctx):
        if timestamp == self.last.value() + 1000:
            yield ctx.get_current_key(), timestamp


class NoTimer(KeyedProcessFunction):
    def process_element(self, value, ctx):
        return []


class Strings(Checking):
    def on_timer(self, timestamp, ctx):
        if timestamp == self.last.value() + 1000:
            yield f"{ctx.get_current_key()} is inactive"


def test_expected_alerts():
    """Alice's silence, alice after her out-of-order event, bob's silence, and carol at the end of input."""
    assert expected_alerts() == [(("alice", 250), 1250), (("alice", 1700), 2700), (("bob", 2000), 3000),
                                 (("carol", 3400), 4400)]


@pytest.mark.parametrize("function", [Deleting, Checking, Checking()])
def test_correct_solutions_pass(function):
    """Deleting the old timer or checking in on_timer both pass; a class or an instance."""
    result = check_inactivity_alert(function)
    assert isinstance(result, CheckResult)
    assert result.passed, result.messages
    assert "Well done" in result.messages[-1]


@pytest.mark.parametrize("function, expected", [
    (Stale, "alert ('alice', 100) at 1100 ms, but alice had another event at 250 ms"),
    (NoMax, "the out-of-order event at 1600 ms (it arrived after 1700) moved your deadline backwards"),
    (SharedAttribute, "right for each user alone, but not for several users together"),
    (ProcessingTime, "your function fires processing-time timers: they follow the machine's clock"),
    (TimerTime, "not the timer's time (1250 ms)"),
    (NoTimer, "no alert at all"),
    (Strings, "each alert must be a (user, last_seen_ms) tuple"),
    (int, "pass a KeyedProcessFunction subclass"),
    (None, "pass your KeyedProcessFunction class"),
])
def test_typical_mistakes_get_a_specific_hint(function, expected):
    """Each typical mistake fails with a message naming the alert, the event and the fix."""
    result = check_inactivity_alert(function)
    assert not result.passed
    assert any(expected in m for m in result.messages), result.messages
