"""Lesson 07 exercise: drop duplicate events with keyed state and a time-to-live.

A producer that retries (at-least-once delivery) sends some payments twice or more. Payments
``(payment_id, user, amount)`` arrive at scripted virtual times; the checker keys them by ``payment_id``
and runs the student's ``KeyedProcessFunction`` at parallelism 2, one record sent at once (processing time
= arrival + 1 ms). The function must emit a payment the first time its id is seen, drop a copy processed
less than 1000 ms after the copy it emitted, and emit a copy again once 1000 ms or more have passed — the
id is forgotten then, so the state does not grow forever. A ``ValueState`` with a TTL of 1000 ms
(``StateTtlConfig``'s defaults), written only when the payment is emitted, does exactly that.

``check_deduplication(fn)`` runs it and explains the typical mistakes: no TTL, the TTL renewed by every
copy (written or read), a TTL of another length, a plain Python attribute instead of keyed state, no
deduplication at all, and results that are not the payment.
"""
from __future__ import annotations

import copy
from typing import Any

from flowlab.exercises.result import CheckResult

TITLE = "Exercise 07 — deduplicate with state TTL"
TTL_MS = 1000
LATENCY_MS = 1            # processing time = arrival + the channel's latency (buffer timeout 0)
PARALLELISM = 2

#: (arrival ms, (payment_id, user, amount)): retried payments arrive again later
ARRIVALS: list[tuple[int, tuple[str, str, int]]] = [
    (0, ("p1", "alice", 30)),
    (100, ("p2", "bob", 5)),
    (200, ("p3", "carol", 12)),
    (300, ("p1", "alice", 30)),        # 300 ms after p1 was emitted: a duplicate
    (400, ("p4", "dave", 50)),
    (700, ("p2", "bob", 5)),           # 600 ms after p2: a duplicate
    (1000, ("p1", "alice", 30)),       # exactly 1000 ms after p1 was emitted: forgotten, emitted again
    (1050, ("p5", "erin", 8)),
    (1150, ("p2", "bob", 5)),          # 1050 ms after p2 was emitted (but only 450 after its last copy)
    (1199, ("p3", "carol", 12)),       # 999 ms after p3: still a duplicate
    (1250, ("p5", "erin", 8)),         # 200 ms after p5: a duplicate
    (1400, ("p4", "dave", 50)),        # 1000 ms after p4: emitted again
    (1500, ("p1", "alice", 30)),       # 500 ms after p1's second emission: a duplicate
]


def expected(ttl_ms: int = TTL_MS, renew_on_every_copy: bool = False, forget: bool = True,
             dedup: bool = True) -> list[tuple[int, tuple[str, str, int]]]:
    """(processing time ms, payment) a function emits under a model of deduplication.

    The right one is the default. ``renew_on_every_copy``: the TTL restarts with every copy (state written,
    or read with OnReadAndWrite); ``forget=False``: the state never expires; ``dedup=False``: nothing is dropped.
    """
    last: dict[str, int] = {}
    out = []
    for arrival, payment in ARRIVALS:
        now = arrival + LATENCY_MS
        pid = payment[0]
        seen = last.get(pid)
        fresh = seen is None or (forget and seen + ttl_ms <= now)
        if fresh or not dedup:
            out.append((now, payment))
            last[pid] = now
        elif renew_on_every_copy:
            last[pid] = now
    return out


def _run(function: Any) -> tuple[Any, list | None, str | None]:
    """Run the job; (simulation, [(processing time, payment)], problem)."""
    from flowlab.common import Types, WatermarkStrategy
    from flowlab.datastream import KeyedProcessFunction, ProcessFunction, StreamExecutionEnvironment
    from flowlab.runtime import Simulation
    from flowlab.sources import ScriptedSource

    if isinstance(function, type):
        try:
            fn = function()
        except Exception as exc:  # the student's code: report, do not crash the checker
            return None, None, f"creating {function.__name__}() raised {type(exc).__name__}: {exc}"
    else:
        fn = copy.deepcopy(function)
    if not isinstance(fn, KeyedProcessFunction):
        return None, None, (f"pass a KeyedProcessFunction subclass (or an instance of one), got {type(fn).__name__}: "
                            "keyed state needs a keyed stream and a KeyedProcessFunction")

    class Stamp(ProcessFunction):
        def process_element(self, value, ctx):
            yield ctx.timer_service().current_processing_time(), value

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(PARALLELISM)
    env.set_buffer_timeout(0)
    payment = Types.TUPLE([Types.STRING(), Types.STRING(), Types.INT()])
    ds = env.from_source(ScriptedSource(ARRIVALS), WatermarkStrategy.no_watermarks(), "payments", type_info=payment)
    ds.key_by(lambda p: p[0], key_type=Types.STRING()).process(fn).name("dedup") \
      .process(Stamp()).name("checker: processing time").print().name("checker")     # chained: same time
    try:
        sim = Simulation(env, seed=0)
        sim.run()
    except Exception as exc:
        return None, None, f"the job could not be built: {type(exc).__name__}: {exc}"
    if sim.job_status != "FINISHED":
        lines = (sim.failure or "").strip().splitlines()
        return sim, None, f"the job failed: {lines[-1] if lines else sim.job_status}"
    rows = [(int(t), tuple(v) if isinstance(v, list) else v) for t, v in sim.outputs("checker")]
    return sim, sorted(rows, key=lambda r: (r[0], repr(r[1]))), None


