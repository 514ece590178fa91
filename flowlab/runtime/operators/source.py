"""The source operator: reads the next element of its splits when it has arrived (FLIP-27 style).

With a watermark strategy it assigns timestamps and emits watermarks like Flink's
``SourceOperator``; at the end of bounded input it emits the MAX watermark, which fires every
pending event-time timer downstream.
"""
from __future__ import annotations

from typing import Any

from flowlab.common.watermark_strategy import LONG_MAX
from flowlab.runtime.operators.base import StreamOperator
from flowlab.runtime.operators.source_coordinator import SourceCoordinator
from flowlab.runtime.operators.split_watermarks import SplitWatermarkEmitter
from flowlab.runtime.operators.timestamps import WatermarkEmitter
from flowlab.runtime.records import IMMUTABLE, deep_copy, is_immutable


class SourceOperator(StreamOperator):
    """Head of a source task. ``next_arrival_us()`` tells the task when to come back."""

    replaying = False           # the record just emitted was emitted before, by an earlier attempt (a replay)
    replayed = 0                # how many such records this attempt emitted
    replay_until = 0

    def open(self) -> None:
        params = self.node.params
        source = params["source"]
        task = self.task
        # a restarted subtask: its earlier attempts read up to this position; records up to it are replays
        self.replay_until = getattr(task, "replay_until", 0)
        self.reader = source.create_reader(task.index, task.vertex.parallelism,
                                           task.rng(f"source/{self.id}[{task.index}]"))
        bind = getattr(self.reader, "bind", None)
        if bind is not None:            # a reader fed by the job runtime (the iteration head's queue)
            bind(task)
        position = self.__dict__.get("restored_position")
        restore = getattr(self.reader, "restore_position", None)
        if position is not None and restore is not None:
            restore(position)           # a restarted subtask goes on where the checkpoint says (FLIP-27 split state)
        if hasattr(source, "create_enumerator"):
            self._start_with_enumerator(source)
        strategy = params.get("watermark_strategy")
        self.emitter = None
        if strategy is not None and (strategy.emits_watermarks or strategy.timestamp_assigner is not None
                                     or strategy.idle_timeout_ms is not None):
            splits = getattr(self.reader, "split_ids", None)
            if splits is not None and len(splits) > 1 and self.emit_progressive_watermarks:   # one per split
                self.emitter = SplitWatermarkEmitter(self, strategy, list(splits))
            else:
                self.emitter = WatermarkEmitter(self, strategy)
            self.emitter.start(task.auto_watermark_interval_ms)

    def _start_with_enumerator(self, source: Any) -> None:
        """A FLIP-27 source with a split enumerator: the JobMaster runs it (one per job); this reader registers
        and asks for its first split."""
        task = self.task
        checkpoint_id = self.__dict__.get("restored_checkpoint_id")

        created = []

        def make(job: Any) -> SourceCoordinator:
            coordinator = SourceCoordinator(job, self.id, self.name, task.vertex.id, source, task.vertex.parallelism)
            coordinator.start(self.__dict__.get("restored_coordinator_state"), checkpoint_id)
            created.append(coordinator)
            return coordinator
        coordinator = task.operator_coordinator(self.id, make)
        if checkpoint_id is not None and not created:
            # a subtask restarted in place: the splits given to its earlier attempt after the checkpoint go back
            coordinator.subtask_reset(task.index, checkpoint_id)
        coordinator.register_reader(task.index, task, self)
        self.reader.start(coordinator, task)

    stopped = False                       # stop-with-savepoint: it reads nothing more

    def next_arrival_us(self) -> int | None:
        return None if self.stopped else self.reader.next_arrival_us()

    def stop(self) -> None:
        """A stop-with-savepoint: no more records (its position stays where the savepoint records it)."""
        self.stopped = True

    def emit_next(self) -> Any:
        """Emit one element (it has arrived); returns the element's value for the trace."""
        value, ts = self.reader.poll()
        if self.replay_until:
            self.replaying = self.reader.position <= self.replay_until
            if self.replaying:
                self.replayed += 1
            else:
                self.replay_until = 0
        if type(value) not in IMMUTABLE and not is_immutable(value):   # the job gets its own copy: it
            value = deep_copy(value)                                      # never changes the source's data
        self.records_in += 1
        self.task.cost += self.cost
        if self.emitter is not None:
            ts = self.emitter.timestamp_of(value, ts)
            self.output.collect(value, ts)
            if isinstance(self.emitter, SplitWatermarkEmitter):
                self.emitter.on_record(value, ts, self.reader.last_split)
            else:
                self.emitter.on_record(value, ts)
        else:
            self.output.collect(value, ts)
        return value, ts

    def end_of_input_us(self) -> int:
        """When the reader notices that its input has ended (0 = as soon as the last element is read)."""
        return getattr(self.reader, "end_us", 0)

    def end_of_input(self) -> None:
        if self.emitter is not None:
            self.emitter.on_periodic()
            self.emitter.emit_watermark(LONG_MAX)
        else:
            self.current_watermark = LONG_MAX
            self.output.emit_watermark(LONG_MAX)

    def position(self) -> int:
        return self.reader.position

    def snapshot_state(self, checkpoint_id: int, timestamp_ms: int) -> dict[str, Any] | None:
        snap = super().snapshot_state(checkpoint_id, timestamp_ms)
        taken = getattr(self.reader, "snapshot_taken", None)
        if taken is not None:           # a Kafka reader remembers the offsets to commit when this one completes
            taken(checkpoint_id)
        return snap

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        notify = getattr(self.reader, "notify_checkpoint_complete", None)
        if notify is not None:
            notify(checkpoint_id)

    def snapshot_position(self) -> dict:
        """The read position (FLIP-27 split state): where a restored source goes on."""
        snap = getattr(self.reader, "snapshot_position", None)
        return snap() if snap is not None else {"position": self.reader.position}

    def restore_position(self, position: Any) -> None:
        if isinstance(position, dict) and position.get("finished"):
            self.stopped = True                    # it had finished when the checkpoint was taken: nothing more
            return
        self.restored_position = position          # applied in open(), once the reader exists

    def restore_coordinator(self, state: Any) -> None:
        """A source with a split enumerator, restored into a new run: the enumerator's state of the same checkpoint
        (the first subtask to open creates the coordinator with it). A restart in place resets the existing
        coordinator instead (``SourceCoordinator.reset_to_checkpoint`` / ``subtask_reset``)."""
        self.restored_coordinator_state = state

    def process_element(self, value: Any, ts: int | None) -> None:  # pragma: no cover - sources have no input
        raise RuntimeError("a source has no input")
