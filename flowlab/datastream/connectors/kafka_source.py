"""``KafkaSource`` and its builder (PyFlink's names, ``pyflink.datastream.connectors.kafka``); it reads from a
``SimulatedKafka`` with the same bootstrap servers."""
from __future__ import annotations

import re
from enum import Enum
from typing import Any

from flowlab.common.serialization import DeserializationSchema, SimpleStringSchema
from flowlab.datastream.connectors.base import Source


class KafkaTopicPartition:
    """A partition of a topic (Kafka's ``TopicPartition``)."""

    def __init__(self, topic: str, partition: int) -> None:
        self._topic = topic
        self._partition = partition

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KafkaTopicPartition) and (self._topic, self._partition) == (other._topic,
                                                                                              other._partition)

    def __hash__(self) -> int:
        return 31 * (31 + self._partition) + len(self._topic)

    def __repr__(self) -> str:
        return f"KafkaTopicPartition({self._topic!r}, {self._partition})"


class KafkaOffsetResetStrategy(Enum):
    """Where to start when there is no committed offset (Kafka's ``OffsetResetStrategy``)."""

    LATEST = 0
    EARLIEST = 1
    NONE = 2


class KafkaOffsetsInitializer:
    """Where each partition starts (or, for ``set_bounded``, stops) (PyFlink's ``KafkaOffsetsInitializer``)."""

    def __init__(self, kind: str, value: Any = None,
                 reset: KafkaOffsetResetStrategy = KafkaOffsetResetStrategy.EARLIEST) -> None:
        self.kind = kind
        self.value = value
        self.reset = reset

    @staticmethod
    def committed_offsets(offset_reset_strategy: KafkaOffsetResetStrategy = KafkaOffsetResetStrategy.NONE
                          ) -> KafkaOffsetsInitializer:
        """The consumer group's committed offsets; without one, ``offset_reset_strategy`` (NONE: fail)."""
        return KafkaOffsetsInitializer("committed", None, offset_reset_strategy)

    @staticmethod
    def timestamp(timestamp: int) -> KafkaOffsetsInitializer:
        """The first record whose timestamp is at least ``timestamp`` (ms)."""
        return KafkaOffsetsInitializer("timestamp", timestamp)

    @staticmethod
    def earliest() -> KafkaOffsetsInitializer:
        """The start of each partition (the default starting offsets)."""
        return KafkaOffsetsInitializer("earliest")

    @staticmethod
    def latest() -> KafkaOffsetsInitializer:
        """The end of each partition when the reader starts."""
        return KafkaOffsetsInitializer("latest")

    @staticmethod
    def offsets(offsets: dict[KafkaTopicPartition, int],
                offset_reset_strategy: KafkaOffsetResetStrategy = KafkaOffsetResetStrategy.EARLIEST
                ) -> KafkaOffsetsInitializer:
        return KafkaOffsetsInitializer("offsets", {(tp._topic, tp._partition): o for tp, o in offsets.items()},
                                       offset_reset_strategy)


class KafkaSource(Source):
    """Reads records from Kafka topics (PyFlink's ``KafkaSource``), from the ``SimulatedKafka`` at its servers.

    Each source subtask reads the partitions Flink's enumerator gives it (partition *p* of topic *t* goes to
    reader ``((t.hashCode() * 31 & 0x7FFFFFFF) % n + p) % n``), in offset order, merging its partitions by the
    time records arrived. A record's Kafka timestamp becomes its Flink timestamp. The readers' offsets are in
    every checkpoint, so a restored source goes on exactly where the checkpoint was; with a group id the offsets
    of a completed checkpoint are also committed to the group (``commit.offsets.on.checkpoint``).
    ``isolation.level`` (``set_property``) is ``read_uncommitted`` by default, as in Kafka: such a reader also
    gets records of open and aborted transactions; ``read_committed`` waits for the commit.

    Simplification: partitions are assigned when the readers start (no periodic partition discovery); the
    enumerator's state is not checkpointed separately (the assignment is a function of the partitions).
    """

    def __init__(self, builder: KafkaSourceBuilder) -> None:
        self.bootstrap_servers: str = builder._props["bootstrap.servers"]
        self.group_id: str | None = builder._props.get("group.id")
        self.topics = list(builder._topics) if builder._topics else None
        self.pattern = builder._pattern
        self.partitions = builder._partitions
        self.starting = builder._starting
        self.stopping = builder._stopping
        self.bounded = builder._bounded
        self.deserializer = builder._deserializer
        self.properties = dict(builder._props)
        self.isolation_level = self.properties.get("isolation.level", "read_uncommitted")
        if self.isolation_level not in ("read_uncommitted", "read_committed"):
            raise ValueError(f"Invalid value {self.isolation_level} for configuration isolation.level: String must be "
                             "one of: read_committed, read_uncommitted")

    @staticmethod
    def builder() -> KafkaSourceBuilder:
        return KafkaSourceBuilder()

    def __deepcopy__(self, memo: dict) -> KafkaSource:
        return self

    def is_bounded(self) -> bool:
        return self.bounded

    def get_produced_type(self) -> Any:
        from flowlab.common.typeinfo import Types
        return Types.STRING() if isinstance(self.deserializer, SimpleStringSchema) else None

    def create_reader(self, subtask: int, parallelism: int, rng: Any) -> Any:
        from flowlab.runtime.operators.kafka_reader import KafkaSourceReader
        return KafkaSourceReader(self, subtask, parallelism)

    def __repr__(self) -> str:
        return f"<KafkaSource {self.bootstrap_servers} {self.topics or self.pattern or self.partitions}>"


