"""What an operator may use of the task that runs it (Flink's ``StreamTask`` services: the processing-time
service, the mailbox, metrics, the iteration broker), as a protocol, so operators never import tasks."""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import random

    from flowlab.graph.job_graph import JobVertex
    from flowlab.kernel import Kernel
    from flowlab.runtime.recorder import Recorder


class OperatorHost(Protocol):
    """The subtask an operator runs in."""

    index: int
    attempt: int
    actor: int                         # the task's own queue of calls in the kernel
    checkpointer: Any                  # the subtask's checkpointing part, None when checkpointing is off
    job: Any                           # the job's services (``tasks.environment.TaskEnvironment``)
    vertex: JobVertex
    state: str
    kernel: Kernel
    recorder: Recorder
    cost: int                          # virtual µs the element being processed has cost so far
    auto_watermark_interval_ms: int
    job_parameters: dict[str, str]

    def now_ms(self) -> int: ...

    def rng(self, name: str) -> random.Random: ...

    def sink_results(self, node: Any) -> Any: ...

    def connector(self, key: str, factory: Any) -> Any:
        """The run's object for connector ``key``, made by ``factory(job)`` on first use (``ConnectorHost``)."""

    def operator_coordinator(self, operator_id: str, factory: Any) -> Any:
        """The JobMaster-side coordinator of operator ``operator_id``, made by ``factory(job)`` on first use."""

    def print_line(self, line: str) -> None: ...

    def schedule_processing_time(self, ts_ms: int, callback: Any) -> None: ...

    def schedule_periodic(self, interval_ms: int, callback: Any) -> None: ...

    def note_timer(self, op: Any, domain: str, ts: int, key: Any) -> None: ...

    def user_function(self, node: Any, key: str = "function") -> Any:
        """This subtask's own copy of the user code ``node.params[key]``."""

    def create_keyed_state_backend(self, operator_id: str, label: str, max_parallelism: int, key_type: Any,
                                   key_groups: range) -> Any:
        """The keyed state backend of one operator of this subtask (the job's ``state.backend.type``)."""

    def wake(self, at: int | None = None) -> None: ...

    def post_mail(self, fn: Any, args: tuple) -> None:
        """Run ``fn(*args)`` in the task's mailbox (before its next record), as Flink's mailbox does."""

    def feedback_queue(self, loop_id: int) -> deque[tuple[Any, int | None]]:
        """The queue from this subtask's iteration tail to its co-located head (Flink's ``BlockingQueueBroker``)."""

    def iteration_head(self, loop_id: int) -> OperatorHost | None:
        """The head subtask of loop ``loop_id`` co-located with this one, once it runs."""

    def register_iteration_head(self, loop_id: int) -> None: ...


class ConnectorHost(Protocol):
    """What a connector's run-wide object (a file store, a simulated broker, a split enumerator) gets from the job:
    the clock, the trace, the RPC latency and the job's random streams."""

    kernel: Kernel
    recorder: Recorder
    job_id: str
    rpc_latency_us: int
    tasks: dict[str, list[Any]]

    def find_vertex(self, vertex: str) -> str: ...


class Output(Protocol):
    """Where an operator emits (Flink's ``Output``): the next chained operator, the network, side outputs."""

    def collect(self, value: Any, ts: int | None) -> None: ...

    def collect_side(self, tag: Any, value: Any, ts: int | None) -> None: ...

    def emit_watermark(self, wm: int) -> None: ...

    def emit_status(self, idle: bool) -> None: ...
