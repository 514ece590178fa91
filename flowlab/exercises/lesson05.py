"""Lesson 05 exercise: an inactivity alert with a ``KeyedProcessFunction`` and event-time timers.

Events ``(user, event time ms)`` arrive one every 100 virtual ms with a 300 ms bounded-out-of-orderness
watermark. For every user, the student's ``KeyedProcessFunction`` must emit ``(user, last_seen_ms)`` when
1000 ms of event time pass after the user's latest event without a newer one — from an event-time timer at
``last_seen + 1000``, so the alert carries that timestamp. ``check_inactivity_alert(fn)`` runs it and explains
stale timers, out-of-order events moving the deadline back, processing-time timers, and per-key data kept in
plain attributes.
"""
from __future__ import annotations

import copy
from typing import Any

from flowlab.exercises.result import CheckResult

LONG_MIN = -(2 ** 63)        # Java's Long.MIN_VALUE: ctx.timestamp() of a record without a timestamp

TITLE = "Exercise 05 — inactivity alerts with timers"
#: (user, event time ms), one arriving every 100 virtual ms, in this order
EVENTS: list[tuple[str, int]] = [
    ("alice", 100), ("bob", 150), ("alice", 250), ("carol", 300), ("bob", 450), ("bob", 600), ("carol", 650),
    ("bob", 750), ("carol", 850), ("bob", 1000), ("carol", 1050), ("bob", 1150), ("carol", 1250), ("bob", 1300),
    ("carol", 1450), ("bob", 1550), ("bob", 1650),      # alice is silent: her deadline 1250 passes
    ("alice", 1700), ("alice", 1600),                    # alice is back; 1600 is out of order (but on time)
    ("carol", 1900), ("bob", 2000),                      # bob's last event
    ("carol", 2150), ("carol", 2300), ("carol", 2400), ("carol", 2500), ("carol", 2650), ("carol", 2800),
    ("carol", 2900), ("carol", 3050), ("carol", 3200), ("carol", 3350), ("carol", 3400),
]
GAP_MS = 100
DELAY_MS = 300
TIMEOUT_MS = 1000
WATERMARK_INTERVAL_MS = 50


def expected_alerts(events: list[tuple[str, int]] | None = None) -> list[tuple[tuple[str, int], int]]:
    """((user, last_seen_ms), alert timestamp) pairs a correct function emits, in order of their timestamps.

    Computed by replaying the watermark (max ts − delay − 1, raised after each event) against one timer per
    user at ``last_seen + 1000``; the final MAX watermark fires the rest.
    """
    events = EVENTS if events is None else events
    last: dict[str, int] = {}
    out: list[tuple[tuple[str, int], int]] = []
    top = None

    def advance(wm: float) -> None:
        due = sorted((t + TIMEOUT_MS, u) for u, t in last.items() if t + TIMEOUT_MS <= wm)
        for when, user in due:
            out.append(((user, when - TIMEOUT_MS), when))
            del last[user]

    for user, ts in events:
        last[user] = max(last.get(user, ts), ts)
        top = ts if top is None else max(top, ts)
        advance(top - DELAY_MS - 1)
    advance(float("inf"))
    return out


def _run(function: Any, events: list[tuple[str, int]]) -> tuple[list | None, str | None]:
    from flowlab.common import Duration, Types, WatermarkStrategy
    from flowlab.datastream import KeyedProcessFunction, ProcessFunction, StreamExecutionEnvironment
    from flowlab.runtime import Simulation
    from flowlab.sources import ScriptedSource

    if isinstance(function, type):
        try:
            fn = function()
        except Exception as exc:  # the student's code: report, do not crash the checker
            return None, f"creating {function.__name__}() raised {type(exc).__name__}: {exc}"
    else:
        fn = copy.deepcopy(function)
    if not isinstance(fn, KeyedProcessFunction):
        return None, (f"pass a KeyedProcessFunction subclass (or an instance of one), got {type(fn).__name__}: "
                      "timers need a keyed stream and a KeyedProcessFunction")

    class Stamp(ProcessFunction):
        def process_element(self, value, ctx):
            yield value, ctx.timestamp()

    env = StreamExecutionEnvironment.get_execution_environment()
    env.get_config().set_auto_watermark_interval(WATERMARK_INTERVAL_MS)
    env.set_buffer_timeout(0)
    source = ScriptedSource([(i * GAP_MS, e, e[1]) for i, e in enumerate(events)])
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(DELAY_MS))
    ds = env.from_source(source, strategy, "events", type_info=Types.TUPLE([Types.STRING(), Types.LONG()]))
    ds.key_by(lambda e: e[0], key_type=Types.STRING()).process(fn).name("alerts") \
      .process(Stamp()).name("checker: timestamps").print().name("checker")
    try:
        sim = Simulation(env, seed=0)
        sim.run()
    except Exception as exc:
        return None, f"the job could not be built: {type(exc).__name__}: {exc}"
    if any(e.kind == "timer" and (e.data or {}).get("domain") == "processing-time" for e in sim.events()):
        return None, ("your function fires processing-time timers: they follow the machine's clock, so how long "
                      "a user was inactive would depend on how fast the events happen to arrive. Inactivity in "
                      "event time needs register_event_time_timer — it fires when the watermark passes")
    if sim.job_status != "FINISHED":
        lines = (sim.failure or "").strip().splitlines()
        return None, f"the job failed: {lines[-1] if lines else sim.job_status}"
    rows = []
    for value, ts in sim.outputs("checker"):
        if isinstance(value, list):
            value = tuple(value)
        rows.append((value, ts))
    return rows, None


