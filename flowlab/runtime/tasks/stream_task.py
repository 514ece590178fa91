"""A subtask: the chained operators of one job vertex, run by a mailbox loop (Flink's ``StreamTask``).

Each kernel call of ``_run_once`` does one unit of work, in Flink's priority order: a due mail
(timer, periodic watermark) first; otherwise, if an output buffer is available, the next element
from the input (or the source). Processing costs virtual time: the task is busy for the summed
cost of the operators the element went through, and only then takes the next one. A task with no
available output buffer waits: it is back-pressured.

Time accounting (Flink's ``busyTimeMsPerSecond`` / ``backPressuredTimeMsPerSecond`` /
``idleTimeMsPerSecond``): busy = the cost intervals; back-pressured = while ``waiting_for_output``;
idle = the rest of the RUNNING time. Accounting only observes: it never changes what runs when.
Simplification: a task that has no input *and* no output buffer counts as idle until it next looks
for work (Flink checks output availability first and would count it back-pressured).
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from flowlab.graph.user_functions import load_function
from flowlab.runtime.deferred_copy import DeferredCopy
from flowlab.runtime.elements import (
    END_OF_DATA,
    LONG_MAX,
    CheckpointBarrier,
    EndOfData,
    EndOfPartition,
    Watermark,
    WatermarkStatus,
    describe,
    fmt_ts,
)
from flowlab.runtime.network.debloater import BufferDebloater
from flowlab.runtime.network.input_gate import InputChannel, InputGate
from flowlab.runtime.network.result_partition import ResultPartition
from flowlab.runtime.operators import create_operator
from flowlab.runtime.operators.source import SourceOperator
from flowlab.runtime.operators.type_conversion import converter_for
from flowlab.runtime.phases import PHASE_TASK
from flowlab.runtime.tasks.fast_loop import run_fast
from flowlab.runtime.tasks.outputs import (
    ChainedOutput,
    CopyingChainedOutput,
    NetworkOutput,
    OperatorOutput,
    TypedOperatorOutput,
    passes_by_reference,
    specialised,
)
from flowlab.runtime.tasks.restart import finish_on_restore, recovered_queue
from flowlab.runtime.tasks.restored_state import note_restored
from flowlab.runtime.tasks.subtask_checkpoints import SubtaskCheckpointCoordinator
from flowlab.runtime.tasks.user_traceback import format_user_traceback
from flowlab.runtime.tasks.watermark_valve import StatusWatermarkValve
from flowlab.trace import EventKind

if TYPE_CHECKING:
    from flowlab.graph.job_graph import JobVertex
    from flowlab.runtime.batch.sorted_input import SortingInput
    from flowlab.runtime.state.task_restore import TaskRestore
    from flowlab.runtime.tasks.environment import TaskEnvironment

RUNNING = "RUNNING"


# Operators that hand on records of their input's type: their input is already of the declared type.
_PASS_THROUGH = frozenset({"filter", "timestamps", "sink"})


def _operator_output(node: Any) -> OperatorOutput:
    """The output of one operator; results of a declared ``output_type`` are converted (and checked)."""
    convert = None if node.kind in _PASS_THROUGH else converter_for(node.output_type)
    return OperatorOutput(None) if convert is None else TypedOperatorOutput(None, convert)


class StreamTask(DeferredCopy):
    """One parallel instance of a job vertex."""

    def __init__(self, job: TaskEnvironment, vertex: JobVertex, index: int, attempt: int = 0) -> None:
        self.job = job
        self.kernel = job.kernel
        self.recorder = job.recorder
        self.network = job.network
        self.vertex = vertex
        self.index = index
        self.attempt = attempt
        self.vertex_id = vertex.id
        self.actor = self.kernel.add_actor()      # its own queue of calls in the kernel
        self.name = f"{vertex.id}[{index}]"
        self.state = "CREATED"
        self.slot: tuple[str, int] | None = None
        self.auto_watermark_interval_ms = job.settings["auto_watermark_interval_ms"]
        self.buffer_timeout_ms = job.settings["buffer_timeout_ms"]
        self.job_parameters = job.settings.get("job_parameters", {})
        self.partitions: list[ResultPartition] = []
        self.gates: list[InputGate] = []
        self.available: deque[InputChannel] = deque()
        self.current: list[Any] | None = None        # [channel, buffer, position]
        self.operators: list[Any] = []
        self.head: Any = None
        self.is_source = False
        self.valves: dict[int, StatusWatermarkValve] = {}
        self.ended_inputs: set[int] = set()
        self.mailbox: deque[tuple[Any, tuple]] = deque()
        self.busy_until = 0
        self.cost = 0
        self.wake_call: Any = None
        self.wake_at: int | None = None
        self.waiting_for_output = False
        self.records_in = 0
        self.records_out = 0
        self.failure: str | None = None
        self.checkpointer: SubtaskCheckpointCoordinator | None = None
        self.input_ended = False
        self.sorted_input: SortingInput | None = None     # BATCH: the keyed input, sorted before it is processed
        self.replay_until = 0            # a restarted source: how far its earlier attempts read (replays up to it)
        self.finished_on_restore = False  # restarted from a checkpoint taken after it had finished (FLIP-147)
        self.restored_checkpoint_id: int | None = None   # a restarted attempt: the checkpoint it restores
        self.recovered_input: list[Any] = []             # an unaligned checkpoint's in-flight records for it
        self.recovered: deque[tuple[InputChannel, Any]] = deque()     # ... still to process, before new input
        # the state to start from (a checkpoint or savepoint, see checkpointing.restore); set before INITIALIZING
        self.restore: TaskRestore | None = None
        # time accounting (virtual µs), read by flowlab.runtime.metrics
        self.started_us: int | None = None
        self.ended_us: int | None = None
        self.busy_us = 0                  # summed cost intervals (the last may reach into the future)
        self.bp_us = 0                    # closed back-pressured intervals
        self.bp_since = 0                 # start of the open one, while waiting_for_output

    # -- set-up -----------------------------------------------------------------------------------------
    def build_chain(self) -> None:
        """Instantiate the chained operators and wire their outputs (during INITIALIZING)."""
        record_size = self.network.settings.record_size
        object_reuse = self.job.settings.get("object_reuse", False)
        outputs = {n.id: _operator_output(n) for n in self.vertex.operators}
        ops = {}
        batch = self.job.batch
        create = create_operator if batch is None else batch.create_operator
        for node in self.vertex.operators:
            op = create(node, self, outputs[node.id])
            outputs[node.id].owner = op
            ops[node.id] = op
        part_of = {je.stream_edge: p for je, p in zip(self.vertex.out_edges, self.partitions, strict=True)}
        for node in self.vertex.operators:
            out = outputs[node.id]
            for e in node.out_edges:
                if e.chained:
                    by_reference = object_reuse or passes_by_reference(e)
                    target = (ChainedOutput if by_reference else CopyingChainedOutput)(ops[e.target.id],
                                                                                     e.input_number)
                else:
                    p = part_of[e]
                    target = NetworkOutput(p, self.job.make_selector(e, self, len(p.subpartitions)), record_size,
                                           self)
                if e.side_output_tag is None:
                    out.main.append(target)
                else:
                    tag = e.side_output_tag
                    out.side.setdefault(tag.tag_id, []).append(target)
                    convert = converter_for(tag.type_info)
                    if convert is not None:
                        out.side_converters[tag.tag_id] = convert
        for node in self.vertex.operators:
            ops[node.id].output = specialised(outputs[node.id])
        self.operators = [ops[n.id] for n in self.vertex.operators]
        self.head = self.operators[0]
        self.is_source = isinstance(self.head, SourceOperator)
        by_input: dict[int, list[InputChannel]] = {}
        for gate in self.gates:
            gate.check_buffer_pool(self.network.settings)
            by_input.setdefault(gate.input_number, []).extend(gate.channels)
        self.valves = {n: StatusWatermarkValve(chs) for n, chs in sorted(by_input.items())}
        settings = self.job.checkpoint_settings
        if settings is not None:
            self.checkpointer = SubtaskCheckpointCoordinator(self, settings)
        if batch is not None:          # BATCH: a keyed head reads its input sorted (flowlab.runtime.batch)
            self.sorted_input = batch.prepare_task(self, self._finish)
            if self.sorted_input is not None:
                self.head = self.sorted_input

    def open_operators(self) -> None:
        if self.finished_on_restore:
            return                               # deployed as finished: its operators do not open (tasks.restart)
        restore = self.restore
        if restore is not None:                  # Flink's initializeState, before any operator opens
            restored = []
            for op in self.operators:
                part = restore.for_operator(op.id)
                if part is not None:
                    op.restore_state(part, restore.checkpoint_id)
                    restored.append((op, part))
            note_restored(self, restore, restored)
        for op in reversed(self.operators):      # Flink opens tail first
            op.open()

    def user_function(self, node: Any, key: str = "function") -> Any:
        """This subtask's own copy of the user code ``node.params[key]``, unpickled from what the job
        shipped, as each PyFlink worker deserialises its own (see ``flowlab.graph.user_functions``)."""
        return load_function(node.params, key)

    # -- services for operators ---------------------------------------------------------------------
    def create_keyed_state_backend(self, operator_id: str, label: str, max_parallelism: int, key_type: Any,
                                   key_groups: range) -> Any:
        return self.job.state_backends.create_keyed(self, operator_id, label, max_parallelism, key_type, key_groups)

    def now_ms(self) -> int:
        return self.kernel.now // 1000

    def rng(self, name: str) -> Any:
        return self.job.rngs.get(name)

    def sink_results(self, node: Any) -> Any:
        return self.job.sink_results(node)

    def connector(self, key: str, factory: Any) -> Any:
        """The run's object for connector ``key`` (a file store, a simulated broker), shared by all subtasks."""
        return self.job.connector(key, factory)

    def operator_coordinator(self, operator_id: str, factory: Any) -> Any:
        """The JobMaster-side coordinator of operator ``operator_id`` (a source's split enumerator)."""
        return self.job.operator_coordinator(operator_id, factory)

    def print_line(self, line: str) -> None:
        """A print sink wrote ``line`` to the TaskManager's stdout."""
        self.job.print_line(self.index, line, self.kernel.current_key)

    def feedback_queue(self, loop_id: int) -> deque[tuple[Any, int | None]]:
        return self.job.feedback_queue(loop_id, self.index)

    def iteration_head(self, loop_id: int) -> StreamTask | None:
        return self.job.iteration_heads.get((loop_id, self.index))

    def register_iteration_head(self, loop_id: int) -> None:
        self.job.iteration_heads[(loop_id, self.index)] = self

    def schedule_processing_time(self, ts_ms: int, callback: Any) -> None:
        """Run ``callback(now_ms)`` as a mail once virtual processing time reaches ``ts_ms``."""
        self.kernel.schedule(max(ts_ms, 0) * 1000, self._timer_due, callback, phase=PHASE_TASK, target=self.actor)

    def _timer_due(self, callback: Any) -> None:
        if self.state == RUNNING:
            self.post_mail(callback, (self.now_ms(),))

    def schedule_periodic(self, interval_ms: int, callback: Any) -> None:
        self.kernel.schedule(self.kernel.now + interval_ms * 1000, self._periodic, interval_ms, callback,
                             phase=PHASE_TASK, target=self.actor)

    def _periodic(self, interval_ms: int, callback: Any) -> None:
        if self.state == RUNNING:
            self.post_mail(callback, ())
            self.schedule_periodic(interval_ms, callback)

    def post_mail(self, fn: Any, args: tuple) -> None:
        self.mailbox.append((fn, args))
        self.wake()

    def note_timer(self, op: Any, domain: str, ts: int, key: Any) -> None:
        rec = self.recorder
        if rec.enabled:
            rec.emit(EventKind.TIMER, self.vertex.id, self.index, op.id,
                     f"{op.name}: {domain} timer {fmt_ts(ts)} fires for key {key!r}",
                     {"timestamp": ts, "domain": domain})
        else:
            rec.tick()

    # -- lifecycle driven by the JobMaster ----------------------------------------------------------
    def start(self) -> None:
        """RUNNING: begin the mailbox loop and the output flusher."""
        self.state = RUNNING
        self.started_us = self.kernel.now
        if self.buffer_timeout_ms > 0 and self.partitions:
            self.kernel.schedule(self.kernel.now + self.buffer_timeout_ms * 1000, self._flush_timer,
                                 phase=PHASE_TASK, target=self.actor)
        debloat = self.job.debloat
        if debloat.enabled:
            BufferDebloater(self, debloat, self.kernel, self.recorder, self.network).start()
        if self.finished_on_restore:
            self.post_mail(finish_on_restore, (self,))
        elif self.recovered_input:
            self.recovered = recovered_queue(self)
        self.wake()

    def _flush_timer(self) -> None:
        if self.state != RUNNING:
            return
        for p in self.partitions:
            p.flush_all()
        self.kernel.schedule(self.kernel.now + self.buffer_timeout_ms * 1000, self._flush_timer, phase=PHASE_TASK,
                             target=self.actor)

    def cancel(self) -> None:
        self._end_accounting()
        if self.wake_call is not None:
            self.wake_call.cancel()
            self.wake_call = None

    def discard_network(self) -> int:
        """This attempt ends for a restart: its partitions and gates are released, so nothing it had in flight or
        queued reaches anyone (a new attempt gets new ones). Returns the number of buffers discarded."""
        self.available.clear()
        self.current = None
        return sum(p.release() for p in self.partitions) + sum(g.release() for g in self.gates)

    # -- scheduling -----------------------------------------------------------------------------------
    def wake(self, at: int | None = None) -> None:
        """Make sure ``_run_once`` runs at ``at`` (default: as soon as the task is free)."""
        if self.state != RUNNING:
            return
        t = max(self.kernel.now, self.busy_until, at or 0)
        if self.wake_call is not None:
            if self.wake_at <= t:
                return
            self.wake_call.cancel()
        self.wake_at = t
        self.wake_call = self.kernel.schedule(t, self._run_once, phase=PHASE_TASK, target=self.actor)

    def on_buffer(self, channel: InputChannel, buf: Any, backlog: int) -> None:
        cp = self.checkpointer
        if cp is not None and cp.handler is not None:           # barriers may overtake; in-flight data may be kept
            if buf.is_event:
                if type(buf.elements[0]) is CheckpointBarrier and cp.handler.on_delivered(channel, buf.elements[0]):
                    channel.gate.on_backlog(channel, backlog)
                    return
            else:
                cp.handler.on_data_delivered(channel, buf)
        channel.gate.on_buffer(channel, buf, backlog)
        if not channel.queued and not channel.blocked:
            channel.queued = True
            self.available.append(channel)
        if not self.waiting_for_output:
            self.wake()

    def barrier_sent(self, partition: ResultPartition, sub: Any, barrier: CheckpointBarrier) -> None:
        if self.checkpointer is not None:
            self.checkpointer.barrier_sent(partition, sub, barrier)

    def output_available(self) -> None:
        if self.waiting_for_output and self._outputs_available():
            self.waiting_for_output = False
            now = self.kernel.now
            waited = max(0, now - self.bp_since)
            self.bp_us += waited
            rec = self.recorder
            if rec.enabled:
                rec.emit(EventKind.BACKPRESSURE, self.vertex.id, self.index, None,
                         f"output buffer available again after {waited / 1000:g} ms: no longer back-pressured",
                         {"backpressured": False, "waited_ms": waited / 1000})
            else:
                rec.tick()
            self.wake()

    def _run_once(self) -> None:
        self.wake_call = None
        self.wake_at = None
        if self.state != RUNNING:
            return
        kernel = self.kernel
        lookahead = self.job.lookahead_us
        horizon = -1 if lookahead is None else kernel.now + lookahead
        if lookahead is not None and not self.recorder.enabled:
            run_fast(self, horizon)          # the same units, the common ones inline (tasks/fast_loop.py)
            return
        while True:
            self.cost = 0
            try:
                again = self._do_work()
            except Exception as exc:  # noqa: BLE001 - a user function failed: the task fails, like Flink's
                self.job.task_failed(self, exc, format_user_traceback(exc))
                return
            if self.buffer_timeout_ms == 0:
                for p in self.partitions:
                    p.flush_all()
            self.busy_until = kernel.now + self.cost
            if self.cost:
                self.busy_us += self.cost
                if self.waiting_for_output:       # a mail ran while back-pressured: busy, not waiting
                    self.bp_us += max(0, kernel.now - self.bp_since)
                    self.bp_since = self.busy_until
            if again is None or self.state != RUNNING:
                return
            # Fast-forward: go on inline while nothing else can reach this task first (conservative look-ahead:
            # another task's effect on it travels at least the network latency; ``may_continue`` checks the
            # calls already due for it and the global ones).
            t = max(again, self.busy_until)
            if not kernel.may_continue(t, PHASE_TASK, horizon):
                break
        self.wake(again)

    def _do_work(self) -> int | None:
        """One unit of work. Returns when to come back (µs; now = as soon as free), or None to wait."""
        if self.mailbox:
            fn, args = self.mailbox.popleft()
            fn(*args)
            return self.kernel.now
        if not self._outputs_available():
            if not self.waiting_for_output:
                self._became_backpressured()
            return None
        if self.is_source:
            return self._source_step()
        return self._input_step()

    def _became_backpressured(self) -> None:
        self.waiting_for_output = True
        self.bp_since = self.kernel.now
        rec = self.recorder
        if rec.enabled:
            full = [self.vertex.out_edges[i].target.id for i, p in enumerate(self.partitions)
                    if not p.is_available()]
            rec.emit(EventKind.BACKPRESSURE, self.vertex.id, self.index, None,
                     f"no output buffer available (towards {', '.join(full)}): back-pressured",
                     {"backpressured": True, "towards": full})
        else:
            rec.tick()

    def _end_accounting(self) -> None:
        """The task stops running: close the open back-pressured interval."""
        if self.ended_us is None and self.started_us is not None:
            now = self.kernel.now
            self.ended_us = now
            if self.waiting_for_output:
                self.bp_us += max(0, now - self.bp_since)
                self.bp_since = now

    def io_times_us(self, now: int) -> tuple[int, int, int]:
        """Cumulative (busy, back-pressured, idle) µs of RUNNING time up to ``now``."""
        if self.started_us is None:
            return 0, 0, 0
        end = now if self.ended_us is None else min(now, self.ended_us)
        elapsed = max(0, end - self.started_us)
        busy = self.busy_us - max(0, self.busy_until - end)
        bp = self.bp_us
        if self.waiting_for_output and self.ended_us is None:
            bp += max(0, end - self.bp_since)
        busy = min(max(busy, 0), elapsed)
        bp = min(max(bp, 0), elapsed - busy)
        return busy, bp, elapsed - busy - bp

    def is_backpressured(self) -> bool:
        """Flink's ``Task.isBackPressured``: running, and some output has no buffer available."""
        return self.state == RUNNING and not self._outputs_available()

    def _outputs_available(self) -> bool:
        for p in self.partitions:
            if not p.is_available():
                return False
        return True

    def _source_step(self) -> int | None:
        src = self.head
        arrival = src.next_arrival_us()
        now = self.kernel.now
        if arrival is None:
            if self.input_ended:
                return None                   # waiting for its final checkpoint (FLIP-147)
            end = src.end_of_input_us()
            if end > now:
                return end
            src.end_of_input()
            self._end_of_input()
            return None
        if arrival > now:
            return arrival
        value, ts = src.emit_next()       # a source task receives nothing: Flink counts it as records out
        rec = self.recorder
        if rec.enabled:
            data = {"position": src.position(), "timestamp": ts}
            if src.replaying:             # emitted before by an earlier attempt: a replay after a restore
                data["replay"] = True
            rec.emit(EventKind.SOURCE_EMIT, self.vertex.id, self.index, src.id,
                     describe((value, ts)) + (" (replay)" if src.replaying else ""), data)
        else:
            rec.tick()
        return now

    def _input_step(self) -> int | None:
        cur = self.current
        if cur is None:
            if self.recovered:             # an unaligned checkpoint's in-flight records come first (tasks.restart)
                self._process(*self.recovered.popleft())
                return self.kernel.now
            if not self.available:         # BATCH: once the input ended, the sorted records one by one
                return None if self.sorted_input is None else self.sorted_input.emit_next()
            channel = self.available.popleft()
            channel.queued = False
            buf = channel.received.popleft()
            if self.sorted_input is not None and not buf.is_event:   # BATCH: a whole buffer into the sorter
                self._buffer_consumed(channel, buf)
                self.records_in += self.sorted_input.read_buffer(channel, buf, self._process)
                return self.kernel.now if self.available or self.mailbox or self.sorted_input.draining else None
            cur = self.current = [channel, buf, 0]
        channel, buf, pos = cur
        element = buf.elements[pos]
        cur[2] = pos + 1
        if cur[2] >= len(buf.elements):
            self.current = None
            self._buffer_consumed(channel, buf)
        self._process(channel, element)
        if self.current is not None or self.available or self.mailbox or (
                self.sorted_input is not None and self.sorted_input.draining):
            return self.kernel.now
        return None

    def _buffer_consumed(self, channel: InputChannel, buf: Any) -> None:
        """Recycle a data buffer (its credit goes back) and queue the channel again if it has more."""
        if not buf.is_event:
            channel.gate.consumed_bytes += buf.size
            channel.gate.recycle(channel)
        if channel.received and not channel.queued and not channel.blocked:
            channel.queued = True
            self.available.append(channel)

    def _process(self, channel: InputChannel, element: Any) -> None:
        n = channel.gate.input_number
        head = self.head
        rec = self.recorder
        if type(element) is tuple:
            value, ts = element
            self.records_in += 1
            head.records_in += 1
            self.cost += head.cost
            if rec.enabled:
                rec.emit(EventKind.PROCESS, self.vertex.id, self.index, head.id,
                         describe(element), {"from": channel.producer, "input": n, "timestamp": ts})
            else:
                rec.tick()
            if n == 1:
                head.process_element(value, ts)
            else:
                head.process_element2(value, ts)
            return
        if isinstance(element, Watermark):
            valve = self.valves[n]
            before = valve.last_output
            outs = valve.input_watermark(element.timestamp, channel)
            if rec.enabled:
                if outs:
                    detail = (f"Watermark({fmt_ts(element.timestamp)}) from {self.job_channel_name(channel)}: "
                              f"input watermark {fmt_ts(before)} -> {fmt_ts(outs[-1][1])}")
                else:
                    held = valve.holding_back()
                    why = f"; min is held by {self.job_channel_name(held)} at {fmt_ts(held.watermark)}" if held else ""
                    detail = (f"Watermark({fmt_ts(element.timestamp)}) from {self.job_channel_name(channel)}: "
                              f"input watermark stays {fmt_ts(valve.last_output)}{why}")
                rec.emit(EventKind.WATERMARK, self.vertex.id, self.index, head.id, detail,
                         {"watermark": element.timestamp, "from": channel.producer, "input": n,
                          "combined": valve.last_output})
            else:
                rec.tick()
            self._apply_valve(outs, n)
            return
        if isinstance(element, WatermarkStatus):
            valve = self.valves[n]
            outs = valve.input_status(element.idle, channel)
            rec.emit(EventKind.WATERMARK, self.vertex.id, self.index, head.id,
                     f"{element!r} from {self.job_channel_name(channel)}",
                     {"idle": element.idle, "input": n, "combined": valve.last_output})
            self._apply_valve(outs, n)
            return
        if type(element) is CheckpointBarrier:
            self.checkpointer.handler.on_barrier(channel, element)
            return
        if isinstance(element, EndOfData):
            if element.stop and self.checkpointer is not None:
                self.checkpointer.stopping = True       # a stop-with-savepoint: wait for it before finishing
            channel.data_ended = True
            self.network.notify_data_processed(channel)
            rec.emit(EventKind.PROCESS, self.vertex.id, self.index, head.id,
                     f"EndOfData from {self.job_channel_name(channel)}", {"from": channel.producer})
            if all(c.data_ended for g in self.gates if g.input_number == n for c in g.channels):
                self.ended_inputs.add(n)
            if not self.input_ended and all(c.data_ended or c.finished for g in self.gates for c in g.channels):
                self._end_of_input(element)
            return
        if isinstance(element, EndOfPartition):
            channel.finished = True
            rec.emit(EventKind.PROCESS, self.vertex.id, self.index, head.id,
                     f"EndOfPartition from {self.job_channel_name(channel)}", {"from": channel.producer})
            if all(c.finished for g in self.gates if g.input_number == n for c in g.channels):
                self.ended_inputs.add(n)
            cp = self.checkpointer
            if cp is not None:
                cp.handler.on_end_of_partition(channel)
            if all(g.finished for g in self.gates):
                if self.sorted_input is not None:        # BATCH: hand out the sorted input first, then finish
                    self.sorted_input.end_of_input()
                    return
                if cp is None or not cp.waits_for_final_checkpoint:
                    self._finish()
                else:
                    if not self.input_ended:
                        self._end_of_input()
                    self.maybe_finish()
            return
        raise TypeError(f"unexpected stream element {element!r}")

    def _apply_valve(self, outs: list, n: int) -> None:
        head = self.head
        for kind, v in outs:
            if kind == "watermark":
                if n == 1:
                    head.process_watermark(v)
                else:
                    head.process_watermark2(v)
            else:
                head.process_watermark_status(v, n)

    def job_channel_name(self, channel: InputChannel | None) -> str:
        if channel is None:
            return "?"
        edge = self.vertex.in_edges[self.gates.index(channel.gate)]
        return f"{edge.source.id}[{channel.producer}]"

    def _end_of_input(self, end: EndOfData = END_OF_DATA) -> None:
        """All input consumed. With checkpointing and ``checkpoints-after-tasks-finish`` (FLIP-147) the operators
        finish, EndOfData goes downstream and the task waits for its final checkpoint; otherwise it finishes.
        A stop-with-savepoint without drain ends the input without finishing the operators (they keep what they
        hold for the savepoint)."""
        cp = self.checkpointer
        if cp is None or not cp.waits_for_final_checkpoint:
            self._finish()
            return
        self.input_ended = True
        if end.drain:
            for op in self.operators:
                op.finish()
        for p in self.partitions:
            p.flush_all()
            p.broadcast_event(end)
        cp.on_input_ended()
        self.maybe_finish()

    def stop_input(self, end: EndOfData) -> None:
        """Stop-with-savepoint reached this source: it reads nothing more; with drain it first emits the MAX
        watermark (every event-time timer and window downstream fires); then EndOfData goes out, before the
        savepoint's barrier (Flink's ``stopOperatorForStopWithSavepoint``)."""
        head = self.operators[0] if self.operators else None
        if isinstance(head, SourceOperator):
            head.stop()
            if end.drain:
                head.end_of_input()
        self._end_of_input(end)

    def downstream_processed_all_data(self) -> None:
        if self.checkpointer is not None:
            self.maybe_finish()

    def maybe_finish(self) -> None:
        """FLIP-147: finish once the final checkpoint completed, every input channel has ended and every consumer
        has processed all the data this task sent (Flink waits for both before a task finishes)."""
        cp = self.checkpointer
        if (self.state == RUNNING and cp.final_done and all(g.finished for g in self.gates)
                and all(s.data_processed for p in self.partitions for s in p.subpartitions)):
            for p in self.partitions:
                p.flush_all()
                p.broadcast_event(EndOfPartition())
            for op in self.operators:
                op.close()
            self._end_accounting()
            cp.on_finished()
            self.job.task_finished(self)

    def _finish(self) -> None:
        """All input consumed: finish operators, send EndOfPartition downstream, become FINISHED."""
        self.input_ended = True
        for op in self.operators:
            op.finish()
        for p in self.partitions:
            p.flush_all()
            p.broadcast_event(EndOfPartition())
        for op in self.operators:
            op.close()
        self.finish_now()

    def finish_now(self) -> None:
        """FINISHED: stop the time accounting, decline pending checkpoints, tell the JobMaster."""
        self._end_accounting()
        if self.checkpointer is not None:
            self.checkpointer.on_finished()
        self.job.task_finished(self)

    # -- views ------------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.busy_until > self.kernel.now

    def input_queued_records(self) -> int:
        n = sum(c.queued_records for g in self.gates for c in g.channels)
        if self.current is not None:
            ch, buf, pos = self.current
            n += sum(1 for e in buf.elements[pos:] if type(e) is tuple)
        return n

    def watermark(self) -> int:
        ops = self.operators
        return ops[0].current_watermark if ops else LONG_MAX
