"""``KafkaSink`` and its builders (PyFlink's names, ``pyflink.datastream.connectors.kafka``); it writes to a
``SimulatedKafka`` with the same bootstrap servers."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from flowlab.common.serialization import SerializationSchema
from flowlab.datastream.connectors.base import DeliveryGuarantee, Sink

#: KafkaSinkBuilder's ``transaction.timeout.ms`` unless set: one hour (more than a default broker allows).
DEFAULT_TRANSACTION_TIMEOUT_MS = 60 * 60 * 1000


class KafkaTopicSelector(ABC):
    """Picks the topic of each record (PyFlink's ``KafkaTopicSelector``)."""

    @abstractmethod
    def apply(self, data: Any) -> str:
        pass


class KafkaRecordSerializationSchema(SerializationSchema):
    """How a record becomes a Kafka record: topic, key bytes, value bytes (PyFlink's
    ``KafkaRecordSerializationSchema``). The key schema, like the value schema, serializes the whole record."""

    def __init__(self, topic: str | None, selector: KafkaTopicSelector | None, key_schema: SerializationSchema | None,
                 value_schema: SerializationSchema) -> None:
        self.topic = topic
        self.selector = selector
        self.key_schema = key_schema
        self.value_schema = value_schema

    @staticmethod
    def builder() -> KafkaRecordSerializationSchemaBuilder:
        return KafkaRecordSerializationSchemaBuilder()

    def topic_of(self, value: Any) -> str:
        return self.topic if self.selector is None else self.selector.apply(value)


class _FunctionSelector(KafkaTopicSelector):
    def __init__(self, f: Callable[[Any], str]) -> None:
        self._f = f

    def apply(self, data: Any) -> str:
        return self._f(data)


class KafkaRecordSerializationSchemaBuilder:
    """Builds a ``KafkaRecordSerializationSchema``: a topic (or selector) and a value schema are required."""

    def __init__(self) -> None:
        self._topic: str | None = None
        self._selector: KafkaTopicSelector | None = None
        self._key: SerializationSchema | None = None
        self._value: SerializationSchema | None = None

    def set_topic(self, topic: str) -> KafkaRecordSerializationSchemaBuilder:
        self._topic, self._selector = topic, None
        return self

    def set_topic_selector(self, topic_selector: Callable[[Any], str] | KafkaTopicSelector
                           ) -> KafkaRecordSerializationSchemaBuilder:
        if not isinstance(topic_selector, KafkaTopicSelector) and not callable(topic_selector):
            raise TypeError("topic_selector must be KafkaTopicSelector or a callable")
        self._selector = topic_selector if isinstance(topic_selector, KafkaTopicSelector) else \
            _FunctionSelector(topic_selector)
        self._topic = None
        return self

    def set_key_serialization_schema(self, key_serialization_schema: SerializationSchema
                                     ) -> KafkaRecordSerializationSchemaBuilder:
        self._key = key_serialization_schema
        return self

    def set_value_serialization_schema(self, value_serialization_schema: SerializationSchema
                                       ) -> KafkaRecordSerializationSchemaBuilder:
        self._value = value_serialization_schema
        return self

    def build(self) -> KafkaRecordSerializationSchema:
        if self._value is None:
            raise ValueError("No value serializer is configured.")
        if self._topic is None and self._selector is None:
            raise ValueError("No topic selector is configured.")
        return KafkaRecordSerializationSchema(self._topic, self._selector, self._key, self._value)


class KafkaSink(Sink):
    """Writes records to Kafka (PyFlink's ``KafkaSink``), into the ``SimulatedKafka`` at its servers.

    ``DeliveryGuarantee.NONE`` (the default) and ``AT_LEAST_ONCE`` send each record as it comes: after a restore
    the records since the checkpoint are sent again, so a topic holds duplicates. ``EXACTLY_ONCE`` writes the
    records between two checkpoints in one Kafka transaction per sink subtask, ``<prefix>-<subtask>-<n>`` for the
    transaction that checkpoint *n* closes; the transaction is committed when checkpoint *n* completes (so a
    ``read_committed`` consumer sees the output about one checkpoint interval late) and a restarted writer aborts
    the transactions it left open. A transaction open longer than ``transaction.timeout.ms`` (KafkaSink sets one
    hour unless you set it; the broker allows at most ``transaction.max.timeout.ms``, 15 minutes by default) is
    aborted by the broker, and its records are lost.

    Records with a key go to the partition Kafka's default partitioner picks (murmur2 of the key bytes).
    Simplification: records without a key go round-robin over the partitions (Kafka's sticky partitioner fills
    one batch per partition at a time); every record is sent at once (no batching, ``linger.ms``), so
    ``NONE`` loses nothing here and behaves as ``AT_LEAST_ONCE``.
    """

    name = "KafkaSink"

    def __init__(self, builder: KafkaSinkBuilder) -> None:
        self.bootstrap_servers: str = builder._props["bootstrap.servers"]
        self.delivery_guarantee: DeliveryGuarantee = builder._guarantee
        self.transactional_id_prefix: str = builder._prefix
        self.serializer: KafkaRecordSerializationSchema = builder._serializer
        self.properties = dict(builder._props)
        self.transaction_timeout_ms = int(self.properties.get("transaction.timeout.ms", DEFAULT_TRANSACTION_TIMEOUT_MS))

    @staticmethod
    def builder() -> KafkaSinkBuilder:
        return KafkaSinkBuilder()

    def create_writer(self, context: Any, restored: Any = None) -> Any:
        from flowlab.runtime.operators.kafka_writer import KafkaWriter
        return KafkaWriter(self, context, restored)

    def create_committer(self, context: Any) -> Any:
        from flowlab.runtime.operators.kafka_writer import KafkaCommitter
        return KafkaCommitter(self, context)

    def __repr__(self) -> str:
        return f"<KafkaSink {self.bootstrap_servers} {self.delivery_guarantee.name}>"


class KafkaSinkBuilder:
    """Builds a ``KafkaSink`` (PyFlink's ``KafkaSinkBuilder``): servers and a record serializer are required."""

    def __init__(self) -> None:
        self._props: dict[str, str] = {}
        self._guarantee = DeliveryGuarantee.NONE
        self._prefix = "kafka-sink"
        self._serializer: KafkaRecordSerializationSchema | None = None

    def build(self) -> KafkaSink:
        if "bootstrap.servers" not in self._props:
            raise ValueError("bootstrapServers")
        if self._serializer is None:
            raise ValueError("recordSerializer")
        return KafkaSink(self)

    def set_bootstrap_servers(self, bootstrap_servers: str) -> KafkaSinkBuilder:
        self._props["bootstrap.servers"] = bootstrap_servers
        return self

    def set_delivery_guarantee(self, delivery_guarantee: DeliveryGuarantee) -> KafkaSinkBuilder:
        if not isinstance(delivery_guarantee, DeliveryGuarantee):
            raise TypeError(f"set_delivery_guarantee expects a DeliveryGuarantee, got {delivery_guarantee!r}")
        self._guarantee = delivery_guarantee
        return self

    def set_transactional_id_prefix(self, transactional_id_prefix: str) -> KafkaSinkBuilder:
        self._prefix = transactional_id_prefix
        return self

    def set_record_serializer(self, record_serializer: KafkaRecordSerializationSchema) -> KafkaSinkBuilder:
        if not isinstance(record_serializer, KafkaRecordSerializationSchema):
            raise TypeError(f"set_record_serializer expects a KafkaRecordSerializationSchema, got {record_serializer!r}")
        self._serializer = record_serializer
        return self

    def set_property(self, key: str, value: str) -> KafkaSinkBuilder:
        self._props[key] = str(value)
        return self
