"""``flowlab.Simulation``: the one handle notebooks, views and tests use to run a job step by step.

A step is one *observable* event: an element processed by a subtask, a buffer sent or delivered,
a watermark emitted, a timer firing, a cluster or task state change. ``back``/``goto`` restore
the nearest in-memory snapshot and replay deterministically, so stepping forward again yields
exactly the same events. Same program + same seed = identical trace (``trace_digest()``).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from typing import Any

from flowlab.graph.job_graph import JobGraph
from flowlab.runtime.batch import CheckpointingIgnoredWarning
from flowlab.runtime.checkpointing.restore_source import restore_source
from flowlab.runtime.job_runtime import JobRuntime
from flowlab.runtime.simulation import arguments as check
from flowlab.runtime.simulation import backpressure as bp
from flowlab.runtime.simulation import checkpoints as cp
from flowlab.runtime.simulation import explain, unfired
from flowlab.runtime.simulation import savepoints as sp
from flowlab.runtime.simulation.breakpoints import Breakpoint, WatermarkBreakpoint
from flowlab.runtime.simulation.collect_client import CollectClient
from flowlab.runtime.simulation.errors import JobExecutionException, JobNotBoundedError
from flowlab.runtime.simulation.fast_forward import fast_forward
from flowlab.runtime.simulation.fault_plan import FaultPlan
from flowlab.runtime.simulation.horizon import DEFAULT_HORIZON_MS, Horizon, unbounded_reason
from flowlab.runtime.simulation.listeners import Listener, Listeners
from flowlab.runtime.simulation.replay_check import ReplayCheck, user_stacklevel
from flowlab.runtime.simulation.time_travel import TimeTravel
from flowlab.runtime.snapshots import build_snapshot
from flowlab.trace import Trace, TraceEvent
from flowlab.trace.events import EventLog
from flowlab.trace.timefmt import LONG_MIN

QUIET_LIMIT = 100_000   # internal (non-observable) calls in a row before stepping says the job is waiting


class UnfiredWindowsWarning(UserWarning):
    """The bounded input ended while windows held elements that were never emitted (see ``sim.notes``)."""


class Events(list):
    """The events a ``step()``/``run()`` performed, with a ``note`` saying why it stopped early or found
    nothing (the job is over, it waits, it reached its horizon); the note shows after the events."""

    def __init__(self, events: list[TraceEvent], note: str | None = None) -> None:
        super().__init__(events)
        self.note = note

    def __repr__(self) -> str:
        if self.note:
            return f"{super().__repr__()}  # {self.note}"
        return super().__repr__()


class Simulation:
    """A job built from ``env`` on a simulated MiniCluster, not yet running; step it, run it, rewind it."""

    def __init__(self, env: Any, seed: int = 0, job_name: str | None = None, record_trace: bool = True,
                 time_travel: bool | None = None, snapshot_interval: int = 200,
                 horizon_ms: float | None = DEFAULT_HORIZON_MS) -> None:
        self.seed = check.seed(seed)
        self._job_graph: JobGraph = env.get_job_graph(job_name) if not isinstance(env, JobGraph) else env
        # execution.state-recovery.path: the checkpoint or savepoint to start from, read (and checked) once
        self._restore_source = restore_source(self._job_graph.settings.get("configuration", {}))
        if self._restore_source is not None:
            self._job_graph = self._restore_source.prepare(self._job_graph)
        self._record = record_trace
        self._time_travel = record_trace if time_travel is None else time_travel
        self._travel = TimeTravel(check.count("snapshot_interval", snapshot_interval))
        self.horizon_ms = horizon_ms
        self._breakpoints: list[Breakpoint] = []
        self.stopped_by: Breakpoint | Horizon | None = None
        self.notes: list[str] = []
        self._plan = FaultPlan()
        # savepoints requested after step n (a user's action between steps): time travel repeats them there
        self._requests: dict[int, list[tuple[int, str | None, bool, bool]]] = {}
        self._listeners = Listeners()
        self._replay = ReplayCheck()
        self._trace: Trace | None = None
        self.reset()

    @property
    def horizon_ms(self) -> float | None:
        """How much virtual time ``run()`` without ``until_ms`` lets pass on a job that never ends (flowlab
        extension; default 10 000 ms; None: no horizon)."""
        return self._horizon_ms

    @horizon_ms.setter
    def horizon_ms(self, value: float | None) -> None:
        if value is not None and check.virtual_ms("horizon_ms", value) <= 0:
            raise ValueError(f"horizon_ms must be > 0 (or None for no horizon), got {value!r}")
        self._horizon_ms = None if value is None else float(value)

    @property
    def unbounded(self) -> str | None:
        """Why the job never ends by itself (an unbounded source, an endless iteration), or None."""
        return unbounded_reason(self._job_graph)

    # -- listeners -----------------------------------------------------------------------------------------
    def add_listener(self, callback: Listener) -> None:
        """Call ``callback(sim)`` after every ``step``/``run``/``back``/``goto``/``reset``, whoever made it; held
        weakly, so a view that is gone is forgotten (flowlab extension: how the views follow the simulation)."""
        self._listeners.add(callback)

    def remove_listener(self, callback: Listener) -> None:
        """Stop calling ``callback`` after moves."""
        self._listeners.remove(callback)

    # -- state -------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the very beginning (a freshly submitted job)."""
        with self._listeners.moving(self):
            if self._trace is not None:
                self._replay.remember(self._trace)      # a replay from step 0 must redo its events
            self._trace = Trace(enabled=self._record)
            self._rt = JobRuntime(self._job_graph, self.seed, self._trace, self._restore_source)
            self._rt.start()
            bp.install_metrics(self._rt)
            self._plan.apply(self._rt)
            self.step_count = 0
            self.waiting_note: str | None = None
            self.stopped_by = None
            self.notes = list(self._rt.notes)            # what the runtime says from the start (BATCH)
            self._end_noted = False
            self._last_events: list[TraceEvent] = []
            if self._time_travel:
                self._travel.start(self._rt)

    @property
    def done(self) -> bool:
        """The job reached FINISHED, FAILED or CANCELED (or nothing is left to happen)."""
        return self._rt.terminal or self._rt.kernel.peek_time() is None

    @property
    def waiting(self) -> bool:
        """The last ``step()`` found nothing observable to do although the job is not over (see ``step()``)."""
        return self.waiting_note is not None

    @property
    def now_ms(self) -> float:
        return self._rt.kernel.now / 1000

    @property
    def now_us(self) -> int:
        return self._rt.kernel.now

    @property
    def job_status(self) -> str:
        return self._rt.status

    @property
    def job_id(self) -> str:
        return self._rt.job_id

    @property
    def failure(self) -> str | None:
        """Why the job failed (with the user's traceback), or None."""
        return self._rt.failure

    @property
    def job_graph(self) -> JobGraph:
        return self._job_graph

    @property
    def runtime(self) -> JobRuntime:
        """The live runtime objects (for tests and advanced inspection; views use ``snapshot()``)."""
        return self._rt

    @property
    def last_events(self) -> list[TraceEvent]:
        return list(self._last_events)

    # -- stepping ----------------------------------------------------------------------------------------
    def _advance(self, limit_us: int | None = None) -> bool:
        """Run kernel calls until one was observable. False when the job is over, nothing is left, or the
        next call lies beyond ``limit_us`` (virtual µs) — then nothing after ``limit_us`` has run."""
        rt = self._rt
        if rt.terminal:
            return False
        kernel, rec = rt.kernel, rt.recorder
        rec.step = self.step_count + 1
        quiet = 0
        first = len(self._trace)
        if self._requests and self.step_count in self._requests:
            self._repeat_requests(self.step_count)
        while True:
            if limit_us is not None:
                nxt = kernel.peek_time()
                if nxt is None or nxt > limit_us:
                    return False
            before = rec.count
            if not kernel.step():
                return False
            if rec.count != before:
                self.step_count += 1
                if self._replay.pending:                  # replaying after time travel: same events?
                    self._replay.check(self.step_count, self._trace, first)
                if self._time_travel and self._travel.due(self.step_count):
                    self._travel.store(self.step_count, rt)
                return True
            quiet += 1
            if quiet >= QUIET_LIMIT and limit_us is None:
                self.waiting_note = (f"nothing observable happened in {QUIET_LIMIT:,} internal calls up to "
                                     f"t = {kernel.now / 1000:g} virtual ms: the job is waiting (for example a "
                                     "source that never ends, or an iteration without a max wait); "
                                     "use run(until_ms=...) to let virtual time pass")
                return False

    def step(self, n: int = 1) -> Events:
        """Perform the next ``n`` observable events and return them (``[]`` once the job is done)."""
        n = check.count("step(n)", n, hint=f"To go back, use back({-n})." if isinstance(n, int) else "")
        with self._listeners.moving(self):
            self.waiting_note = None
            start = len(self._trace)
            for _ in range(n):
                if not self._advance():
                    break
            self._last_events = self._trace.since(start)
            self._note_end()
        note = None
        if not self._last_events and not self.done:
            note = self.waiting_note
        elif not self._last_events and self.done:
            note = (f"the job is {self._rt.status or 'over'} at step {self.step_count} "
                    f"(t = {self.now_ms:g} virtual ms): nothing more happens; back(), goto() or reset() to replay")
        return Events(self._last_events, note)

    def run(self, until_ms: float | None = None, until: Callable[[TraceEvent], bool] | None = None,
            max_steps: int | None = None) -> Events:
        """Step until virtual time ``until_ms``, an event matching ``until`` or a breakpoint, ``max_steps``,
        or the end. Returns the events of the last step taken, with a ``note`` when it stopped for a reason
        worth knowing.

        A job that never ends (an unbounded source, an endless iteration) stops after ``horizon_ms`` of
        virtual time when no ``until_ms`` is given; ``stopped_by`` and the note say so."""
        until_ms = None if until_ms is None else check.virtual_ms("until_ms", until_ms)
        max_steps = None if max_steps is None else check.count("max_steps", max_steps)
        watch = bool(self._breakpoints) or until is not None
        if watch and not self._record:
            raise ValueError("run(until=...) and breakpoints need the trace (Simulation(record_trace=True))")
        with self._listeners.moving(self):
            return self._run(until_ms, until, max_steps, watch)

    def _run(self, until_ms: float | None, until: Callable[[TraceEvent], bool] | None, max_steps: int | None,
             watch: bool) -> Events:
        self.waiting_note = None
        until_us = None if until_ms is None else round(until_ms * 1000)
        endless = self.unbounded if until_us is None and self._horizon_ms is not None else None
        horizon_us = self._rt.kernel.now + round(self._horizon_ms * 1000) if endless else None
        limit_us = until_us if horizon_us is None else horizon_us
        steps = 0
        last: list[TraceEvent] = []
        self.stopped_by = None
        for b in self._breakpoints:
            b.arm(self)
        early = capped = False
        while not self.done:
            if max_steps is not None and steps >= max_steps:
                capped = True
                break
            start = len(self._trace)
            if not self._advance(limit_us):
                break
            steps += 1
            if watch:
                last = self._trace.since(start)
                hits = [b for b in self._breakpoints if b.hit(last, self)]   # every one sees every step
                if hits:
                    self.stopped_by = hits[0]
                    early = True
                    break
                if until is not None and any(until(e) for e in last):
                    early = True
                    break
        kernel = self._rt.kernel
        nxt = kernel.peek_time()
        if limit_us is not None and not early and not self.done and limit_us > kernel.now \
                and (nxt is None or nxt > limit_us):
            kernel.now = limit_us          # nothing happens before the next call: the clock may move on
                                           # (not when a breakpoint, max_steps or `until` stopped the run early)
        note = None
        if horizon_us is not None and not early and not self.done and kernel.now >= horizon_us:
            self.stopped_by = Horizon(endless, self.now_ms, self._horizon_ms)
            note = self.stopped_by.message
        if not watch:
            last = self._events_of_step(self.step_count)
        self._last_events = last
        self._note_end()
        if note is None and not self.done and not early and not capped:
            note = self.waiting_note
        if note is None and self.done and self.notes:
            note = " ".join(self.notes)
        return Events(list(last), note)

    def _note_end(self) -> None:
        """Once the job is over, note what it did not say (windows that never fired), once per run."""
        if self.done and not self._end_noted:
            self._end_noted = True
            text = unfired.note(self.snapshot())
            if text:
                self.notes.append(text)

    def _events_of_step(self, step: int) -> list[TraceEvent]:
        return self._trace.of_step(step)

    def break_on(self, what: str | Callable[[TraceEvent], bool], **filters: Any) -> Breakpoint:
        """Stop ``run()`` after a step with an event of kind ``what`` (or matching the predicate) whose fields
        or ``data`` equal ``filters``, e.g. ``break_on("window_fire", key="a")``, ``break_on("late_record")``,
        ``break_on("checkpoint_completed")``, ``break_on("barrier", vertex="count", checkpoint_id=2)`` (``vertex``
        may be a job vertex id or a vertex or operator name). An unknown kind raises, listing the known ones.

        ``break_on("watermark", vertex=V, passes=T[, subtask=i])`` stops after the step in which the
        watermark of vertex (or operator) ``V`` reaches ``T`` (see ``break_on_watermark``).
        """
        if isinstance(what, str):
            check.event_kind(what)
        elif not callable(what):
            raise TypeError(f"break_on(what) takes an event kind (str) or a predicate, got {what!r}")
        if "passes" in filters:
            if what != "watermark" or "vertex" not in filters:
                raise ValueError("passes=T needs break_on('watermark', vertex=..., passes=T)")
            return self.break_on_watermark(filters.pop("vertex"), filters.pop("passes"), **filters)
        if isinstance(filters.get("vertex"), str):    # a vertex or operator name stands for its job vertex id
            filters["vertex"] = self._resolve(filters["vertex"])[0]
        if what == "backpressured":       # a subtask becomes back-pressured (kind "backpressure")
            what, filters = "backpressure", {"backpressured": True, **filters}
        bp = Breakpoint(what, filters)
        self._breakpoints.append(bp)
        return bp

    def break_on_watermark(self, vertex: str, passes: int, subtask: int | None = None) -> Breakpoint:
        """Stop ``run()`` after the step in which the watermark of ``vertex`` (a job vertex id or name, or an
        operator id or name) reaches ``passes`` ms or more; with ``subtask``, that subtask's watermark, else
        the smallest over the subtasks."""
        self._resolve(vertex)                    # fail now on a name that does not exist
        passes = check.virtual_ms("passes", passes)
        bp = WatermarkBreakpoint(vertex, int(passes), subtask)
        self._breakpoints.append(bp)
        return bp

    def clear_breakpoints(self) -> None:
        self._breakpoints.clear()

    # -- event time: watermarks and windows explained ------------------------------------------------------
    def _resolve(self, vertex: str) -> tuple[str, int | None]:
        """(job vertex id, operator position in its chain or None) for a vertex/operator id or name."""
        jg = self._job_graph
        for v in jg.vertices:
            if vertex in (v.id, v.name):
                return v.id, None
        for v in jg.vertices:
            for k, n in enumerate(v.operators):
                if vertex in (n.operator_id, n.name):
                    return v.id, k
        found = [(v.id, k) for v in jg.vertices for k, n in enumerate(v.operators) if n.name.startswith(vertex)]
        if len(found) == 1:
            return found[0]
        names = [v.name for v in jg.vertices] + [n.name for v in jg.vertices for n in v.operators]
        raise KeyError(f"no vertex or operator {vertex!r}; names: {sorted(set(names))}")

    def current_watermark(self, vertex: str, subtask: int | None = None) -> int:
        """The watermark of a vertex (its first operator) or of an operator, in ms: the smallest over its
        subtasks, or one subtask's. Long.MIN_VALUE (-2**63) before the first watermark."""
        vid, pos = self._resolve(vertex)
        tasks = self._rt.tasks[vid]
        if subtask is not None:
            tasks = [tasks[subtask]]
        marks = [t.operators[pos or 0].current_watermark for t in tasks if t.operators]
        return min(marks) if marks else LONG_MIN

    def explain_window(self, key: Any = None, window_start: int | None = None, window_end: int | None = None,
                       vertex: str | None = None) -> explain.Explanation:
        """Why window ``[window_start, window_end)`` of ``key`` has (not) fired: the watermark it waits for,
        the current one, the channel and source partition holding it back (or idle), or when it fired.
        Without arguments: the windows that never fired before the input ended, and why.
        ``str()`` of the answer is the text; ``.status`` and ``.as_dict()`` the facts."""
        if key is None and window_start is None and window_end is None:
            return explain.explain_unfired(self.snapshot())
        return explain.explain_window(self.snapshot(), key, window_start, window_end, vertex)

    def explain_watermark(self, vertex: str, subtask: int = 0) -> explain.Explanation:
        """Why the watermark of ``vertex[subtask]`` is stuck: the holding channel, hop by hop, to its source."""
        return explain.explain_watermark(self.snapshot(), self._resolve(vertex)[0], subtask)

    # -- time travel -------------------------------------------------------------------------------------
    def back(self, n: int = 1) -> None:
        """Go back ``n`` steps."""
        n = check.count("back(n)", n, hint=f"To go forward, use step({-n})." if isinstance(n, int) else "")
        self.goto(max(0, self.step_count - n))

    def goto(self, step: int) -> None:
        """Jump to just after step ``step`` (replaying from the nearest snapshot when going back)."""
        step = check.count("goto(step)", step)
        with self._listeners.moving(self):
            self._goto(step)

    def _goto(self, step: int) -> None:
        if step >= self.step_count:
            # forward: step (a snapshot ahead would lack the trace of the steps in between)
            self.step(step - self.step_count)
            self._last_events = self._events_of_step(self.step_count)
            return
        if not self._time_travel:
            raise RuntimeError("this Simulation was created with time_travel=False")
        at, self._rt = self._travel.restore(step)
        self._plan.apply(self._rt)
        self.step_count = at
        self._replay.remember(self._trace.split_after(at))   # what the replay must redo
        near = step - self._travel.min_interval      # keep a snapshot just before the target on the way, so
        while self.step_count < step and self._advance():   # that pressing Back again replays only a little
            if self.step_count == near:
                self._travel.store(near, self._rt)
        self._last_events = self._events_of_step(self.step_count)

    # -- faults and stalls (the plan is replayed by reset/back/goto) ---------------------------------------
    def fail(self, vertex: str, subtask: int = 0, at_ms: float | None = None,
             message: str = "injected failure") -> None:
        """Fail one subtask at virtual ``at_ms`` (default: now). With no restart strategy the job fails, as
        Flink's would; kept across ``reset``/``back``; ``fault`` and ``task_failed`` trace events show it.
        A subtask not deployed yet at ``at_ms`` (e.g. ``at_ms=0``) fails as soon as it is."""
        self._plan.add_fault(self._rt, "task", vertex, check.count("subtask", subtask), self._future_ms(at_ms),
                             message)
        self._replay.forget()

    def kill_taskmanager(self, taskmanager: str = "tm-1", at_ms: float | None = None,
                         message: str = "the TaskManager process died") -> None:
        """Lose a whole TaskManager at virtual ``at_ms`` (default: now): every subtask in its slots fails.
        A TaskManager that has not registered yet at ``at_ms`` (all register at t = 0) is lost as soon as it has."""
        self._plan.add_fault(self._rt, "taskmanager", taskmanager, 0, self._future_ms(at_ms), message)
        self._replay.forget()

    def pause_task(self, vertex: str, subtask: int, at_ms: float, duration_ms: float) -> None:
        """A GC-like stall (flowlab extension): at virtual ``at_ms`` the subtask stops making progress for
        ``duration_ms``. ``vertex`` is a vertex id, task name or operator name. Kept across ``reset``/``back``;
        a ``stall`` trace event shows it."""
        if check.virtual_ms("duration_ms", duration_ms) <= 0:
            raise ValueError(f"duration_ms must be > 0, got {duration_ms!r}")
        self._plan.add_stall(self._rt, vertex, check.count("subtask", subtask), self._future_ms(at_ms),
                             float(duration_ms))
        self._replay.forget()

    def _future_ms(self, at_ms: float | None) -> float:
        at = self.now_ms if at_ms is None else check.virtual_ms("at_ms", at_ms)
        if at < self.now_ms:
            raise ValueError(f"at_ms={at_ms} lies in the past (now is {self.now_ms:g} ms)")
        return at

    # -- metrics and backpressure ------------------------------------------------------------------------
    def backpressure(self, window_ms: float = 1000) -> Any:
        """Flink's backpressure view over the recent ``window_ms`` of virtual time, as a pandas DataFrame.

        One row per vertex and subtask: ``vertex``, ``subtask``, ``level`` (OK/LOW/HIGH on
        backPressuredTimeMsPerSecond / 1000: OK <= 0.10 < LOW <= 0.5 < HIGH), ``vertex_level`` (the highest over
        the vertex's subtasks), ``backPressuredTimeMsPerSecond``, ``busyTimeMsPerSecond``, ``idleTimeMsPerSecond``,
        ``isBackPressured_ratio`` (the share of the periodic samples in the window that found no output buffer
        available, as the JobManager's sampling did), records in/out per second and pool usages."""
        return bp.backpressure_frame(self._rt, window_ms)

    def metrics(self, window_ms: float | None = None) -> Any:
        """The sampled task metrics over time as a pandas DataFrame: one row per sample (every
        ``flowlab.metrics.sample-interval-ms``, default 100 virtual ms) and subtask, the figures measured over
        the interval before the sample (or over ``window_ms``)."""
        return bp.metrics_frame(self._rt, window_ms)

    def throughput(self, vertex: str | None = None, window_ms: float | None = None) -> float:
        """Records per second of virtual time that reached the sinks (or the sink named ``vertex``), over the
        last ``window_ms`` (default: since the sink's first record). Counts sink arrivals, so it works whether
        or not the sink is chained into another task."""
        return bp.throughput(self._rt, vertex, window_ms)

    # -- results -----------------------------------------------------------------------------------------
    @property
    def trace(self) -> Any:
        """All events so far as a pandas DataFrame (columns: ``TraceEvent.COLUMNS`` + ``data``), built on demand."""
        import pandas as pd
        cols = self._trace.columns()
        df = pd.DataFrame({
            "step": pd.array(cols["step"], dtype="int64"), "time_us": pd.array(cols["time_us"], dtype="int64"),
            "time_ms": [t / 1000 for t in cols["time_us"]], "kind": cols["kind"], "vertex": cols["vertex"],
            # cluster events have no subtask: <NA>, not NaN
            "subtask": pd.array([None if s < 0 else s for s in cols["subtask"]], dtype="Int64"),
            "operator": cols["operator"], "detail": cols["detail"], "data": cols["data"],
        })
        return df

    def events(self) -> list[TraceEvent]:
        return self._trace.events

    def event_log(self) -> EventLog:
        """Every event so far as a lazy, read-only sequence (flowlab extension): only the events read are built,
        so the views can look around one moment of a long run cheaply (``events()`` builds them all)."""
        return EventLog(self._trace)

    def recent_events(self, steps: int = 10) -> list[TraceEvent]:
        """The events of the last ``steps`` steps up to the current one, read from the trace (flowlab
        extension: the Dashboard's "Recent events", right after a jump too)."""
        first = self.step_count - check.count("steps", steps) + 1
        trace = self._trace
        lo = trace.first_index_of_step(max(first, 0))
        return [e for e in trace.since(lo) if e.step <= self.step_count]

    def trace_digest(self) -> str:
        return self._trace.digest()

    def outputs(self, sink: str | int | None = None) -> Any:
        """What the sinks received: ``{sink name: [values]}``, or one sink's values by name or id."""
        sinks = self._rt.sinks
        names = [n for n in self._job_graph.stream_graph.nodes if n.kind == "sink"]
        if sink is None:
            out: dict[str, list[Any]] = {}
            for n in names:
                key = n.name if n.name not in out else f"{n.name} ({n.operator_id})"
                out[key] = sinks[n.id].values if n.id in sinks else []
            return out
        for n in names:
            if sink in (n.name, n.id, n.operator_id):
                return sinks[n.id].values if n.id in sinks else []
        raise KeyError(f"no sink {sink!r}; sinks: {[n.name for n in names]}")

    def printed_lines(self) -> list[str]:
        """Lines the print sinks wrote, in the order they were written."""
        return self._rt.printed_lines()

    def snapshot(self) -> dict[str, Any]:
        """Plain JSON-able state for the views."""
        return build_snapshot(self._rt, self.step_count, self._last_events)

    def cancel(self) -> None:
        """Cancel the job (CANCELLING -> CANCELED); retained checkpoints are kept or deleted per
        ``execution.checkpointing.externalized-checkpoint-retention``."""
        self._rt.cancel()

    # -- savepoints (see docs/savepoints.md) ----------------------------------------------------------------
    def trigger_savepoint(self, savepoint_directory: str | None = None) -> str:
        """Take a savepoint now and return its folder (``<dir>/savepoint-<6 hex>-<12 hex>``); the job goes on.
        Virtual time runs until the savepoint is complete. ``savepoint_directory`` defaults to
        ``execution.checkpointing.savepoint-dir``. Works with checkpointing off too.

        flowlab extension: PyFlink has ``trigger_savepoint`` on the ``JobClient`` (returning a future)."""
        n = self._savepoint_request(savepoint_directory, False, False)
        return self._savepoint_result(n, False)

    def stop_with_savepoint(self, advance_to_end_of_event_time: bool = False,
                            savepoint_directory: str | None = None) -> str:
        """Stop the job with a savepoint and return its folder; the job ends FINISHED. With
        ``advance_to_end_of_event_time`` (Flink's ``--drain``) the sources first emit the MAX watermark, so every
        event-time window and timer fires before the savepoint; without it, open windows and timers are in the
        savepoint and fire after a restore.

        flowlab extension: PyFlink has ``stop_with_savepoint`` on the ``JobClient`` (returning a future)."""
        n = self._savepoint_request(savepoint_directory, True, advance_to_end_of_event_time)
        return self._savepoint_result(n, True)

    def _savepoint_request(self, directory: str | None, stop: bool, drain: bool) -> int:
        with self._listeners.moving(self):
            self._rt.recorder.step = self.step_count + 1       # its events belong to the next step
            n = sp.request(self._rt, directory, stop, drain)
            self._requests.setdefault(self.step_count, []).append((self._rt.kernel.now, directory, stop, drain))
            self._rt.__dict__.setdefault("requests_applied", set()).add(self.step_count)
            return n

    def _repeat_requests(self, step: int) -> None:
        """Replaying step ``step`` (after ``back``/``goto``/``reset``): the savepoints requested after it go out
        again, at the same point of the run, so their folders are written again byte for byte."""
        applied = self._rt.__dict__.setdefault("requests_applied", set())
        if step in applied:
            return
        applied.add(step)
        kernel = self._rt.kernel
        self._rt.recorder.step = step + 1
        for now_us, directory, stop, drain in self._requests[step]:
            kernel.now = max(kernel.now, now_us)    # run(until_ms=...) had let the clock move on to there
            sp.request(self._rt, directory, stop, drain)

    def _savepoint_result(self, n: int, stop: bool) -> str:
        with self._listeners.moving(self):
            return sp.result(self._rt, n, stop, self._advance)

    def _savepoint_done(self, n: int) -> bool:
        return sp.done(self._rt, n)

    # -- checkpoints (see docs/checkpoints.md) ------------------------------------------------------------
    def checkpoints(self) -> Any:
        """Flink's checkpoint history as a DataFrame: ``id``, ``status`` (IN_PROGRESS / COMPLETED / FAILED),
        ``trigger_time_ms``, ``latest_ack_ms``, ``duration_ms`` (end to end), ``acknowledged`` of ``subtasks``,
        ``state_size`` (bytes), ``in_flight_persisted`` (bytes, unaligned), ``alignment_ms`` (the longest),
        ``unaligned``, ``path`` (``chk-<n>``) and ``failure``."""
        return cp.checkpoints_frame(self._rt)

    def checkpoint_details(self, checkpoint_id: int) -> Any:
        """Per subtask of one checkpoint: acknowledged, ack time, end-to-end, state size, sync, async,
        alignment, start delay, in-flight data persisted, unaligned, records after the barrier (at-least-once)."""
        return cp.details_frame(self._rt, checkpoint_id)

    def checkpoint_state(self, checkpoint_id: int) -> dict[str, Any]:
        """A retained checkpoint read back from its storage (flowlab extension): per operator id and subtask,
        the keyed state per key group, timers and source positions, plus in-flight data of unaligned ones."""
        return cp.checkpoint_state(self._rt, checkpoint_id)

    # -- whole-job runs (execute / execute_and_collect) --------------------------------------------------
    def _check_bounded(self) -> None:
        nodes = [n for n in self._job_graph.stream_graph.nodes if n.is_source and not n.bounded]
        if nodes:
            loops = [n.name for n in nodes if "iteration" in n.params]
            hint = "Give the source a count, or use" if len(loops) < len(nodes) else "Use"
            if loops:
                hint = (f"{', '.join(loops)}: the head of an iteration created with iterate() and no max wait "
                        "(max_wait_time_ms=0) waits for feedback forever, as in Flink; pass iterate(max_wait_time_ms) "
                        f"to end it after that long without feedback. {hint}")
            raise JobNotBoundedError(
                f"The job reads from an unbounded source ({', '.join(n.name for n in nodes)}), so running it to the "
                f"end would never return. {hint} flowlab.Simulation(env) and sim.run(until_ms=...) to run it for "
                "a while.")

    def run_to_result(self) -> Any:
        """Run to the end; the ``JobExecutionResult``, or ``JobExecutionException`` if the job failed."""
        from flowlab.datastream.job_client import JobExecutionResult
        self._check_bounded()
        rt = self._rt
        if self._record:
            self.run()
        else:                             # step numbers are only meaningful when the trace is recorded
            for _ in fast_forward(rt):
                pass
        self._raise_if_failed()
        if not rt.terminal:
            raise JobNotBoundedError(
                f"The job is still {rt.status} at {rt.kernel.now / 1000:g} virtual ms but nothing is left to happen: "
                "a real Flink job would wait here forever (a source that waits for input that never comes, or "
                "tasks that wait for each other). flowlab.Simulation(env) and sim.run(until_ms=...) show where "
                "it stops.")
        self._note_end()
        result = JobExecutionResult(rt.job_id, rt.kernel.now // 1000, {}, simulation=self)
        result.notes = list(self.notes)   # flowlab extension: what the job did not say (windows never fired)
        for text in self.notes:
            category = CheckpointingIgnoredWarning if text in rt.notes else UnfiredWindowsWarning
            warnings.warn(text, category, stacklevel=user_stacklevel())
        return result

    def _raise_if_failed(self) -> None:
        rt = self._rt
        if rt.status == "FAILED":
            raise JobExecutionException(f"Job execution failed.\n{rt.failure}") from rt.failure_exception

    def iter_collected(self, sink_id: int) -> Iterator[Any]:
        """Yield a collect sink's results as the job produces them (advancing the simulation lazily); across
        restarts as Flink's collect iterator does (see ``collect_client``)."""
        rt = self._rt
        client = CollectClient(rt, sink_id)
        if self._record:
            while True:
                yield from client.poll()
                if rt.terminal or not self._advance():
                    break
        else:
            for _ in fast_forward(rt):
                yield from client.poll()
        self._raise_if_failed()
        rt.settle_logs()
        yield from client.poll(final=rt.status == "FINISHED")