class KafkaSourceBuilder:
    """Builds a ``KafkaSource`` (PyFlink's ``KafkaSourceBuilder``); servers, topics and a deserializer are required."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}
        self._topics: list[str] = []
        self._pattern: str | None = None
        self._partitions: list[tuple[str, int]] | None = None
        self._starting = KafkaOffsetsInitializer.earliest()
        self._stopping: KafkaOffsetsInitializer | None = None
        self._bounded = False
        self._deserializer: DeserializationSchema | None = None

    def build(self) -> KafkaSource:
        if "bootstrap.servers" not in self._props:
            raise ValueError("Property bootstrap.servers is required but not provided")
        if not self._topics and self._pattern is None and self._partitions is None:
            raise ValueError("No subscribe mode is specified, should be one of topics, topic pattern and partition set.")
        if self._deserializer is None:
            raise ValueError("Deserialization schema is required but not provided.")
        return KafkaSource(self)

    def set_bootstrap_servers(self, bootstrap_servers: str) -> KafkaSourceBuilder:
        self._props["bootstrap.servers"] = bootstrap_servers
        return self

    def set_group_id(self, group_id: str) -> KafkaSourceBuilder:
        self._props["group.id"] = group_id
        return self

    def set_topics(self, *topics: str) -> KafkaSourceBuilder:
        self._topics = list(topics)
        self._pattern = self._partitions = None
        return self

    def set_topic_pattern(self, topic_pattern: str) -> KafkaSourceBuilder:
        re.compile(topic_pattern)
        self._pattern = topic_pattern
        self._topics, self._partitions = [], None
        return self

    def set_partitions(self, partitions: set[KafkaTopicPartition]) -> KafkaSourceBuilder:
        self._partitions = sorted((tp._topic, tp._partition) for tp in partitions)
        self._topics, self._pattern = [], None
        return self

    def set_starting_offsets(self, starting_offsets_initializer: KafkaOffsetsInitializer) -> KafkaSourceBuilder:
        self._starting = starting_offsets_initializer
        return self

    def set_unbounded(self, stopping_offsets_initializer: KafkaOffsetsInitializer) -> KafkaSourceBuilder:
        """Stop at these offsets, yet stay an unbounded (streaming) source."""
        self._stopping, self._bounded = stopping_offsets_initializer, False
        return self

    def set_bounded(self, stopping_offsets_initializer: KafkaOffsetsInitializer) -> KafkaSourceBuilder:
        """Stop at these offsets (e.g. ``latest()``: what is there when the reader starts) and end: bounded."""
        self._stopping, self._bounded = stopping_offsets_initializer, True
        return self

    def set_value_only_deserializer(self, deserialization_schema: DeserializationSchema) -> KafkaSourceBuilder:
        if not isinstance(deserialization_schema, DeserializationSchema):
            raise TypeError(f"set_value_only_deserializer expects a DeserializationSchema (SimpleStringSchema()), got "
                            f"{deserialization_schema!r}")
        self._deserializer = deserialization_schema
        return self

    def set_client_id_prefix(self, prefix: str) -> KafkaSourceBuilder:
        self._props["client.id.prefix"] = prefix
        return self

    def set_property(self, key: str, value: str) -> KafkaSourceBuilder:
        self._props[key] = str(value)
        return self

    def set_properties(self, props: dict[str, str]) -> KafkaSourceBuilder:
        for k, v in props.items():
            self.set_property(k, v)
        return self