def _diagnose(got: list, events: list[tuple[str, int]]) -> str | None:
    want = expected_alerts(events)
    if sorted(got, key=repr) == sorted(want, key=repr):
        return None
    if not got:
        return ("no alert at all. In process_element register a timer for the user's deadline, "
                "ctx.timer_service().register_event_time_timer(ctx.timestamp() + 1000), and yield the alert "
                "(user, last_seen_ms) from on_timer")
    for value, _ in got:
        if not (isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str)):
            return f"each alert must be a (user, last_seen_ms) tuple; got {value!r}"
    if any(ts in (None, LONG_MIN) for _, ts in got):
        return ("your alerts carry no timestamp (ctx.timestamp() downstream reads Long.MIN_VALUE): emit them from "
                "on_timer of an event-time timer, whose results carry the timer's time")
    want_values = [v for v, _ in want]
    got_values = [v for v, _ in got]
    users_ts = {(u, t) for u, t in events}
    # the alert carries the timer time instead of the last event time
    shifted = [(u, t - TIMEOUT_MS) for u, t in got_values]
    if sorted(shifted) == sorted(want_values):
        u, t = got_values[0]
        return (f"alert {got_values[0]!r}: the alert must carry the time of {u}'s last event ({t - TIMEOUT_MS} ms), "
                f"not the timer's time ({t} ms). In on_timer, the last event time is timestamp - 1000 (or keep it in "
                "state)")
    for (value, ts) in got:
        if value in want_values:
            right_ts = dict(want)[value]
            if ts != right_ts:
                return (f"alert {value!r} has timestamp {ts} ms, expected {right_ts} ms: emit it from on_timer of an "
                        f"event-time timer at last_seen + {TIMEOUT_MS} (its results carry the timer's timestamp)")
            continue
        user, seen = value
        if value not in users_ts:
            return f"alert {value!r}: {user} has no event at {seen} ms (events of {user}: " \
                   f"{[t for u, t in events if u == user]})"
        newer = [t for u, t in events if u == user and seen < t <= seen + TIMEOUT_MS]
        latest = max(_arrived_before_incl(user, seen, events))
        if latest > seen:
            return (f"alert {value!r} at {ts} ms, but {user}'s latest event is at {latest} ms: the out-of-order event "
                    f"at {seen} ms (it arrived after {latest}) moved your deadline backwards. Keep the largest event "
                    f"time seen, last = max(last, ctx.timestamp()), and re-arm the timer only when it grows")
        if newer:
            return (f"alert {value!r} at {ts} ms, but {user} had another event at {newer[0]} ms, less than "
                    f"{TIMEOUT_MS} ms later: the timer registered for the event at {seen} ms still fired. Delete it "
                    "when a newer event comes (ctx.timer_service().delete_event_time_timer(old_deadline)), or in "
                    "on_timer alert only if timestamp == last_seen + 1000 (keep last_seen in a ValueState)")
        return f"unexpected alert {value!r} at {ts} ms"
    missing = [v for v in want_values if v not in got_values]
    if missing:
        user, seen = missing[0]
        return (f"missing alert {missing[0]!r}: {user} had no event for {TIMEOUT_MS} ms after {seen} ms, so a timer at "
                f"{seen + TIMEOUT_MS} ms should fire and alert. Register the timer for every event (the latest one "
                "must always have a timer), and yield the alert from on_timer")
    if len(got_values) > len(want_values):
        dup = next(v for v in got_values if got_values.count(v) > want_values.count(v))
        return (f"alert {dup!r} was emitted {got_values.count(dup)} times: emit one alert per timer (a timer is "
                "registered once per key and timestamp; re-registering is a no-op)")
    return f"your alerts {got_values} differ from the expected {want_values}"


def _arrived_before_incl(user: str, seen: int, events: list[tuple[str, int]]) -> list[int]:
    """Event times of ``user`` that arrived up to (and including) the event at ``seen``."""
    out = []
    for u, t in events:
        if u == user:
            out.append(t)
            if t == seen:
                break
    return out


def check_inactivity_alert(function: Any) -> CheckResult:
    """Run ``events.key_by(user).process(function)`` on the scripted events and explain the alerts."""
    result = CheckResult(TITLE)
    if function is None:
        return result.fail("pass your KeyedProcessFunction class (or an instance), e.g. check_inactivity_alert(Inactivity)")
    got, problem = _run(function, EVENTS)
    if problem is None:
        problem = _diagnose(got, EVENTS)
    if problem is None:
        n = len(expected_alerts())
        result.note(f"all {n} alerts are right, with the right timestamps ✓")
        return result.note("Well done! Note carol's alert at 4400 ms: the end of input sends the MAX "
                           "watermark, which fires every pending timer.")
    users = sorted({u for u, _ in EVENTS})
    alone_ok = True
    for user in users:
        mine = [e for e in EVENTS if e[0] == user]
        got1, problem1 = _run(function, mine)
        if problem1 is not None or _diagnose(got1, mine) is not None:
            alone_ok = False
            break
    if alone_ok:
        result.fail("your function is right for each user alone, but not for several users together: per-user data "
                    "must live in keyed state — in open(), self.last = runtime_context.get_state("
                    "ValueStateDescriptor('last', Types.LONG())) — not in a plain attribute (self.last = ts), which "
                    "all keys of a subtask share")
        return result.note(f"what went wrong with all users together: {problem}")
    return result.fail(problem)
