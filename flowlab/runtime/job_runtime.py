"""Everything mutable about one simulated job run, under one root so time travel can copy it whole.

``JobRuntime`` owns the kernel, the random streams, the cluster, the tasks and their network
connections, and the sinks' results. ``copy.deepcopy`` of it is a complete, independent snapshot
(the trace and the job's inert descriptions are shared, never copied).
"""
from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable
from typing import Any

from flowlab.graph import build_execution_graph
from flowlab.graph.job_graph import JobGraph
from flowlab.graph.stream_graph import StreamEdge
from flowlab.kernel import Kernel, RandomStreams
from flowlab.runtime.batch import BatchExecution, BatchStateBackends
from flowlab.runtime.checkpointing import checkpoint_settings
from flowlab.runtime.checkpointing.config import local_path, savepoint_directory
from flowlab.runtime.checkpointing.restore import StateAssignment
from flowlab.runtime.checkpointing.restore_source import RestoreSource
from flowlab.runtime.checkpointing.savepoint_coordinator import savepoint_coordinator
from flowlab.runtime.checkpointing.savepoints import SavepointError, SavepointRequest, no_directory_error
from flowlab.runtime.cluster.job_master import JobMaster
from flowlab.runtime.cluster.resource_manager import ResourceManager
from flowlab.runtime.cluster.restore_plan import RestorePlan
from flowlab.runtime.elements import EndOfData
from flowlab.runtime.network.debloater import DebloatSettings
from flowlab.runtime.network.input_gate import InputGate
from flowlab.runtime.network.partitioning import ChannelSelector, make_selector
from flowlab.runtime.network.result_partition import ResultPartition
from flowlab.runtime.network.service import NetworkService
from flowlab.runtime.network.settings import NetworkSettings
from flowlab.runtime.operators.connector_registry import ConnectorRegistry
from flowlab.runtime.phases import PHASE_CONTROL
from flowlab.runtime.recorder import Recorder
from flowlab.runtime.shared_log import OrderedLog
from flowlab.runtime.state import StateBackends
from flowlab.runtime.tasks.stream_task import StreamTask
from flowlab.trace import Trace


class SinkResults:
    """What one sink received, in arrival order: values, subtask, timestamp, printed line, time."""

    def __init__(self, node_id: int, name: str, ordered: OrderedLog) -> None:
        self.node_id = node_id
        self.name = name
        self.log = ordered                    # rows (subtask, value, timestamp, printed line, arrival µs)
        # the collect sink of execute_and_collect: what its client needs across restarts, in order — ("open",
        # subtask, attempt, offset), ("row", subtask, offset, value), ("commit", subtask, offset checkpointed)
        self.offsets = OrderedLog()
        if ordered.keyed is not None:
            self.offsets.keyed = {}
        self.attempts: dict[int, int] = {}       # collect sink subtask -> the attempt running now
        self.offset_at: dict[tuple[int, int], int] = {}   # (subtask, checkpoint id) -> results sent by then

    def append(self, subtask: int, value: Any, ts: int | None, line: str | None, now_us: int, key: Any) -> None:
        self.log.add(subtask, (subtask, value, ts, line, now_us), key)

    @property
    def rows(self) -> list[tuple[int, Any, int | None, str | None, int]]:
        return self.log.settle()

    @property
    def values(self) -> list[Any]:
        return [r[1] for r in self.rows]


