"""The lesson 07 checker accepts deduplication with a 1000 ms state TTL and explains each typical mistake."""
from __future__ import annotations

import pytest

from flowlab.common import Time, Types
from flowlab.datastream import KeyedProcessFunction
from flowlab.datastream.state import StateTtlConfig, ValueStateDescriptor
from flowlab.exercises import CheckResult
from flowlab.exercises.lesson07 import ARRIVALS, check_deduplication, expected


class Dedup(KeyedProcessFunction):
    """Right: a ValueState with a 1000 ms TTL, written only when the payment is emitted."""

    ttl_ms: int | None = 1000
    read_renews = False
    write_every_copy = False

    def open(self, runtime_context):
        descriptor = ValueStateDescriptor("seen", Types.BOOLEAN())
        if self.ttl_ms is not None:
            builder = StateTtlConfig.new_builder(Time.milliseconds(self.ttl_ms))
            if self.read_renews:
                builder = builder.update_ttl_on_read_and_write()
            descriptor.enable_time_to_live(builder.build())
        self.seen = runtime_context.get_state(descriptor)

    def process_element(self, payment, ctx):
        if self.seen.value() is None:
            self.seen.update(True)
            yield payment
        elif self.write_every_copy:
            self.seen.update(True)


class TimerDedup(KeyedProcessFunction):
    """Also right: a ValueState without TTL, cleared by a processing-time timer 1000 ms after the emission."""

    def open(self, runtime_context):
        self.seen = runtime_context.get_state(ValueStateDescriptor("seen", Types.LONG()))

    def process_element(self, payment, ctx):
        if self.seen.value() is None:
            now = ctx.timer_service().current_processing_time()
            self.seen.update(now)
            ctx.timer_service().register_processing_time_timer(now + 1000)
            yield payment

    def on_timer(self, timestamp, ctx):
        self.seen.clear()


class NoTtl(Dedup):
    ttl_ms = None


class LongTtl(Dedup):
    ttl_ms = 10_000


class ShortTtl(Dedup):
    ttl_ms = 999


class ReadRenews(Dedup):
    read_renews = True


class WritesEveryCopy(Dedup):
    write_every_copy = True


class PythonSet(KeyedProcessFunction):
    def open(self, runtime_context):
        self.ids = set()

    def process_element(self, payment, ctx):
        if payment[0] not in self.ids:
            self.ids.add(payment[0])
            yield payment


class PythonDict(KeyedProcessFunction):
    """Right results from a plain attribute: not keyed state."""

    def open(self, runtime_context):
        self.emitted = {}

    def process_element(self, payment, ctx):
        now = ctx.timer_service().current_processing_time()
        last = self.emitted.get(payment[0])
        if last is None or last + 1000 <= now:
            self.emitted[payment[0]] = now
            yield payment


class EmitsAll(KeyedProcessFunction):
    def process_element(self, payment, ctx):
        yield payment


class EmitsIds(Dedup):
    def process_element(self, payment, ctx):
        for p in super().process_element(payment, ctx):
            yield p[0]


def test_expected_payments():
    """8 of the 13 copies are emitted; p1 again at 1001 ms (exactly 1000 ms after 1 ms), p2 again at 1151 ms."""
    assert [(t, p[0]) for t, p in expected()] == [(1, "p1"), (101, "p2"), (201, "p3"), (401, "p4"), (1001, "p1"),
                                                  (1051, "p5"), (1151, "p2"), (1401, "p4")]
    assert len(ARRIVALS) == 13


@pytest.mark.parametrize("function", [Dedup, Dedup(), TimerDedup])
def test_correct_solutions_pass(function):
    """TTL (a class or an instance) and timer-based forgetting both pass."""
    result = check_deduplication(function)
    assert isinstance(result, CheckResult)
    assert result.passed, result.messages
    assert result.messages[0] == "all 8 payments emitted at the right moments, all 5 duplicates dropped ✓"
    assert result.messages[-1] == ("Well done! p1 again at 1001 ms shows the exact expiry: written at 1 ms with a "
                                   "TTL of 1000 ms, the value is gone at 1001 ms.")


def test_timer_solution_is_told_about_ttl():
    """Forgetting without a TTL passes, with a note that a TTL needs no timer per key."""
    result = check_deduplication(TimerDedup)
    assert any("a TTL does it without a timer per key" in m for m in result.messages)


@pytest.mark.parametrize("function, expected_messages", [
    (NoTtl, ["the copy of p1 processed at 1001 ms should be emitted (p1 was last emitted at 1 ms, 1000 ms earlier: "
             "1000 ms or more, so it is forgotten): your state never expires",
             "hint: without a time-to-live the state keeps every id forever (5 entries at the end here; in "
             "production: without bound)"]),
    (LongTtl, ["the copy of p1 processed at 1001 ms should be emitted",
               "hint: your TTL is 10000 ms; the rule forgets an id 1000 ms after it was emitted"]),
    (ShortTtl, ["the copy of p3 processed at 1200 ms should be dropped (p3 was last emitted at 201 ms, 999 ms "
                "earlier: a duplicate)", "hint: your TTL is 999 ms"]),
    (ReadRenews, ["the copies that were dropped kept the id alive",
                  "update_ttl_on_read_and_write(). Write the state only when you emit the payment"]),
    (WritesEveryCopy, ["the copies that were dropped kept the id alive"]),
    (PythonSet, ["hint: your operator keeps no keyed state — a Python attribute (a set of ids) is shared by all "
                 "keys of a subtask"]),
    (PythonDict, ["right results, but your operator keeps no keyed state"]),
    (EmitsAll, ["every copy was emitted, nothing is deduplicated: the copy of p1 processed at 301 ms should be "
                "dropped"]),
    (EmitsIds, ["emit the whole payment (payment_id, user, amount); got 'p1' at 1 ms"]),
    (int, ["pass a KeyedProcessFunction subclass (or an instance of one), got int"]),
    (None, ["pass your KeyedProcessFunction class (or an instance)"]),
])
def test_typical_mistakes_get_a_specific_hint(function, expected_messages):
    """Each typical mistake fails, naming the copy that went wrong and what to change."""
    result = check_deduplication(function)
    assert not result.passed
    for expected_message in expected_messages:
        assert any(expected_message in m for m in result.messages), (expected_message, result.messages)


def test_a_failing_function_is_reported_not_raised():
    """A function that raises fails the job; the check names the error."""
    class Broken(KeyedProcessFunction):
        def process_element(self, payment, ctx):
            raise ValueError("oops")

    result = check_deduplication(Broken)
    assert not result.passed
    assert result.messages == ["the job failed: ValueError: oops"]
