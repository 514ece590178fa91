"""The interval join operator (Flink's ``IntervalJoinOperator``), kind ``"interval_join"``.

Both inputs are keyed by the same key. Each side buffers its elements per key in map state
``timestamp -> [values]`` (``LEFT_BUFFER`` / ``RIGHT_BUFFER``). A left element with timestamp ``t`` is
stored, then joined with every buffered right element whose timestamp lies in ``[t + lower, t + upper]``;
a right element at ``t`` likewise with left elements in ``[t - upper, t - lower]``. Exclusive bounds were
already moved by one when the job was built, so only inclusive comparisons happen here. Each pair goes to
``process_element(left, right, ctx)`` with timestamp ``max(left_ts, right_ts)``.

An element with ``ts < current watermark`` (once a watermark exists) is late: it goes to the side's late
output tag if one is set, else it is dropped and counted (``num_late_records_dropped``). Cleanup timers
remove a bucket once no future element can match it: left at ``t + upper`` (``t`` if upper <= 0),
right at ``t - lower`` (``t`` if lower >= 0).

Simplification: the other side's buckets are visited in ascending timestamp order (Flink iterates its
``MapState``, whose order depends on the state backend); within a bucket, in arrival order.
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream import functions as F
from flowlab.datastream.state import MapStateDescriptor
from flowlab.runtime.elements import LONG_MIN, fmt_ts
from flowlab.runtime.operators.base import KeyedUdfOperator
from flowlab.runtime.operators.co import _TwoInputWatermarks

CLEANUP_LEFT = "CLEANUP_LEFT"
CLEANUP_RIGHT = "CLEANUP_RIGHT"


class _JoinContext(F.ProcessJoinFunction.Context):
    """``ProcessJoinFunction.Context``: both timestamps of the pair, the result timestamp, side outputs."""

    def __init__(self, op: IntervalJoinOperator) -> None:
        self._op = op
        self._left_ts = LONG_MIN
        self._right_ts = LONG_MIN
        self._ts = LONG_MIN

    def get_left_timestamp(self) -> int:
        return self._left_ts

    def get_right_timestamp(self) -> int:
        return self._right_ts

    def get_timestamp(self) -> int:
        return self._ts

    def output(self, output_tag: Any, value: Any) -> None:
        if output_tag is None:
            raise ValueError("OutputTag must not be null")
        self._op.output.collect_side(output_tag, value, self._ts)


class IntervalJoinOperator(_TwoInputWatermarks, KeyedUdfOperator):
    """Keyed two-input operator joining elements whose timestamps are within ``[lower, upper]`` of each other."""

    def __init__(self, node: Any, task: Any, output: Any) -> None:
        p = node.params
        self.key_selectors = p["key_selectors"]
        super().__init__(node, task, output, key_selector=self.key_selectors[0])
        self.lower: int = p["lower_bound"]
        self.upper: int = p["upper_bound"]
        self.late_tags = (p.get("left_late_tag"), p.get("right_late_tag"))
        self.num_late_records_dropped = 0

    def open(self) -> None:
        super().open()
        self._init_watermarks()
        self.left_buffer = self.backend.get_state(MapStateDescriptor("LEFT_BUFFER"))
        self.right_buffer = self.backend.get_state(MapStateDescriptor("RIGHT_BUFFER"))
        self.ctx = _JoinContext(self)

    # -- elements ---------------------------------------------------------------------------------
    def process_element(self, value: Any, ts: int | None) -> None:
        self.key_selector = self.key_selectors[0]
        self._process(value, ts, True)

    def process_element2(self, value: Any, ts: int | None) -> None:
        self.key_selector = self.key_selectors[1]
        self._process(value, ts, False)

    def _process(self, value: Any, ts: int | None, is_left: bool) -> None:
        self.set_key_of(value)          # the task already charged this operator's cost for the record
        if ts is None or ts == LONG_MIN:
            raise RuntimeError(
                "Long.MIN_VALUE timestamp: Elements used in interval stream joins need to have meaningful "
                f"timestamps. '{self.name}' received {value!r} without a timestamp: assign timestamps with a "
                "WatermarkStrategy (env.from_source(..., strategy, ...) or assign_timestamps_and_watermarks).")
        wm = self.timer_service.current_watermark
        if wm != LONG_MIN and ts < wm:
            self._late(value, ts, wm, is_left)
            return
        ours, other = (self.left_buffer, self.right_buffer) if is_left else (self.right_buffer, self.left_buffer)
        lo, hi = (self.lower, self.upper) if is_left else (-self.upper, -self.lower)
        ours.put(ts, (ours.get(ts) or []) + [value])
        for other_ts in sorted(other.keys()):
            if other_ts < ts + lo or other_ts > ts + hi:
                continue
            for other_value in other.get(other_ts):
                if is_left:
                    self._collect(value, other_value, ts, other_ts)
                else:
                    self._collect(other_value, value, other_ts, ts)
        cleanup = ts + hi if hi > 0 else ts
        self.timer_service.register_event_time_timer(self.backend.current_key,
                                                     CLEANUP_LEFT if is_left else CLEANUP_RIGHT, cleanup)

    def _collect(self, left: Any, right: Any, left_ts: int, right_ts: int) -> None:
        ctx = self.ctx
        ctx._left_ts, ctx._right_ts = left_ts, right_ts
        ctx._ts = max(left_ts, right_ts)
        self.emit_all(self.function.process_element(left, right, ctx), ctx._ts)

    def _late(self, value: Any, ts: int, wm: int, is_left: bool) -> None:
        side = "left" if is_left else "right"
        self.route_late(value, ts, self.late_tags[0 if is_left else 1],
                        f"late {side} record {value!r} (ts {fmt_ts(ts)} < watermark {fmt_ts(wm)})",
                        {"watermark": wm, "side": side})

    # -- cleanup timers ---------------------------------------------------------------------------
    def on_event_time(self, ts: int, key: Any, namespace: Any) -> None:
        self.task.cost += self.cost
        if namespace == CLEANUP_LEFT:
            self.left_buffer.remove(ts if self.upper <= 0 else ts - self.upper)
        elif namespace == CLEANUP_RIGHT:
            self.right_buffer.remove(ts + self.lower if self.lower <= 0 else ts)
        else:
            raise RuntimeError(f"Invalid namespace {namespace!r}")

    def snapshot_info(self) -> dict[str, Any]:
        left = self.backend.entries("LEFT_BUFFER")
        right = self.backend.entries("RIGHT_BUFFER")
        return {"left_buffered": sum(len(v) for _k, _ns, m in left for v in m.values()),
                "right_buffered": sum(len(v) for _k, _ns, m in right for v in m.values()),
                "late_records_dropped": self.num_late_records_dropped}
