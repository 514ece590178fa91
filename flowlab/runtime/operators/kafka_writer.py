"""The ``KafkaSink``'s writer and committer (Flink's ``KafkaWriter`` and ``KafkaCommitter``) against the run's
simulated broker; every request to the broker is an RPC (one network latency).

``EXACTLY_ONCE``: the writer of subtask *s* starts with transaction ``<prefix>-<s>-<n+1>`` (*n*: the checkpoint
it was restored from, else 0), after aborting what a previous attempt left open under ids ``<prefix>-<s>-<k>``,
k > n. At checkpoint *n* the open transaction (if it has records) becomes the committable and the next one,
``<prefix>-<s>-<n+1>``, begins; the committer commits the committable when checkpoint *n* completes.
"""
from __future__ import annotations

from typing import Any

from flowlab.common.serialization import SimpleStringSchema
from flowlab.common.typeinfo import Types
from flowlab.datastream.connectors.base import DeliveryGuarantee
from flowlab.datastream.connectors.kafka_cluster import SimulatedKafka, broker_key
from flowlab.datastream.connectors.kafka_partitioner import partition_for_key
from flowlab.runtime.operators.kafka_broker import KafkaBroker


def _check_string_input(sink: Any, context: Any) -> None:
    schemas = [sink.serializer.value_schema, sink.serializer.key_schema]
    t = context.input_type
    if any(isinstance(s, SimpleStringSchema) for s in schemas) and t != Types.STRING():
        shown = "no declared type (pickled bytes in PyFlink)" if t is None else f"records of type {t!r}"
        raise TypeError(
            f"KafkaSink with SimpleStringSchema serializes strings, but the stream feeding '{context.operator_name}' "
            f"has {shown}: Java would fail with a ClassCastException (\"cannot be cast to class java.lang.String\"). "
            "Turn the records into strings first, e.g. .map(str, output_type=Types.STRING()).")


class KafkaWriter:
    """Sends each record to the broker; under EXACTLY_ONCE inside this checkpoint's transaction."""

    def __init__(self, sink: Any, context: Any, restored: Any) -> None:
        _check_string_input(sink, context)
        self.sink = sink
        self.context = context
        script = SimulatedKafka.lookup(sink.bootstrap_servers)
        self.broker: KafkaBroker = context.connector(broker_key(sink.bootstrap_servers),
                                                     lambda job: KafkaBroker(job, script))
        self.who = (context.vertex_id, context.subtask_index, context.operator_id)
        self.exactly_once = sink.delivery_guarantee == DeliveryGuarantee.EXACTLY_ONCE
        self.round_robin = context.subtask_index
        self.transaction: str | None = None
        self.has_records = False
        if self.exactly_once:
            timeout = sink.transaction_timeout_ms
            if timeout > self.broker.max_txn_timeout_ms:
                raise RuntimeError(
                    "org.apache.kafka.common.errors.InvalidTxnTimeoutException: The transaction timeout is larger than "
                    "the maximum value allowed by the broker (as configured by transaction.max.timeout.ms). "
                    f"KafkaSink asks for transaction.timeout.ms = {timeout} ms (its default is one hour), the broker "
                    f"allows {self.broker.max_txn_timeout_ms} ms: set_property('transaction.timeout.ms', ...) to at "
                    "most that, and well above your checkpoint interval plus the time a restart takes.")
            start = (context.restored_checkpoint_id or 0) + 1
            self.broker.request("abort_lingering", sink.transactional_id_prefix, context.subtask_index, start,
                                timeout, self.who)
            self._begin(start)

    def _begin(self, checkpoint_id: int) -> None:
        self.transaction = f"{self.sink.transactional_id_prefix}-{self.context.subtask_index}-{checkpoint_id}"
        self.has_records = False
        self.broker.request("init_producer", self.transaction, self.sink.transaction_timeout_ms, self.who)

    def write(self, value: Any, ts: int | None) -> None:
        txn = self.transaction
        if txn is not None and txn in self.broker.fenced:
            raise RuntimeError(
                "org.apache.kafka.common.errors.ProducerFencedException: There is a newer producer with the same "
                f"transactionalId which fences the current one. (Transaction {txn} was {self.broker.fenced[txn]}; "
                "raise transaction.timeout.ms above the checkpoint interval.)")
        ser = self.sink.serializer
        topic = ser.topic_of(value)
        key = None if ser.key_schema is None else ser.key_schema.serialize(value)
        data = ser.value_schema.serialize(value)
        n = self.broker.partitions(topic)
        if n is None:
            if not self.broker.auto_create:
                raise RuntimeError(f"org.apache.kafka.common.errors.TimeoutException: Topic {topic} not present in "
                                   "metadata after 60000 ms. (The cluster does not create topics on first use: create "
                                   f"it with SimulatedKafka.create_topic('{topic}', ...).)")
            n = self.broker.default_partitions
        if key is not None:
            partition = partition_for_key(key, n)
        else:
            partition = self.round_robin % n
            self.round_robin += 1
        self.broker.request("produce", topic, partition, key, data, ts, txn, self.who)
        self.has_records = True

    def prepare_commit(self, end_of_input: bool) -> list[dict[str, Any]]:
        """The open transaction, if it has records, is this checkpoint's committable (AT_LEAST_ONCE and NONE have
        nothing to commit: every record was already sent)."""
        if not self.exactly_once or not self.has_records:
            return []
        return [{"transactional_id": self.transaction}]

    def snapshot_state(self, checkpoint_id: int) -> dict[str, Any]:
        """Flink keeps the prefix (to abort lingering transactions on restore); the next transaction begins."""
        if self.exactly_once:
            self._begin(checkpoint_id + 1)
        return {"transactional_id_prefix": self.sink.transactional_id_prefix}


class KafkaCommitter:
    """Commits the transactions of completed checkpoints (idempotent: a committed one stays committed)."""

    def __init__(self, sink: Any, context: Any) -> None:
        self.context = context
        script = SimulatedKafka.lookup(sink.bootstrap_servers)
        self.broker: KafkaBroker = context.connector(broker_key(sink.bootstrap_servers),
                                                     lambda job: KafkaBroker(job, script))
        self.who = (context.vertex_id, context.subtask_index, context.operator_id)

    def commit(self, committables: list[dict[str, Any]], why: str) -> None:
        for c in committables:
            self.broker.request("end_transaction", c["transactional_id"], True, self.who)
