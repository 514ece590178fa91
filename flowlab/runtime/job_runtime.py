"""Everything mutable about one simulated job run, under one root so time travel can copy it whole.

``JobRuntime`` owns the kernel, the random streams, the cluster, the tasks and their network
connections, and the sinks' results. ``copy.deepcopy`` of it is a complete, independent snapshot
(the trace and the job's inert descriptions are shared, never copied).
"""
from __future__ import annotations

import hashlib
from collections import deque
from typing import Any

from flowlab.graph import build_execution_graph
from flowlab.graph.job_graph import JobGraph
from flowlab.graph.stream_graph import StreamEdge
from flowlab.kernel import Kernel, RandomStreams
from flowlab.runtime.buffer_debloater import DebloatSettings
from flowlab.runtime.cluster import JobMaster, ResourceManager
from flowlab.runtime.network import InputGate, NetworkSettings, ResultPartition
from flowlab.runtime.network_service import PHASE_CONTROL, NetworkService
from flowlab.runtime.partitioning import ChannelSelector, make_selector
from flowlab.runtime.recorder import Recorder
from flowlab.runtime.task import StreamTask
from flowlab.trace import EventKind, Trace

TERMINAL = ("FINISHED", "FAILED", "CANCELED")


class SinkResults:
    """What one sink received, in arrival order: values, subtask, timestamp, printed line, time."""

    def __init__(self, node_id: int, name: str) -> None:
        self.node_id = node_id
        self.name = name
        self.rows: list[tuple[int, Any, int | None, str | None, int]] = []

    def __deepcopy__(self, memo: dict) -> SinkResults:
        """Rows are immutable records of what arrived: a snapshot copies the list, not the values."""
        twin = SinkResults(self.node_id, self.name)
        twin.rows = self.rows[:]
        return twin

    def append(self, subtask: int, value: Any, ts: int | None, line: str | None, now_us: int) -> None:
        self.rows.append((subtask, value, ts, line, now_us))

    @property
    def values(self) -> list[Any]:
        return [r[1] for r in self.rows]


class JobRuntime:
    """One job on one simulated MiniCluster."""

    def __init__(self, job_graph: JobGraph, seed: int, trace: Trace) -> None:
        self.job_graph = job_graph
        self.job_name = job_graph.job_name
        self.settings = job_graph.settings
        self.conf: dict[str, Any] = dict(self.settings.get("configuration", {}))
        self.seed = seed
        self.job_id = hashlib.sha256(f"{seed}/{self.job_name}".encode()).hexdigest()[:32]
        self.kernel = Kernel()
        self.recorder = Recorder(trace, self.kernel)
        self.rngs = RandomStreams(seed)
        self.network = NetworkService(self.kernel, self.recorder,
                                      NetworkSettings(self.conf, self.settings["buffer_timeout_ms"]))
        self.debloat = DebloatSettings(self.conf, self.network.settings.segment_size)
        self.exec_graph = build_execution_graph(job_graph)
        self.rm = ResourceManager()
        self.jobmaster = JobMaster(self)
        self.status: str | None = None          # not yet submitted
        self.status_history: list[tuple[int, str]] = []
        self.failure: str | None = None
        self.failure_exception: BaseException | None = None
        self.sinks: dict[int, SinkResults] = {}
        self.printed: list[str] = []
        self.tasks: dict[str, list[StreamTask]] = {}
        # iterations: (loop id, subtask) -> the in-memory queue from tail to head, and the head task
        self.feedback_queues: dict[tuple[int, int], deque[tuple[Any, int | None]]] = {}
        self.iteration_heads: dict[tuple[int, int], StreamTask] = {}
        self.inline = False   # fast-forward: tasks continue inline (same order of events, fewer kernel calls)
        self._create_tasks()

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
            parts = [ResultPartition(t, e.index, w.targets[t.index], settings) for t in producers]
            gates = [InputGate(t, e.index, e.stream_edge.input_number, w.sources[t.index], settings)
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

    def start(self) -> None:
        self.kernel.schedule(0, self.jobmaster.boot, phase=PHASE_CONTROL)

    # -- services for tasks -----------------------------------------------------------------------------
    def make_selector(self, edge: StreamEdge, task: StreamTask, n_channels: int) -> ChannelSelector:
        target = edge.target
        return make_selector(edge.partitioner, n_channels, target.parallelism, target.max_parallelism,
                             self.rngs.get(f"partitioner/{task.name}/{edge.source.id}->{target.id}"))

    def sink_results(self, node: Any) -> SinkResults:
        res = self.sinks.get(node.id)
        if res is None:
            res = self.sinks[node.id] = SinkResults(node.id, node.name)
        return res

    def feedback_queue(self, loop_id: int, subtask: int) -> deque[tuple[Any, int | None]]:
        """The queue iteration tail subtask i fills and head subtask i empties (Flink's ``BlockingQueueBroker``)."""
        q = self.feedback_queues.get((loop_id, subtask))
        if q is None:
            q = self.feedback_queues[(loop_id, subtask)] = deque()
        return q

    def channel_count(self) -> int:
        return sum(w.channel_count for w in self.exec_graph.wirings)

    def all_tasks(self) -> list[StreamTask]:
        return [t for v in self.job_graph.vertices for t in self.tasks[v.id]]

    # -- status ----------------------------------------------------------------------------------------
    def set_status(self, new: str) -> None:
        old = self.status
        if new == old:
            return
        self.status = new
        self.status_history.append((self.kernel.now, new))
        self.recorder.emit(EventKind.JOB_STATUS, detail=f"job '{self.job_name}' {old or 'submitted'} -> {new}",
                           data={"from": old, "to": new})

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def task_finished(self, task: StreamTask) -> None:
        self.jobmaster.task_finished(task)

    def task_failed(self, task: StreamTask, exc: BaseException, user_traceback: str) -> None:
        """A task failed: no restart strategy yet, so the job fails (Flink: ``restart-strategy: none``)."""
        old = task.state
        task.state = "FAILED"
        task.failure = user_traceback
        task.cancel()
        self.recorder.emit(EventKind.TASK_FAILED, task.vertex.id, task.index, None,
                           f"{old} -> FAILED: {type(exc).__name__}: {exc}",
                           {"from": old, "to": "FAILED", "traceback": user_traceback})
        msg = (f"Task {task.vertex.name} ({task.index + 1}/{task.vertex.parallelism}) failed with "
               f"{type(exc).__name__}: {exc}\n\n{user_traceback}")
        self.kernel.schedule(self.kernel.now, self.fail_job, exc, msg, phase=PHASE_CONTROL)

    def fail_job(self, exc: BaseException, message: str) -> None:
        if self.terminal:
            return
        self.failure = message
        self.failure_exception = exc
        if self.status == "RUNNING":
            self.set_status("FAILING")
        self._cancel_unfinished_tasks()
        self.set_status("FAILED")

    def cancel(self) -> None:
        if self.terminal:
            return
        self.set_status("CANCELLING")
        self._cancel_unfinished_tasks()
        self.set_status("CANCELED")

    def _cancel_unfinished_tasks(self) -> None:
        for t in self.all_tasks():
            if t.state not in ("FINISHED", "FAILED", "CANCELED"):
                old = t.state
                t.state = "CANCELED"
                t.cancel()
                self.recorder.emit(EventKind.TASK_STATE, t.vertex.id, t.index, None, f"{old} -> CANCELED",
                                   {"from": old, "to": "CANCELED"})
