"""Kafka connectors with PyFlink's names (``pyflink.datastream.connectors.kafka``), against ``SimulatedKafka``.

``KafkaSource`` / ``KafkaSink`` and their builders, ``KafkaOffsetsInitializer``, ``KafkaRecordSerializationSchema``
are PyFlink's. ``SimulatedKafka`` (and ``ConsumerRecord``) are flowlab's: the cluster itself, created in the
notebook in place of a real broker. See docs/connectors.md.
"""
from flowlab.datastream.connectors.base import DeliveryGuarantee
from flowlab.datastream.connectors.kafka_cluster import ConsumerRecord, SimulatedKafka
from flowlab.datastream.connectors.kafka_sink import (
    KafkaRecordSerializationSchema,
    KafkaRecordSerializationSchemaBuilder,
    KafkaSink,
    KafkaSinkBuilder,
    KafkaTopicSelector,
)
from flowlab.datastream.connectors.kafka_source import (
    KafkaOffsetResetStrategy,
    KafkaOffsetsInitializer,
    KafkaSource,
    KafkaSourceBuilder,
    KafkaTopicPartition,
)

__all__ = ["ConsumerRecord", "DeliveryGuarantee", "KafkaOffsetResetStrategy", "KafkaOffsetsInitializer",
           "KafkaRecordSerializationSchema", "KafkaRecordSerializationSchemaBuilder", "KafkaSink", "KafkaSinkBuilder",
           "KafkaSource", "KafkaSourceBuilder", "KafkaTopicPartition", "KafkaTopicSelector", "SimulatedKafka"]
