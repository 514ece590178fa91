"""Connectors with PyFlink's names (``pyflink.datastream.connectors``): sources and sinks of the outside world.

``number_seq.NumberSequenceSource``, ``file_system`` (``FileSource``, ``FileSink``), ``kafka`` (``KafkaSource``,
``KafkaSink`` against a simulated broker) and ``upsert`` (flowlab's idempotent sink). See docs/connectors.md.
"""
from flowlab.datastream.connectors.base import DeliveryGuarantee, Sink, Source

__all__ = ["DeliveryGuarantee", "Sink", "Source"]
