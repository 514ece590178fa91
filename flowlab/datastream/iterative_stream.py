"""``IterativeStream``: the head of a DataStream iteration (Flink 1.x ``IterativeStream``; removed in Flink 2.0).

``it = ds.iterate(max_wait_time_ms)`` starts a loop; the loop body is built on ``it`` like any stream, and
``it.close_with(feedback)`` sends ``feedback`` back to the head. In Flink 1.x the loop is not a cycle in the
job graph: an *iteration head* task (a source) and an *iteration tail* task (a sink) with the same
parallelism are co-located, and subtask i of the tail hands records to subtask i of the head through an
in-memory queue. ``max_wait_time_ms`` stops the head after that long without feedback (0 = never).
Checkpointing an iterative job is refused unless forced, and records in the loop are lost on failure.

Simplification: flowlab builds and checks the API (same parallelism, feedback must come from the
iteration) but does not simulate the loop yet; ``close_with`` raises ``IterationNotSimulatedError``.
Should it be simulated, the plan is Flink's: head = source task reading a per-subtask feedback queue kept in
the job runtime (so time-travel snapshots copy it), tail = sink task writing to it and waking the head;
with ``max_wait_time_ms = 0`` flowlab would end the head once its regular input has ended and no record is
left in the loop (a quiescence check over the loop's tasks and channels). Not in PyFlink 2.3.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.datastream.data_stream import DataStream
from flowlab.graph.transformations import Transformation, UnionTransformation

if TYPE_CHECKING:
    from flowlab.datastream.stream_execution_environment import StreamExecutionEnvironment


class IterationNotSimulatedError(RuntimeError):
    """Raised by ``close_with``: flowlab does not simulate feedback loops (yet)."""


class IterativeStream(DataStream):
    """The stream at the head of an iteration; build the loop body on it, then ``close_with(feedback)``."""

    def __init__(self, env: StreamExecutionEnvironment, input_stream: DataStream, max_wait_time_ms: int) -> None:
        src = input_stream._transformation
        head = UnionTransformation(env._new_id(), "Iteration", "union", [src], output_type=src.output_type,
                                   parallelism=src.parallelism)
        super().__init__(env, head)
        self.max_wait_time_ms = max_wait_time_ms

    def close_with(self, feedback_stream: DataStream) -> DataStream:
        """Close the loop: ``feedback_stream`` goes back to the head (Flink's ``IterativeStream.closeWith``)."""
        if not isinstance(feedback_stream, DataStream):
            raise TypeError(f"close_with() expects a DataStream, got {type(feedback_stream).__name__}")
        if not _originates_from(feedback_stream._transformation, self._transformation):
            raise ValueError("Cannot close an iteration with a feedback DataStream that does not originate from "
                             "said iteration: build the feedback stream from the IterativeStream itself.")
        p_head, p_feedback = self._transformation.parallelism, feedback_stream._transformation.parallelism
        if p_head != p_feedback:
            raise ValueError("Parallelism of the feedback stream must match the parallelism of the original stream. "
                             f"Parallelism of original stream: {p_head}; parallelism of feedback stream: "
                             f"{p_feedback}. The head and tail of a loop are co-located subtask by subtask.")
        raise IterationNotSimulatedError(
            "DataStream iterations (iterate/close_with) are not simulated by flowlab yet. Flink 1.x runs the loop "
            "as a co-located iteration head (a source) and tail (a sink) joined by an in-memory queue; Flink 2.0 "
            "removed the API. For a bounded number of rounds, unroll the loop (apply the body N times), or keep "
            "the iteration state in a KeyedProcessFunction with timers.")


def _originates_from(t: Transformation, head: Transformation) -> bool:
    """Whether ``head`` is ``t`` or one of its transitive inputs."""
    seen: set[int] = set()
    stack = [t]
    while stack:
        cur = stack.pop()
        if cur is head:
            return True
        if cur.id in seen:
            continue
        seen.add(cur.id)
        stack.extend(cur.inputs)
    return False
