"""What the tasks of a BATCH job run differently: the operators BATCH replaces and the sorted keyed inputs.

``JobRuntime`` creates one ``BatchExecution`` for a job whose ``execution.runtime-mode`` resolved to BATCH
(see ``flowlab.graph.runtime_mode``) and hands it to every task (``TaskEnvironment.batch``): a task builds
its operators through ``create_operator`` and then lets ``prepare_task`` put a ``SortingInput`` in front of
a keyed head operator and switch its sources' watermark generators off (Flink's
``emitProgressiveWatermarks = false``: timestamp assigners are used, watermark generators are ignored).
"""
from __future__ import annotations

from typing import Any

from flowlab.runtime.batch.reduce import BatchReduceOperator
from flowlab.runtime.batch.settings import CHECKPOINTING_IGNORED, BatchSettings
from flowlab.runtime.batch.sorted_input import SortingInput
from flowlab.runtime.operators import create_operator

BROADCAST_KINDS = ("broadcast_process", "keyed_broadcast_process")     # input 2 is the broadcast input


class BatchExecution:
    """The BATCH side of one job run (settings, notes); shared by time-travel snapshots (it never changes)."""

    def __init__(self, conf: dict[str, Any]) -> None:
        self.settings = BatchSettings.from_conf(conf)
        self.notes = [CHECKPOINTING_IGNORED] if self.settings.checkpointing_requested else []

    def __deepcopy__(self, memo: dict) -> BatchExecution:
        return self

    def create_operator(self, node: Any, task: Any, output: Any) -> Any:
        """The runtime operator of ``node`` in BATCH: rolling aggregations emit only each key's final value."""
        if node.kind == "rolling_reduce":
            return BatchReduceOperator(node, task, output)
        return create_operator(node, task, output)

    def prepare_task(self, task: Any, on_end: Any) -> SortingInput | None:
        """Before the operators open: no progressive watermarks; the sorting input of a keyed head, or None."""
        for op in task.operators:
            op.emit_progressive_watermarks = False
        head = task.head
        params = head.node.params
        if "iteration" in params or task.is_source:
            return None
        selectors: dict[int, Any] = {}
        held: tuple[int, ...] = ()
        if "key_selectors" in params:
            selectors = {1: params["key_selectors"][0], 2: params["key_selectors"][1]}
        elif "key_selector" in params:
            selectors = {1: params["key_selector"]}
        elif head.node.kind == "broadcast_process":
            held = (1,)
        else:
            return None
        return SortingInput(task, head, selectors, params.get("key_type"), held, on_end)
