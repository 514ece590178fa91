"""Keyed windows (Flink's ``WindowOperator`` and ``EvictingWindowOperator``), kind ``"window"``.

Per element: assign windows; skip windows already past cleanup (``cleanup_time <= watermark``); add the
element to each remaining window's contents; ask the trigger; a FIRE emits the window's result with
timestamp ``window.max_timestamp()``; a cleanup timer at ``max_timestamp + allowed_lateness`` (processing
time: ``max_timestamp``) clears the window without firing. An element added to no window is late when
``ts + allowed_lateness <= watermark``: it goes to the late side output, or is dropped and counted.
Session windows merge through a per-key map merged window -> state window (``MergingWindowSet``).
Simplification: evicting windows keep ``(value, ts)`` pairs instead of ``TimestampedValue``.
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream import functions as F
from flowlab.datastream.state import (
    AggregatingStateDescriptor,
    ListStateDescriptor,
    ReducingStateDescriptor,
    ValueStateDescriptor,
)
from flowlab.datastream.window import MergingWindowAssigner
from flowlab.runtime.elements import LONG_MAX, fmt_ts
from flowlab.runtime.operators.base import KeyedUdfOperator, user_method
from flowlab.runtime.operators.rolling import reduce_returned_none
from flowlab.runtime.operators.window_contexts import (
    AssignerContext,
    ProcessWindowContext,
    TriggerContext,
    merge_namespaces,
)
from flowlab.runtime.operators.window_history import WindowHistory, describe, fired_with, short
from flowlab.trace.events import EventKind

_CONTENTS = "window-contents"            # Flink's names for the operator's own states
_MERGING_WINDOW_SET = "merging-window-set"


class WindowOperator(KeyedUdfOperator):
    def __init__(self, node: Any, task: Any, output: Any) -> None:
        super().__init__(node, task, output)
        p = node.params
        self.assigner = task.user_function(node, "assigner")      # one copy per subtask, as each
        self.trigger = task.user_function(node, "trigger")        # PyFlink worker deserialises its own
        self.evictor = task.user_function(node, "evictor")
        self.allowed_lateness = p.get("allowed_lateness", 0)
        self.late_tag = p.get("late_tag")
        self.mode = p["mode"]
        self.all_window = p.get("all_window", False)
        self.window_function = task.user_function(node, "window_function")
        self.event_time = self.assigner.is_event_time()
        self.merging = isinstance(self.assigner, MergingWindowAssigner)
        self.num_late_records_dropped = 0
        self.num_fires = 0
        self.history = WindowHistory()     # for views and the explainer only (describe_windows)

    def open(self) -> None:
        super().open()
        if isinstance(self.window_function, F.Function):
            from flowlab.runtime.operators.base import StreamingRuntimeContext
            self.window_function.open(StreamingRuntimeContext(self))
        buffered = self.mode == "buffer" or self.evictor is not None
        if buffered:
            self.contents_desc = ListStateDescriptor(_CONTENTS)
        elif self.mode == "reduce":
            self.reduce = self._checked_reduce(user_method(self.function, F.ReduceFunction, "reduce"))
            self.contents_desc = ReducingStateDescriptor(_CONTENTS, self.reduce)
        else:
            self.contents_desc = AggregatingStateDescriptor(_CONTENTS, self.function)
        self.buffered = buffered
        self.window_state = self.backend.get_namespaced_state(self.contents_desc, None)  # namespace: the window
        # Flink registers the merging-window-set only for merging assigners (session windows)
        self.merge_map = self.backend.get_state(ValueStateDescriptor(_MERGING_WINDOW_SET)) if self.merging else None
        self.trigger_ctx = TriggerContext(self)
        self.assigner_ctx = AssignerContext(self)
        self.process_ctx = ProcessWindowContext(self)

    def close(self) -> None:
        super().close()
        if isinstance(self.window_function, F.Function):
            self.window_function.close()

    # -- elements ---------------------------------------------------------------------------------
    def process_element(self, value: Any, ts: int | None) -> None:
        self.set_key_of(value)          # the task already charged this operator's cost for the record
        windows = self.assigner.assign_windows(value, ts, self.assigner_ctx)
        skipped = True
        for window in windows:
            state_window = window
            if self.merging:
                window = self._add_merging_window(window)
                if self._is_window_late(window):
                    self._retire(window)
                    continue
                state_window = self.merge_map.value()[window]
            elif self._is_window_late(window):
                continue
            skipped = False
            self._add(state_window, value, ts)
            self.history.added((self.backend.current_key, state_window), window,
                               self.timer_service.current_watermark, self.event_time, self.task.kernel.now / 1000)
            ctx = self.trigger_ctx
            ctx.window = window
            result = self.trigger.on_element(value, ts, window, ctx)
            self._act(result, window, state_window)
            self._register_cleanup_timer(window)
        if skipped and self._is_element_late(ts):
            self._late(value, ts, windows)

    def _add(self, state_window: Any, value: Any, ts: int | None) -> None:
        ws = self.window_state
        ws.namespace = state_window
        ws.add((value, ts) if self.buffered else value)

    def _late(self, value: Any, ts: int | None, windows: Any = ()) -> None:
        wm = self.timer_service.current_watermark
        self.history.late_record(self.backend.current_key, value, ts, list(windows), wm, self.allowed_lateness,
                                 self.late_tag.tag_id if self.late_tag is not None else None,
                                 self.task.kernel.now / 1000)
        self.route_late(value, ts, self.late_tag,
                        f"late record {value!r} (ts {fmt_ts(ts)} + lateness {self.allowed_lateness} "
                        f"<= watermark {fmt_ts(wm)})",
                        {"watermark": wm, "key": self.backend.user_key, "value": short(value),
                         "allowed_lateness": self.allowed_lateness})

    # -- timers -----------------------------------------------------------------------------------
    def on_event_time(self, ts: int, key: Any, namespace: Any) -> None:
        self._on_timer(ts, namespace, True)

    def on_processing_time(self, ts: int, key: Any, namespace: Any) -> None:
        self._on_timer(ts, namespace, False)

    def _on_timer(self, ts: int, window: Any, event_time: bool) -> None:
        self.task.cost += self.cost
        state_window = window
        if self.merging:
            mapping = self.merge_map.value() or {}
            if window not in mapping:
                return          # the window was merged into another one
            state_window = mapping[window]
        ctx = self.trigger_ctx
        ctx.window = window
        if event_time:
            result = self.trigger.on_event_time(ts, window, ctx)
        else:
            result = self.trigger.on_processing_time(ts, window, ctx)
        self._act(result, window, state_window)
        if self.event_time == event_time and ts == self._cleanup_time(window):
            self._clear_all_state(window, state_window)

    # -- firing -----------------------------------------------------------------------------------
    def _act(self, result: Any, window: Any, state_window: Any) -> None:
        ws = self.window_state
        if result.is_fire():
            ws.namespace = state_window
            stored = ws.get_internal()
            if stored is not None:
                self._emit_window_contents(window, (self.backend.current_key, state_window), stored)
        if result.is_purge():
            ws.namespace = state_window
            ws.clear()

    def _emit_window_contents(self, window: Any, k: tuple[Any, Any], stored: Any) -> None:
        wm = self.timer_service.current_watermark
        what = fired_with(self, stored)
        if self.evictor is not None:
            stored = self.evictor.evict_before(list(stored), len(stored), window, self.trigger_ctx)
            results = self._results([v for v, _ in stored])
            self.emit_all(self._apply(window, results), window.max_timestamp())
            stored = self.evictor.evict_after(list(stored), len(stored), window, self.trigger_ctx)
            self.window_state.namespace = k[1]
            self.window_state.update_internal(list(stored))
        elif self.buffered:
            self.emit_all(self._apply(window, [v for v, _ in stored]), window.max_timestamp())
        elif self.mode == "reduce":
            self.emit_all(self._apply(window, [stored]), window.max_timestamp())
        else:
            self.emit_all(self._apply(window, [self.function.get_result(stored)]), window.max_timestamp())
        self.num_fires += 1
        fire = self.history.fired(k, wm, self.task.kernel.now / 1000, what)
        rec = self.task.recorder
        if rec.enabled:
            start = getattr(window, "start", None)
            end = getattr(window, "end", None)
            span = f"[{start}, {end})" if start is not None else repr(window)
            rec.emit(EventKind.WINDOW_FIRE, self.task.vertex.id, self.task.index, self.id,
                     f"{self.name}: window {span} fires for key {k[0]!r} at watermark {fmt_ts(wm)}",
                     {"key": k[0], "window_start": start, "window_end": end, "watermark": wm,
                      "max_timestamp": window.max_timestamp(), "fire": fire})
        else:
            rec.tick()

    def _checked_reduce(self, reduce: Any) -> Any:
        """The user's reduce, failing clearly when it returns None (it would restart the window's aggregate)."""
        def checked(a: Any, b: Any) -> Any:
            value = reduce(a, b)
            if value is None:
                raise reduce_returned_none(self.name, self.backend.user_key)
            return value
        return checked

    def _results(self, values: list[Any]) -> list[Any]:
        """Reduce/aggregate the (evicted) buffer as the incremental path would have done."""
        if self.mode == "buffer":
            return values
        if self.mode == "reduce":
            reduce = user_method(self.function, F.ReduceFunction, "reduce")
            acc = values[0] if values else None
            for v in values[1:]:
                acc = reduce(acc, v)
                if acc is None:
                    raise reduce_returned_none(self.name, self.backend.user_key)
            return [] if not values else [acc]
        agg = self.function
        acc = agg.create_accumulator()
        for v in values:
            acc = agg.add(v, acc)
        return [agg.get_result(acc)]

    def _apply(self, window: Any, results: list[Any]) -> Any:
        wf = self.window_function
        if wf is None:
            return results
        key = self.backend.user_key
        if isinstance(wf, F.ProcessWindowFunction):
            self.process_ctx._window = window
            return wf.process(key, self.process_ctx, results)
        if isinstance(wf, F.ProcessAllWindowFunction):
            self.process_ctx._window = window
            return wf.process(self.process_ctx, results)
        if isinstance(wf, F.AllWindowFunction):
            return wf.apply(window, results)
        return wf.apply(key, window, results)

    # -- lateness and cleanup ---------------------------------------------------------------------
    def _cleanup_time(self, window: Any) -> int:
        if not self.event_time:
            return window.max_timestamp()
        t = window.max_timestamp() + self.allowed_lateness
        return min(t, LONG_MAX)

    def _is_window_late(self, window: Any) -> bool:
        return self.event_time and self._cleanup_time(window) <= self.timer_service.current_watermark

    def _is_element_late(self, ts: int | None) -> bool:
        return (self.event_time and ts is not None
                and ts + self.allowed_lateness <= self.timer_service.current_watermark)

    def _register_cleanup_timer(self, window: Any) -> None:
        t = self._cleanup_time(window)
        if t == LONG_MAX:
            return
        key = self.backend.current_key
        if self.event_time:
            self.timer_service.register_event_time_timer(key, window, t)
        else:
            self.timer_service.register_processing_time_timer(key, window, t)

    def _delete_cleanup_timer(self, window: Any) -> None:
        t = self._cleanup_time(window)
        if t == LONG_MAX:
            return
        key = self.backend.current_key
        if self.event_time:
            self.timer_service.delete_event_time_timer(key, window, t)
        else:
            self.timer_service.delete_processing_time_timer(key, window, t)

    def _clear_all_state(self, window: Any, state_window: Any) -> None:
        self.history.cleaned((self.backend.current_key, state_window), window, self.timer_service.current_watermark,
                             self.task.kernel.now / 1000)
        self.window_state.namespace = state_window
        self.window_state.clear()
        self.trigger_ctx.window = window
        self.trigger.clear(window, self.trigger_ctx)
        wf = self.window_function
        if isinstance(wf, (F.ProcessWindowFunction, F.ProcessAllWindowFunction)):
            self.process_ctx._window = window
            wf.clear(self.process_ctx)
        if self.merging:
            self._retire(window)

    # -- merging (MergingWindowSet) ---------------------------------------------------------------
    def _retire(self, window: Any) -> None:
        mapping = dict(self.merge_map.value() or {})
        mapping.pop(window, None)
        self.merge_map.update(mapping or None)

    def _add_merging_window(self, new_window: Any) -> Any:
        """Add ``new_window`` to the key's window set, merging; returns the window it ended up in."""
        mapping: dict[Any, Any] = dict(self.merge_map.value() or {})
        result, merged_new = new_window, False
        for merged, group in self.assigner.merge_windows(list(mapping) + [new_window]):
            group = list(group)
            if new_window in group:
                group.remove(new_window)
                merged_new, result = True, merged
            if not group:
                continue
            state_window = mapping[group[0]]
            absorbed_states = [mapping.pop(w) for w in group]
            mapping[merged] = state_window
            absorbed_states.remove(state_window)
            if not (len(group) == 1 and group[0] == merged):
                self._merge(merged, group, state_window, absorbed_states)
        if not merged_new:
            mapping[new_window] = new_window
        self.merge_map.update(mapping)
        return result

    def _merge(self, merged: Any, windows: list[Any], state_window: Any, absorbed: list[Any]) -> None:
        """Flink's merge callback: trigger ``on_merge``, retire the absorbed windows' triggers and timers."""
        if self.event_time and merged.max_timestamp() + self.allowed_lateness <= self.timer_service.current_watermark:
            raise RuntimeError(f"The end timestamp of an event-time window cannot become earlier than the current "
                               f"watermark by merging. Current watermark: {self.timer_service.current_watermark} "
                               f"window: {merged}")
        ctx = self.trigger_ctx
        ctx.window, ctx.merged_windows = merged, windows
        self.trigger.on_merge(merged, ctx)
        for w in windows:
            ctx.window = w
            self.trigger.clear(w, ctx)
            self._delete_cleanup_timer(w)
        ctx.window, ctx.merged_windows = None, []
        merge_namespaces(self.backend, self.contents_desc, state_window, absorbed)
        self.history.merged(self.backend.current_key, state_window, absorbed)

    def snapshot_info(self) -> dict[str, Any]:
        return {"windows": self.backend.num_entries(_CONTENTS), "late_records_dropped": self.num_late_records_dropped,
                "fires": self.num_fires}

    def describe_windows(self) -> dict[str, Any]:
        """Plain data for snapshots: open windows per key (contents or aggregate, firings, cleanup time),
        recently closed windows and late records with the watermark that made them late."""
        return describe(self)
