"""``IterativeStream``: the head of a DataStream iteration (Flink 1.x ``IterativeStream``; removed in Flink 2.0).

``it = ds.iterate(max_wait_time_ms)`` starts a loop; the loop body is built on ``it`` like any stream, and
``it.close_with(feedback)`` sends ``feedback`` back to the head and returns it. As in Flink 1.x the loop is not
a cycle in the job graph: ``iterate`` adds an iteration head ``IterationSource-N`` (a source task) whose output
is unioned with ``ds``, so operators applied to ``it`` read both; ``close_with`` adds an iteration tail
``IterationSink-N`` (a sink task) reading ``feedback``. Head and tail have the iteration's parallelism and one
slot sharing group, so subtask i of the tail hands records to subtask i of the head through an in-memory
queue (see ``flowlab.runtime.operators.iteration``).

``max_wait_time_ms`` ends the head after that long without feedback, and then the job can finish;
0 (the default) never ends it, so the job is unbounded: ``env.execute()`` raises ``JobNotBoundedError``, and
``flowlab.Simulation(env).run(until_ms=...)`` runs it for a while. The head emits no watermarks while it
runs, so event time inside the loop stalls until it ends.

An iteration whose stream is used but never closed fails when the job is built, as in Flink ("does not have
any feedback edges"); ``iterate()`` without any operator on its result adds nothing to the job.

Checkpointing an iterative job is refused when it starts, as Flink refuses it by default (the records in the
loop would be lost on a failure). Simplification: Flink can be forced to checkpoint it anyway
(``enableCheckpointing(interval, mode, force=true)``); flowlab cannot. Not in PyFlink 2.3.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from flowlab.datastream.data_stream import DataStream
from flowlab.datastream.pyflink_compat import check
from flowlab.graph.transformations import NEVER, Transformation, UnionTransformation

if TYPE_CHECKING:
    from flowlab.datastream.stream_execution_environment import StreamExecutionEnvironment


class IterativeStream(DataStream):
    """The stream at the head of an iteration; build the loop body on it, then ``close_with(feedback)``.

    Java DataStream API of Flink 1.x only (removed in Flink 2.0); not in PyFlink 2.3.
    """

    def __init__(self, env: StreamExecutionEnvironment, input_stream: DataStream, max_wait_time_ms: int) -> None:
        from flowlab.runtime.operators.iteration import IterationHead
        src = input_stream._transformation
        loop_id = env._new_id()              # Flink names the head and tail after the FeedbackTransformation
        head = Transformation(env._new_id(), f"IterationSource-{loop_id}", "source", [],
                              output_type=src.output_type, parallelism=src.parallelism,
                              max_parallelism=src.max_parallelism, chaining_strategy=NEVER,
                              params={"source": IterationHead(loop_id, max_wait_time_ms),
                                      "watermark_strategy": None, "iteration": loop_id},
                              bounded=max_wait_time_ms > 0)
        union = UnionTransformation(loop_id, "Feedback", "union", [src, head], output_type=src.output_type,
                                    parallelism=src.parallelism)
        super().__init__(env, union)
        self.max_wait_time_ms = max_wait_time_ms
        self._head = head
        self._tail: Transformation | None = None

    def close_with(self, feedback_stream: DataStream) -> DataStream:
        """Close the loop: ``feedback_stream`` goes back to the head; returns it (``IterativeStream.closeWith``).

        Java DataStream API of Flink 1.x only; not in PyFlink 2.3.
        """
        check(self._env, "IterativeStream.close_with")
        if not isinstance(feedback_stream, DataStream):
            raise TypeError(f"close_with() expects a DataStream, got {type(feedback_stream).__name__}")
        feedback = feedback_stream._transformation
        if not _originates_from(feedback, self._transformation):
            raise ValueError("Cannot close an iteration with a feedback DataStream that does not originate from "
                             "said iteration: build the feedback stream from the IterativeStream itself.")
        p_head, p_feedback = self._transformation.parallelism, feedback.parallelism
        if p_head != p_feedback:
            raise ValueError("Parallelism of the feedback stream must match the parallelism of the original stream. "
                             f"Parallelism of original stream: {p_head}; parallelism of feedback stream: "
                             f"{p_feedback}. Parallelism can be modified using DataStream#set_parallelism() "
                             "method. The head and tail of a loop are co-located subtask by subtask.")
        if self._tail is None:
            loop_id = self._transformation.id
            self._tail = Transformation(self._env._new_id(), f"IterationSink-{loop_id}", "sink", [feedback],
                                        output_type=feedback.output_type, parallelism=p_head,
                                        max_parallelism=self._head.max_parallelism, chaining_strategy=NEVER,
                                        params={"sink": "iteration_tail", "iteration": loop_id})
            self._env._add(self._tail)
        else:                                # Flink allows several feedback streams: one tail reads them all
            self._tail.inputs.append(feedback)
        return feedback_stream


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
