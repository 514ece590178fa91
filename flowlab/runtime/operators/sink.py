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
        if line is not None:
            task.print_line(line)
        rec = task.recorder
        if rec.enabled:
            rec.emit(EventKind.SINK, task.vertex.id, task.index, self.id,
                     line if line is not None else repr(value)[:80], None)
        else:
            rec.tick()