class JobRuntime:
    """One job on one simulated MiniCluster."""

    def __init__(self, job_graph: JobGraph, seed: int, trace: Trace, restore_from: RestoreSource | None = None) -> None:
        self.job_graph = job_graph
        self.job_name = job_graph.job_name
        self.settings = job_graph.settings
        self.conf: dict[str, Any] = dict(self.settings.get("configuration", {}))
        self.seed = seed
        self.job_id = hashlib.sha256(f"{seed}/{self.job_name}".encode()).hexdigest()[:32]
        self.kernel = Kernel()
        self.recorder = Recorder(trace, self.kernel)
        self.rngs = RandomStreams(seed)
        # BATCH (execution.runtime-mode resolved when the graph was built): see flowlab.runtime.batch
        self.batch = BatchExecution(self.conf) if job_graph.execution_mode == "BATCH" else None
        self.notes: list[str] = [] if self.batch is None else list(self.batch.notes)
        self.state_backends = (StateBackends(self.conf, self.job_id) if self.batch is None
                               else BatchStateBackends(self.conf, self.job_id))
        self.network = NetworkService(self.kernel, self.recorder,
                                      NetworkSettings(self.conf, self.settings["buffer_timeout_ms"]))
        self.debloat = DebloatSettings(self.conf, self.network.settings.segment_size)
        self.exec_graph = build_execution_graph(job_graph)
        self.rm = ResourceManager()
        self.tasks: dict[str, list[StreamTask]] = {}
        nodes = job_graph.stream_graph.nodes
        self.checkpoint_settings = None if self.batch is not None else checkpoint_settings(   # BATCH ignores it
            self.conf, iterative=any("iteration" in n.params for n in nodes),
            custom_partitioner=any(e.partitioner.name == "CUSTOM" for e in job_graph.stream_graph.edges))
        self.jobmaster = JobMaster(self.kernel, self.recorder, job_graph, self.conf, self.rm, self.tasks, self.job_id,
                                   self.channel_count, self.network.settings.latency_us, self.checkpoint_settings,
                                   self.batch, self.new_attempt)
        self.sinks: dict[int, SinkResults] = {}
        self.printed = OrderedLog()               # what print sinks wrote, shared by snapshots
        # iterations: (loop id, subtask) -> the in-memory queue from tail to head, and the head task
        self.feedback_queues: dict[tuple[int, int], deque[tuple[Any, int | None]]] = {}
        self.iteration_heads: dict[tuple[int, int], StreamTask] = {}
        self.lookahead_us: int | None = None       # fast-forward: how far a task may run ahead (None: stepping)
        # connectors: the run's own state of the outside world (files a sink writes, a simulated Kafka broker) and
        # the sources' split enumerators (Flink's operator coordinators, on the JobMaster), by key / operator id
        self.connectors = ConnectorRegistry()
        self.operator_coordinators: dict[str, Any] = {}
        if self.jobmaster.checkpoints is not None:
            self.jobmaster.checkpoints.operator_coordinators = self.operator_coordinators
            self.jobmaster.checkpoints.connector = self.connector
        if self.jobmaster.recovery is not None:
            self.jobmaster.recovery.restore = RestorePlan(self.jobmaster, self.operator_coordinators)
        self._create_tasks()
        if self.jobmaster.stages is not None:
            self.jobmaster.stages.make_blocking()
        # the checkpoint or savepoint this run starts from (execution.state-recovery.path), mapped onto its subtasks
        self.restore_source = restore_from
        self.state_assignment: StateAssignment | None = None
        if restore_from is not None and self.batch is None:
            self._assign_restored_state(restore_from)
        elif restore_from is not None:
            self.notes.append(f"execution.state-recovery.path is ignored in BATCH mode: the job starts without the "
                              f"state of {restore_from.kind} {restore_from.checkpoint_id} (BATCH keeps no state "
                              "between stages and takes no checkpoints).")

    def _assign_restored_state(self, source: RestoreSource) -> None:
        assignment = self.state_assignment = source.assign(self.job_graph)
        for task in self.all_tasks():
            task.restore = assignment.for_subtask(task.vertex_id, task.index)
        if self.jobmaster.checkpoints is not None:      # Flink resets the checkpoint id counter past the restored one
            self.jobmaster.checkpoints.next_id = assignment.checkpoint_id + 1
        self.jobmaster.restored_from = (source, assignment)

    # -- construction -----------------------------------------------------------------------------------
    def _create_tasks(self) -> None:
        eg = self.exec_graph
        for v in self.job_graph.vertices:
            self.tasks[v.id] = [StreamTask(self, v, i) for i in range(v.parallelism)]
        settings = self.network.settings
        for w in eg.wirings:
            e = w.edge
            producers = self.tasks[e.source.id]
            consumers = self.tasks[e.target.id]
            net = self.network
            parts = [ResultPartition(t, net, e.index, w.targets[t.index], settings) for t in producers]
            gates = [InputGate(t, net, e.index, e.stream_edge.input_number, w.sources[t.index], settings)
                     for t in consumers]
            for t, p in zip(producers, parts, strict=True):
                t.partitions.append(p)
            for t, g in zip(consumers, gates, strict=True):
                t.gates.append(g)
            for p in parts:
                for sub in p.subpartitions:
                    gate = gates[sub.consumer_index]
                    channel = next(c for c in gate.channels if c.producer == p.task.index)
                    sub.channel = channel
                    channel.subpartition = sub
                    sub.credit = channel.announced         # initial credit: the exclusive buffers
        for v in self.job_graph.vertices:                  # partitions follow the vertex's out-edge order
            for t in self.tasks[v.id]:
                assert [p.edge_index for p in t.partitions] == [je.index for je in v.out_edges]
                assert [g.edge_index for g in t.gates] == [je.index for je in v.in_edges]

    def new_attempt(self, old: StreamTask) -> StreamTask:
        """A fresh execution attempt of ``old``'s subtask, wired as the first one was: new output partitions towards
        the consumers' channels, new input gates. BATCH: their readers are opened when it runs. STREAMING: the whole
        region gets new attempts, consumers first, so every new partition is wired to a new gate and nothing the
        old attempts had in flight reaches the new ones; an iteration's in-memory feedback queue is emptied (Flink
        loses the records in a loop on a restart)."""
        v = old.vertex
        task = StreamTask(self, v, old.index, attempt=old.attempt + 1)
        self.tasks[v.id][old.index] = task
        if self.batch is None:
            for node in v.operators:
                if "iteration" in node.params:
                    self.feedback_queue(node.params["iteration"], old.index).clear()
        settings = self.network.settings
        for w in self.exec_graph.wirings:
            e = w.edge
            if e.target is v:
                task.gates.append(InputGate(task, self.network, e.index, e.stream_edge.input_number,
                                            w.sources[old.index], settings))
            if e.source is v:
                part = ResultPartition(task, self.network, e.index, w.targets[old.index], settings)
                task.partitions.append(part)
                k = [je.index for je in e.target.in_edges].index(e.index)
                for sub in part.subpartitions:
                    gate = self.tasks[e.target.id][sub.consumer_index].gates[k]
                    channel = next(c for c in gate.channels if c.producer == old.index)
                    sub.channel = channel
                    channel.subpartition = sub
                    sub.credit = channel.announced
        return task

    def start(self) -> None:
        self.kernel.schedule(0, self.jobmaster.boot, phase=PHASE_CONTROL)

    def fast_forward(self) -> None:
        """Let tasks run ahead of each other (conservative look-ahead) for a run that is not stepped.

        A task's work can reach another only through the network, which takes ``latency``: so a task may
        process everything up to its clock + latency before the others catch up, as long as no call is due
        for it or globally before. The result is the run stepping gives (the kernel's keys do not depend on
        the interleaving); sink rows and printed lines are merged back into key order when read. Off with
        zero latency and with iterations (their feedback queue is in memory, without latency).
        """
        latency = self.network.settings.latency_us
        iterations = any("iteration" in n.params for n in self.job_graph.stream_graph.nodes)
        if latency <= 0 or iterations:
            return
        self.lookahead_us = latency
        self.printed.keyed = {}
        for res in self.sinks.values():
            res.log.keyed = {}
            res.offsets.keyed = {}

    # -- services for tasks -----------------------------------------------------------------------------
    def make_selector(self, edge: StreamEdge, task: StreamTask, n_channels: int) -> ChannelSelector:
        target = edge.target
        return make_selector(edge.partitioner, n_channels, target.parallelism, target.max_parallelism,
                             self.rngs.get(f"partitioner/{task.name}/{edge.source.id}->{target.id}"))

    def sink_results(self, node: Any) -> SinkResults:
        res = self.sinks.get(node.id)
        if res is None:
            log = OrderedLog()
            if self.lookahead_us is not None:
                log.keyed = {}
            res = self.sinks[node.id] = SinkResults(node.id, node.name, log)
        return res

    @property
    def rpc_latency_us(self) -> int:
        """How long an RPC (task <-> JobMaster, client <-> broker) takes: the network latency."""
        return self.network.settings.latency_us

    def connector(self, key: str, factory: Callable[[Any], Any]) -> Any:
        """The run's object for connector ``key`` (a file store, a simulated broker), made by ``factory(self)`` on
        first use. It lives in the runtime, so time travel copies (or marks and restores) it with the job; see
        ``operators.connector_registry`` for the journals a run keeps across time travel."""
        return self.connectors.get(key, factory, self)

    def operator_coordinator(self, operator_id: str, factory: Callable[[Any], Any]) -> Any:
        """The coordinator of operator ``operator_id`` (a source's split enumerator, run by the JobMaster), made by
        ``factory(self)`` on first use; the CheckpointCoordinator snapshots it before it triggers the sources."""
        coordinator = self.operator_coordinators.get(operator_id)
        if coordinator is None:
            coordinator = self.operator_coordinators[operator_id] = factory(self)
        return coordinator

    def print_line(self, subtask: int, line: str, key: Any) -> None:
        """A print sink subtask wrote ``line`` (the TaskManager's stdout)."""
        self.printed.add(subtask, line, key)

    def printed_lines(self) -> list[str]:
        return list(self.printed.settle())

    def settle_logs(self, before: Any = None) -> None:
        """Merge what tasks running ahead wrote (sink rows, printed lines) up to call key ``before``."""
        self.printed.settle(before)
        for res in self.sinks.values():
            res.log.settle(before)
            res.offsets.settle(before)

    def feedback_queue(self, loop_id: int, subtask: int) -> deque[tuple[Any, int | None]]:
        """The queue iteration tail subtask i fills and head subtask i empties (Flink's ``BlockingQueueBroker``)."""
        q = self.feedback_queues.get((loop_id, subtask))
        if q is None:
            q = self.feedback_queues[(loop_id, subtask)] = deque()
        return q

    def channel_count(self) -> int:
        return sum(w.channel_count for w in self.exec_graph.wirings)

    def find_vertex(self, vertex: str) -> str:
        """A job vertex id from an id (``v2``), a task name or the name or id of one of its operators."""
        for v in self.job_graph.vertices:
            if vertex in (v.id, v.name) or any(vertex in (n.name, n.operator_id) for n in v.operators):
                return v.id
        raise KeyError(f"no job vertex {vertex!r}; vertices: {[(v.id, v.name) for v in self.job_graph.vertices]}")

    def all_tasks(self) -> list[StreamTask]:
        return [t for v in self.job_graph.vertices for t in self.tasks[v.id]]

    # -- status (owned by the JobMaster) ----------------------------------------------------------------
    @property
    def status(self) -> str | None:
        return self.jobmaster.status

    @property
    def status_history(self) -> list[tuple[int, str]]:
        return self.jobmaster.status_history

    @property
    def failure(self) -> str | None:
        return self.jobmaster.failure

    @property
    def failure_exception(self) -> BaseException | None:
        return self.jobmaster.failure_exception

    @property
    def terminal(self) -> bool:
        return self.jobmaster.terminal

    def task_finished(self, task: StreamTask) -> None:
        self.jobmaster.task_finished(task)

    def task_failed(self, task: StreamTask, exc: BaseException, user_traceback: str) -> None:
        self.jobmaster.task_failed(task, exc, user_traceback)

    def cancel(self) -> None:
        self.jobmaster.cancel()

    def taskmanager_lost(self, tm_id: str, exc: BaseException, user_traceback: str) -> None:
        """A TaskManager died with its slots: BATCH: the stage scheduler fails and re-runs what it held (its results
        too); STREAMING: its subtasks fail, as one failure, and a replacement registers later (``cluster.recovery``)."""
        stages = self.jobmaster.stages
        if stages is None:
            self.jobmaster.recovery.taskmanager_lost(tm_id, exc, user_traceback)
        else:
            stages.taskmanager_lost(tm_id, exc, user_traceback)

    # -- savepoints -------------------------------------------------------------------------------------------
    def trigger_savepoint(self, directory: str | None, stop: EndOfData | None = None) -> int:
        """Trigger a savepoint (``stop``: a stop-with-savepoint; what the sources send); its checkpoint id, whose
        outcome lands in ``jobmaster.checkpoints.savepoints``. With checkpointing off, the CheckpointCoordinator is
        created now (Flink always has one; it only takes savepoints then)."""
        if self.batch is not None:
            raise SavepointError("Savepoints are not supported in BATCH execution mode (a bounded job re-runs "
                                 "failed stages instead): run it in STREAMING mode to take one.")
        if self.terminal:
            raise SavepointError(
                f"Job {self.job_id} is {self.status}: a savepoint can only be taken of a running job (Flink: "
                "\"Could not find Flink job\" / \"is not in state RUNNING\"). Take it before the job ends, e.g. "
                "stop_with_savepoint(...) while it runs.")
        directory = directory if directory is not None else savepoint_directory(self.conf)
        if directory is None:
            raise no_directory_error()
        cc = self.jobmaster.checkpoints
        if cc is None:
            cc = savepoint_coordinator(self)
        return cc.trigger_savepoint(SavepointRequest(local_path(str(directory)), stop))

    # -- checkpoints: the subtasks' RPCs to the CheckpointCoordinator -------------------------------------------
    def acknowledge_checkpoint(self, task: StreamTask, ack: Any) -> None:
        self.jobmaster.checkpoints.send_ack(task, ack)

    def decline_checkpoint(self, task: StreamTask, checkpoint_id: int, reason: str, message: str) -> None:
        self.jobmaster.checkpoints.send_decline(task, checkpoint_id, reason, message)
