"""``SimulatedKafka``: the Kafka cluster a flowlab job reads from and writes to (flowlab extension).

A real broker cannot run in a notebook, so flowlab simulates one. A notebook creates it (topics, and records
scripted to arrive at virtual times) before the job, under the bootstrap servers the program names; the
program itself is unchanged PyFlink (``KafkaSource.builder().set_bootstrap_servers("localhost:9092")...``).
Every run takes its own copy of the cluster when its first Kafka source or sink opens, so running or replaying
a job always starts from the same topics. After (or while) it runs, ``read`` shows a topic of that run as a
consumer with either isolation level would see it.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Any

#: A record as a consumer gets it (``value`` and ``key`` decoded as UTF-8 when they are text, else bytes).
ConsumerRecord = namedtuple("ConsumerRecord", "topic partition offset timestamp key value")

_CLUSTERS: dict[str, SimulatedKafka] = {}


def broker_key(bootstrap_servers: str) -> str:
    return f"kafka/{bootstrap_servers}"


def _text(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data


def _bytes(value: Any, what: str) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError(f"SimulatedKafka.produce: the {what} must be a str (sent as UTF-8) or bytes, got {value!r}")


class SimulatedKafka:
    """A simulated Kafka cluster at ``bootstrap_servers`` (flowlab extension; on PyFlink it is a real cluster).

    ``num_partitions`` and ``auto_create_topics`` are the broker's ``num.partitions`` (1) and
    ``auto.create.topics.enable`` (true): a sink writing to a topic that does not exist creates it with that many
    partitions. ``transaction_max_timeout_ms`` is ``transaction.max.timeout.ms`` (15 minutes): a transactional
    producer asking for a longer ``transaction.timeout.ms`` is refused, as KafkaSink's default of one hour is.

    Creating a cluster under the same servers again replaces the earlier one (for runs that start afterwards).
    """

    def __init__(self, bootstrap_servers: str = "localhost:9092", num_partitions: int = 1,
                 auto_create_topics: bool = True, transaction_max_timeout_ms: int = 900_000) -> None:
        if not isinstance(bootstrap_servers, str) or not bootstrap_servers:
            raise TypeError(f"SimulatedKafka: bootstrap_servers must be a string such as 'localhost:9092', got "
                            f"{bootstrap_servers!r}")
        self.bootstrap_servers = bootstrap_servers
        self.num_partitions = num_partitions
        self.auto_create_topics = auto_create_topics
        self.transaction_max_timeout_ms = transaction_max_timeout_ms
        self.topics: dict[str, int] = {}
        self.scripted: list[tuple[int, str, int, bytes | None, bytes | None, int]] = []
        self.carried: Any = None             # what an earlier run's cluster held (from_run), or None
        self._round_robin: dict[str, int] = {}
        _CLUSTERS[bootstrap_servers] = self

    @staticmethod
    def from_run(run: Any, bootstrap_servers: str = "localhost:9092") -> SimulatedKafka:
        """A cluster holding what the cluster at ``bootstrap_servers`` holds in ``run`` now — its records, open and
        ended transactions, group offsets — for the runs that start afterwards (a real cluster outlives a job: a
        second job, or a job restored from a checkpoint, finds it so). Records scripted to arrive later arrive in
        the next run as long after its start as they were due after ``run``'s present; open transactions stay
        open, their timeout counting again from the next run's start."""
        old = SimulatedKafka.lookup(bootstrap_servers)
        broker = old._broker(run)
        new = SimulatedKafka(bootstrap_servers, old.num_partitions, old.auto_create_topics,
                             old.transaction_max_timeout_ms)
        new.topics = {t: len(parts) for t, parts in sorted(broker.logs.items())}
        new.carried = broker.carry()
        return new

    @staticmethod
    def lookup(bootstrap_servers: str) -> SimulatedKafka:
        """The cluster registered under ``bootstrap_servers`` (the first of a comma-separated list that is)."""
        for server in [bootstrap_servers, *bootstrap_servers.split(",")]:
            cluster = _CLUSTERS.get(server.strip())
            if cluster is not None:
                return cluster
        raise ConnectionError(
            f"No Kafka cluster at '{bootstrap_servers}': flowlab cannot reach a real broker, it simulates one. Create "
            f"it before the job starts, e.g. SimulatedKafka('{bootstrap_servers}').create_topic('input', 2) "
            "(from flowlab.datastream.connectors.kafka), and script its records with produce(...).")

    def create_topic(self, name: str, num_partitions: int = 1) -> SimulatedKafka:
        if not isinstance(name, str) or not name:
            raise TypeError(f"create_topic: the topic name must be a non-empty string, got {name!r}")
        if isinstance(num_partitions, bool) or not isinstance(num_partitions, int) or num_partitions < 1:
            raise ValueError(f"create_topic: num_partitions must be an int >= 1, got {num_partitions!r}")
        if name in self.topics:
            raise ValueError(f"TopicExistsException: Topic '{name}' already exists.")
        self.topics[name] = num_partitions
        return self

    def produce(self, topic: str, value: Any, key: Any = None, partition: int | None = None,
                timestamp: int | None = None, at_ms: float = 0) -> SimulatedKafka:
        """Script a record that arrives in ``topic`` at virtual time ``at_ms`` (non-transactional, as a plain
        producer writes it). Its partition: ``partition``, else by the key's hash as Kafka's producer does, else
        round-robin; its timestamp: ``timestamp`` (ms), else ``at_ms``."""
        if topic not in self.topics:
            if not self.auto_create_topics:
                raise KeyError(f"produce: no topic '{topic}'; create_topic('{topic}', ...) first")
            self.topics[topic] = self.num_partitions
        n = self.topics[topic]
        key_bytes, value_bytes = _bytes(key, "key"), _bytes(value, "value")
        if partition is None:
            if key_bytes is not None:
                from flowlab.datastream.connectors.kafka_partitioner import partition_for_key
                partition = partition_for_key(key_bytes, n)
            else:
                partition = self._round_robin.get(topic, 0) % n
                self._round_robin[topic] = partition + 1
        if not 0 <= partition < n:
            raise ValueError(f"produce: topic '{topic}' has partitions 0..{n - 1}, got partition {partition}")
        at_us = round(at_ms * 1000)
        self.scripted.append((at_us, topic, partition, key_bytes, value_bytes,
                              round(at_ms) if timestamp is None else timestamp))
        self.scripted.sort(key=lambda r: r[0])          # stable: records due at the same time keep their order
        return self

    # -- what a run's copy of the cluster holds ----------------------------------------------------------
    def _broker(self, run: Any) -> Any:
        sim = getattr(run, "simulation", run)
        rt = getattr(sim, "runtime", None)
        if rt is None:
            raise TypeError(f"expected a Simulation, a JobExecutionResult or a JobClient, got {run!r}")
        from flowlab.runtime.operators.kafka_broker import KafkaBroker
        broker = rt.connector(broker_key(self.bootstrap_servers), lambda job: KafkaBroker(job, self))
        if rt.terminal:
            broker.drain_in_flight()
        broker.materialize(broker.now_us())
        return broker

    def read(self, topic: str, run: Any, isolation_level: str = "read_uncommitted") -> list[ConsumerRecord]:
        """Every record of ``topic`` in ``run`` (a Simulation, or what ``execute``/``execute_async`` returned) that a
        consumer reading from the start with ``isolation_level`` gets now, partition by partition."""
        if isolation_level not in ("read_uncommitted", "read_committed"):
            raise ValueError(f"isolation_level must be 'read_uncommitted' (Kafka's default) or 'read_committed', got "
                             f"{isolation_level!r}")
        broker = self._broker(run)
        if broker.partitions(topic) is None:
            raise KeyError(f"no topic '{topic}' in the cluster at {self.bootstrap_servers}; topics: "
                           f"{sorted(broker.logs)}")
        now = broker.now_us()
        out = []
        for p in range(broker.partitions(topic)):
            offset = 0
            while True:
                entry, offset = broker.read(topic, p, offset, isolation_level == "read_committed", now)
                if entry is None:
                    break
                out.append(ConsumerRecord(topic, p, entry[0], entry[3], _text(entry[1]), _text(entry[2])))
        return out

    def committed_offsets(self, group_id: str, run: Any) -> dict[str, int]:
        """The offsets consumer group ``group_id`` has committed in ``run``, as ``{"topic-partition": offset}``."""
        broker = self._broker(run)
        return {f"{t}-{p}": o for (t, p), o in sorted(broker.groups.get(group_id, {}).items())}

    def transactions(self, run: Any) -> list[dict[str, Any]]:
        """Every transaction of ``run`` in the order it began: id, producer id and epoch, state (ONGOING,
        COMMITTED, ABORTED), records, partitions, begin and end times, and why it ended."""
        return [t.row() for t in self._broker(run).transactions]

    def __repr__(self) -> str:
        return f"SimulatedKafka({self.bootstrap_servers!r}, topics={self.topics})"