def _keyed_states(sim: Any) -> list[dict[str, Any]]:
    """The keyed states of the student's operator (name, ttl_ms, entries), from the state snapshot."""
    out = []
    for op in sim.snapshot()["state"]["operators"]:
        if op["name"] == "dedup":
            out += op["keyed"]
    return out


def _first_difference(got: list, want: list) -> str:
    got_set, want_set = set(got), set(want)
    for now, payment in sorted(want_set | got_set):
        if (now, payment) in want_set and (now, payment) not in got_set:
            return f"the copy of {payment[0]} processed at {now} ms should be emitted ({_why(payment[0], now)})"
        if (now, payment) in got_set and (now, payment) not in want_set:
            return f"the copy of {payment[0]} processed at {now} ms should be dropped ({_why(payment[0], now)})"
    return "the emitted payments differ from the expected ones"


def _why(pid: str, now: int) -> str:
    emitted = [t for t, p in expected() if p[0] == pid and t < now]
    if not emitted:
        return f"{pid} was never seen before"
    gap = now - emitted[-1]
    return (f"{pid} was last emitted at {emitted[-1]} ms, {gap} ms earlier: "
            + ("a duplicate" if gap < TTL_MS else f"{TTL_MS} ms or more, so it is forgotten"))


def _diagnose(sim: Any, got: list) -> list[str]:
    """Problems with hints, most specific first; empty when right."""
    want = expected()
    states = _keyed_states(sim)
    if got == want:
        if states:
            return []
        return ["right results, but your operator keeps no keyed state: a Python attribute is shared by all keys "
                "of a subtask, is not in checkpoints and does not move when the job is rescaled",
                "hint: keep the seen ids in runtime_context.get_state(ValueStateDescriptor(...)) with a TTL"]
    for now, value in got:
        if not (isinstance(value, tuple) and len(value) == 3):
            return [f"emit the whole payment (payment_id, user, amount); got {value!r} at {now} ms"]
    first = _first_difference(got, want)
    if got == expected(dedup=False):
        return [f"every copy was emitted, nothing is deduplicated: {first}",
                "hint: in process_element read a ValueState: if it holds nothing, emit the payment and update the "
                "state; otherwise drop the copy"]
    if not states:
        return [f"{first}", "hint: your operator keeps no keyed state — a Python attribute (a set of ids) is shared "
                "by all keys of a subtask, is not in checkpoints, does not move when the job is rescaled and never "
                "expires. Use runtime_context.get_state(ValueStateDescriptor(...)) in open()"]
    if all(s["ttl_ms"] is None for s in states):
        held = sum(s["size"]["entries"] for s in states)
        return [f"{first}: your state never expires",
                f"hint: without a time-to-live the state keeps every id forever ({held} entries at the end here; "
                "in production: without bound). descriptor.enable_time_to_live(StateTtlConfig.new_builder("
                "Time.milliseconds(1000)).build())"]
    ttls = sorted({s["ttl_ms"] for s in states if s["ttl_ms"] is not None})
    if ttls != [TTL_MS]:
        return [f"{first}", f"hint: your TTL is {', '.join(f'{t} ms' for t in ttls)}; the rule forgets an id "
                f"{TTL_MS} ms after it was emitted: Time.milliseconds({TTL_MS}) (or Time.seconds(1))"]
    if got == expected(renew_on_every_copy=True):
        return [f"{first}: the copies that were dropped kept the id alive",
                "hint: the TTL restarts whenever the state is written — or read, with update_ttl_on_read_and_write(). "
                "Write the state only when you emit the payment, and keep the default update type "
                "(update_ttl_on_create_and_write)"]
    return [first, "hint: emit when the state holds nothing (the id is new or its entry expired), then write the "
            "state; drop the copy otherwise. A value written at t ms with a TTL of 1000 ms is gone at t + 1000 ms"]


def check_deduplication(function: Any) -> CheckResult:
    """Run ``payments.key_by(payment_id).process(function)`` on the scripted payments and explain the result."""
    result = CheckResult(TITLE)
    if function is None:
        return result.fail("pass your KeyedProcessFunction class (or an instance), e.g. check_deduplication(Dedup)")
    sim, got, problem = _run(function)
    if problem is not None:
        return result.fail(problem)
    problems = _diagnose(sim, got)
    if problems:
        result.fail(problems[0])
        for message in problems[1:]:
            result.note(message)
        return result
    want = expected()
    result.note(f"all {len(want)} payments emitted at the right moments, all {len(ARRIVALS) - len(want)} "
                "duplicates dropped ✓")
    if all(s["ttl_ms"] is None for s in _keyed_states(sim)):
        result.note("you forget ids without a TTL (timers that clear the state?): that works too; a TTL does it "
                    "without a timer per key")
    again = next(t for t, p in want if p[0] == "p1" and t > want[0][0])
    return result.note(f"Well done! p1 again at {again} ms shows the exact expiry: written at {want[0][0]} ms with a "
                       f"TTL of {TTL_MS} ms, the value is gone at {want[0][0] + TTL_MS} ms.")
