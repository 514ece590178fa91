"""The ``KafkaSource``'s reader (one per source subtask): its partitions of the run's simulated broker, each with
the offset to read next (Flink's ``KafkaPartitionSplit`` and its state).

A reader looks at the broker as it is at its own virtual time. With nothing to read it waits: the broker wakes
it when a produce request, a commit or an abort reaches one of its partitions, and records scripted to arrive
later wake it at their arrival time.
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream.connectors.kafka_cluster import SimulatedKafka, broker_key
from flowlab.datastream.connectors.kafka_source import KafkaOffsetResetStrategy
from flowlab.graph.key_groups import java_string_hash
from flowlab.runtime.operators.kafka_broker import APPENDED, TIMESTAMP, VALUE, KafkaBroker

NOT_YET = 1 << 62       # "nothing to read; the broker wakes the task when something arrives"


def split_owner(topic: str, partition: int, readers: int) -> int:
    """Flink's ``KafkaSourceEnumerator.getSplitOwner``: which reader gets a topic's partition."""
    start = ((java_string_hash(topic) * 31) & 0x7FFFFFFF) % readers
    return (start + partition) % readers


class KafkaSourceReader:
    """Reads its partitions in offset order; of several, the record that arrived first comes first."""

    def __init__(self, source: Any, subtask: int, parallelism: int) -> None:
        self.source = source
        self.subtask = subtask
        self.parallelism = parallelism
        self.splits: list[list[Any]] = []       # [topic, partition, next offset, stopping offset or None]
        self.split_ids: list[int] = []
        self.last_split: int | None = None
        self.position = 0
        self.committed_only = source.isolation_level == "read_committed"
        self.offsets_to_commit: dict[int, dict[tuple[str, int], int]] = {}
        self.task: Any = None
        self.broker: KafkaBroker | None = None
        self._next: tuple[int, Any, int] | None = None

    def bind(self, task: Any) -> None:
        """The subtask opens the reader: its partitions, and where each starts (and stops, if bounded)."""
        self.task = task
        script = SimulatedKafka.lookup(self.source.bootstrap_servers)
        self.broker = broker = task.connector(broker_key(self.source.bootstrap_servers),
                                              lambda job: KafkaBroker(job, script))
        now = task.kernel.now
        broker.materialize(now)
        mine = [tp for tp in self._partitions(broker) if split_owner(tp[0], tp[1], self.parallelism) == self.subtask]
        self.splits = [[t, p, self._start(t, p, now), self._stop(t, p, now)] for t, p in mine]
        self.split_ids = list(range(len(self.splits)))

    def _partitions(self, broker: KafkaBroker) -> list[tuple[str, int]]:
        s = self.source
        if s.partitions is not None:
            return list(s.partitions)
        if s.pattern is not None:
            import re
            topics = [t for t in sorted(broker.logs) if re.fullmatch(s.pattern, t)]
        else:
            missing = [t for t in s.topics if broker.partitions(t) is None]
            if missing:
                raise RuntimeError(f"Failed to get metadata for topics {missing}: the cluster at "
                                   f"{s.bootstrap_servers} has no such topic (topics: {sorted(broker.logs)}). Create "
                                   "it with SimulatedKafka.create_topic(...) before the job starts.")
            topics = list(s.topics)
        return [(t, p) for t in topics for p in range(broker.partitions(t))]

    def _resolve(self, init: Any, topic: str, partition: int, now: int) -> int:
        broker = self.broker
        end = (broker.stable_end if self.committed_only else broker.visible_end)(topic, partition, now)
        if init.kind == "earliest":
            return 0
        if init.kind == "latest":
            return end
        if init.kind == "timestamp":
            return broker.offset_for_time(topic, partition, init.value, now)
        if init.kind == "offsets" and (topic, partition) in init.value:
            return init.value[(topic, partition)]
        if init.kind == "committed":
            group = broker.groups.get(self.source.group_id or "", {})
            if (topic, partition) in group:
                return group[(topic, partition)]
        if init.reset == KafkaOffsetResetStrategy.NONE:
            raise RuntimeError(f"Undefined offset with no reset policy for partitions: [{topic}-{partition}] (the "
                               f"group '{self.source.group_id}' has committed no offset there; give "
                               "committed_offsets(KafkaOffsetResetStrategy.EARLIEST) a reset strategy)")
        return 0 if init.reset == KafkaOffsetResetStrategy.EARLIEST else end

    def _start(self, topic: str, partition: int, now: int) -> int:
        return self._resolve(self.source.starting, topic, partition, now)

    def _stop(self, topic: str, partition: int, now: int) -> int | None:
        stopping = self.source.stopping
        return None if stopping is None else self._resolve(stopping, topic, partition, now)

    # -- reading ---------------------------------------------------------------------------------------------
    def _done(self, split: list[Any]) -> bool:
        return split[3] is not None and split[2] >= split[3]

    def next_arrival_us(self) -> int | None:
        broker = self.broker
        now = self.task.kernel.now
        broker.materialize(now)
        best = None
        waiting = []
        for i, split in enumerate(self.splits):
            if self._done(split):
                continue
            entry, offset = broker.read(split[0], split[1], split[2], self.committed_only, now)
            if entry is None:
                split[2] = offset                 # control records and aborted records are skipped for good
                if not self._done(split):
                    waiting.append(split)
            elif best is None or entry[APPENDED] < best[1][APPENDED]:
                best = (i, entry, offset)
        self._next = best
        if best is not None:
            return best[1][APPENDED]
        if not waiting:                           # every partition reached its stopping offset (or it has none)
            return None if self.splits or self.source.bounded else NOT_YET
        for split in waiting:
            broker.wait(split[0], split[1], self.task)
        scripted = broker.next_scripted_us([(s[0], s[1]) for s in waiting])
        return NOT_YET if scripted is None else scripted

    def poll(self) -> tuple[Any, int]:
        if self._next is None:
            self.next_arrival_us()
        i, entry, offset = self._next
        self._next = None
        self.splits[i][2] = offset
        self.last_split = i
        self.position += 1
        value = entry[VALUE]
        return self.source.deserializer.deserialize(value) if value is not None else None, entry[TIMESTAMP]

    def finished_splits(self, now_us: int) -> list[int]:
        return [i for i, s in enumerate(self.splits) if self._done(s)]

    # -- checkpoints -----------------------------------------------------------------------------------------
    def snapshot_position(self) -> dict[str, Any]:
        """Each partition with the offset to read next (Flink's ``KafkaPartitionSplit``)."""
        return {"position": self.position,
                "splits": [{"topic": t, "partition": p, "offset": o, "stopping_offset": s} for t, p, o, s in self.splits]}

    def snapshot_taken(self, checkpoint_id: int) -> None:
        self.offsets_to_commit[checkpoint_id] = {(t, p): o for t, p, o, _ in self.splits}

    def restore_position(self, state: dict[str, Any]) -> None:
        self.position = state["position"]
        self.splits = [[s["topic"], s["partition"], s["offset"], s["stopping_offset"]] for s in state["splits"]]
        self.split_ids = list(range(len(self.splits)))

    def notify_checkpoint_complete(self, checkpoint_id: int) -> None:
        """Commit the offsets of that checkpoint to the consumer group (``commit.offsets.on.checkpoint``)."""
        offsets = self.offsets_to_commit.pop(checkpoint_id, None)
        for n in [n for n in self.offsets_to_commit if n < checkpoint_id]:
            del self.offsets_to_commit[n]
        group = self.source.group_id
        enabled = self.source.properties.get("commit.offsets.on.checkpoint", "true").lower() == "true"
        if offsets and group and enabled:
            self.broker.request("commit_offsets", group, offsets)
