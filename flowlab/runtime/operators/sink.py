"""Sinks: print (formatted like Flink's print sink), collect (``execute_and_collect``), user sinks."""
from __future__ import annotations

import inspect
from typing import Any

from flowlab.runtime.operators.base import UdfOperator
from flowlab.runtime.operators.java_strings import print_text
from flowlab.trace import EventKind


def _positional_count(fn: Any) -> int:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 1
    return sum(1 for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


class SinkOperator(UdfOperator):
    """Delivers records to the outside world: here, to the simulation's outputs."""

    def open(self) -> None:
        super().open()
        params = self.node.params
        self.mode = params["sink"]
        self.identifier = params.get("identifier")
        self.type_info = params.get("type")
        self.results = self.task.sink_results(self.node)
        if self.mode == "collect":            # execute_and_collect: offsets the client can trust (see collect)
            restored = self.task.restored_checkpoint_id      # a restarted attempt goes on from that checkpoint
            self.offset = 0 if restored is None else self.results.offset_at.get((self.task.index, restored), 0)
            self.offset_at: dict[int, int] = {}
            self.results.attempts[self.task.index] = self.task.attempt
            self.results.offsets.add(self.task.index, ("open", self.task.index, self.task.attempt, self.offset),
                                     self.task.kernel.current_key)
        fn = self.function
        self.invoke = None
        if fn is not None:
            self.invoke = fn.write if hasattr(fn, "write") else getattr(fn, "invoke", fn)
            self.with_context = _positional_count(self.invoke) >= 2

    def _prefix(self) -> str:
        p = self.task.vertex.parallelism
        if self.identifier:
            return f"{self.identifier}:{self.task.index + 1}> " if p > 1 else f"{self.identifier}> "
        return f"{self.task.index + 1}> " if p > 1 else ""

    def process_element(self, value: Any, ts: int | None) -> None:
        task = self.task
        line = None
        if self.mode == "print":
            line = self._prefix() + print_text(value, self.type_info)
        elif self.invoke is not None:
            if self.with_context:
                self.invoke(value, None)
            else:
                self.invoke(value)
        kernel = task.kernel
        self.results.append(task.index, value, ts, line, kernel.now, kernel.current_key)
        if self.mode == "collect":
            self.results.offsets.add(task.index, ("row", task.index, self.offset, value), kernel.current_key)
            self.offset += 1
        if line is not None:
            task.print_line(line)
        rec = task.recorder
        if rec.enabled:
            rec.emit(EventKind.SINK, task.vertex.id, task.index, self.id,
                     line if line is not None else repr(value)[:80], None)
        else:
            rec.tick()

    # -- the collect sink across checkpoints and restarts (Flink's CollectSinkFunction) --------------------------
    def snapshot_state(self, checkpoint_id: int, timestamp_ms: int) -> dict[str, Any] | None:
        """The collect sink notes how many results it had sent at checkpoint ``checkpoint_id``; a restore goes on
        from there. Simplification: the run keeps these offsets next to the checkpoint (Flink keeps them in the
        sink's operator state), so checkpoints of a job with ``execute_and_collect`` are not bigger."""
        if self.mode == "collect":
            self.offset_at[checkpoint_id] = self.offset
            self.results.offset_at[(self.task.index, checkpoint_id)] = self.offset
        return super().snapshot_state(checkpoint_id, timestamp_ms)

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        """The results up to the completed checkpoint's offset are final: the client may hand them out."""
        super().notify_checkpoint_complete(checkpoint_id)
        if self.mode == "collect":
            done = [n for n in self.offset_at if n <= checkpoint_id]
            if done:
                self.results.offsets.add(self.task.index, ("commit", self.task.index, self.offset_at[max(done)]),
                                         self.task.kernel.current_key)
                for n in done:
                    del self.offset_at[n]
