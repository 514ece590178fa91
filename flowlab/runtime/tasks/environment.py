"""What a task gets from the job and the TaskManager it runs in (Flink's ``Environment``), as a protocol.

``JobRuntime`` provides it; the task never imports the runtime root, so the arrows point one way:
job runtime -> cluster -> tasks -> operators / network / state.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from flowlab.graph.stream_graph import StreamEdge
    from flowlab.kernel import Kernel, RandomStreams
    from flowlab.runtime.network.debloater import DebloatSettings
    from flowlab.runtime.network.partitioning import ChannelSelector
    from flowlab.runtime.network.service import NetworkService
    from flowlab.runtime.recorder import Recorder
    from flowlab.runtime.state import StateBackends


class TaskEnvironment(Protocol):
    """Services of the job and TaskManager a ``StreamTask`` uses; the JobMaster hears of its end here."""

    kernel: Kernel
    recorder: Recorder
    network: NetworkService
    rngs: RandomStreams
    settings: dict[str, Any]
    debloat: DebloatSettings
    lookahead_us: int | None      # fast-forward: how far ahead a task may run (None: one call at a time)
    iteration_heads: dict[tuple[int, int], Any]
    state_backends: StateBackends  # the job's state backend choice (creates keyed backends)
    checkpoint_settings: Any      # flowlab.runtime.checkpointing.CheckpointSettings, or None (checkpointing off)
    batch: Any                    # flowlab.runtime.batch.BatchExecution in BATCH mode, else None

    rpc_latency_us: int           # an RPC between a task and the JobMaster (or a broker) takes this long

    def connector(self, key: str, factory: Any) -> Any:
        """The run's object for connector ``key`` (made by ``factory(job)`` on first use)."""

    def operator_coordinator(self, operator_id: str, factory: Any) -> Any:
        """The JobMaster-side coordinator of an operator (a source's split enumerator), made on first use."""

    def make_selector(self, edge: StreamEdge, task: Any, n_channels: int) -> ChannelSelector: ...

    def sink_results(self, node: Any) -> Any: ...

    def print_line(self, writer: int, line: str, key: Any) -> None:
        """A print sink of the task with actor id ``writer`` wrote ``line`` in the call with key ``key``."""

    def feedback_queue(self, loop_id: int, subtask: int) -> deque[tuple[Any, int | None]]: ...

    def task_finished(self, task: Any) -> None: ...

    def task_failed(self, task: Any, exc: BaseException, user_traceback: str) -> None: ...

    def acknowledge_checkpoint(self, task: Any, ack: Any) -> None:
        """The RPC to the CheckpointCoordinator: this subtask's part of a checkpoint is done."""

    def decline_checkpoint(self, task: Any, checkpoint_id: int, reason: str, message: str) -> None:
        """The RPC to the CheckpointCoordinator: this subtask cannot take part in a checkpoint."""
