"""The simulated Kafka: topics and offsets in the run, KafkaSource (partitions, offsets, isolation levels,
checkpoints, group offsets) and KafkaSink (delivery guarantees, one transaction per checkpoint, restore,
timeouts), the snapshot section and time travel."""
from __future__ import annotations

from typing import Any

import pytest

import flowlab
from flowlab.common import SimpleStringSchema, Types, WatermarkStrategy
from flowlab.datastream.connectors.kafka import (
    DeliveryGuarantee,
    KafkaOffsetsInitializer,
    KafkaRecordSerializationSchema,
    KafkaSink,
    KafkaSource,
    SimulatedKafka,
)
from flowlab.datastream.connectors.kafka_partitioner import murmur2, partition_for_key
from flowlab.runtime import JobExecutionException
from flowlab.runtime.operators.kafka_reader import split_owner
from tests.connectors.helpers import env_with, restored_from, run_to_checkpoint

SERVERS = "localhost:9092"
NO_RESTART = {"restart___strategy__type": "none"}      # the job fails at the first task failure


def _cluster(records: int = 6, gap_ms: int = 7, partitions: int = 1) -> SimulatedKafka:
    kafka = SimulatedKafka(SERVERS)
    kafka.create_topic("in", partitions).create_topic("out", 1)
    for i in range(records):
        kafka.produce("in", f"v{i}", at_ms=i * gap_ms)
    return kafka


def _source(isolation: str | None = None, bounded: bool = False, topic: str = "in") -> KafkaSource:
    b = (KafkaSource.builder().set_bootstrap_servers(SERVERS).set_topics(topic).set_group_id("g")
         .set_value_only_deserializer(SimpleStringSchema()))
    if isolation is not None:
        b = b.set_property("isolation.level", isolation)
    if bounded:
        b = b.set_bounded(KafkaOffsetsInitializer.latest())
    return b.build()


def _sink(guarantee: DeliveryGuarantee, timeout_ms: int | None = 60_000) -> KafkaSink:
    b = (KafkaSink.builder().set_bootstrap_servers(SERVERS).set_delivery_guarantee(guarantee)
         .set_transactional_id_prefix("job")
         .set_record_serializer(KafkaRecordSerializationSchema.builder().set_topic("out")
                                .set_value_serialization_schema(SimpleStringSchema()).build()))
    if timeout_ms is not None:
        b = b.set_property("transaction.timeout.ms", str(timeout_ms))
    return b.build()


def _pipeline(guarantee: DeliveryGuarantee, interval: int | None = 20, timeout_ms: int | None = 60_000,
              **conf: Any) -> Any:
    """Kafka -> upper-case -> Kafka, one subtask, checkpoints every ``interval`` ms."""
    env = env_with(1, interval, **conf)
    (env.from_source(_source(), WatermarkStrategy.no_watermarks(), "kafka")
        .map(lambda s: s.upper(), output_type=Types.STRING()).sink_to(_sink(guarantee, timeout_ms)))
    return env


def _values(kafka: SimulatedKafka, run: Any, isolation: str = "read_uncommitted", topic: str = "out") -> list[str]:
    return [r.value for r in kafka.read(topic, run, isolation)]


def test_kafka_partitioner_matches_kafkas_murmur2() -> None:
    """Kafka's own test vectors for murmur2; a keyed record goes to toPositive(murmur2) % partitions."""
    assert [murmur2(k) for k in (b"21", b"foobar", b"a-little-bit-long-string")] == [-973932308, -790332482,
                                                                                      -985981536]
    assert partition_for_key(b"foobar", 3) == (-790332482 & 0x7FFFFFFF) % 3 == 0


def test_partitions_go_to_readers_as_flinks_enumerator_assigns_them() -> None:
    """getSplitOwner: ((topic.hashCode() * 31) & 0x7FFFFFFF) % n is the first reader, then one per partition."""
    assert [split_owner("in", p, 2) for p in range(4)] == [1, 0, 1, 0]
    assert [split_owner("events", p, 3) for p in range(4)] == [2, 0, 1, 2]


def test_source_reads_scripted_records_when_they_arrive_with_their_timestamps() -> None:
    """Each record is emitted at its scripted arrival and carries its Kafka timestamp."""
    _cluster(records=3)
    env = env_with(1)
    env.from_source(_source(), WatermarkStrategy.no_watermarks(), "kafka").print()
    sim = flowlab.Simulation(env)
    sim.run(until_ms=30)
    t = sim.trace
    assert [(e.time_ms, e.detail) for e in t[t.kind == "source_emit"].itertuples()] == [
        (0.0, "'v0' @0"), (7.0, "'v1' @7"), (14.0, "'v2' @14")]


def test_a_bounded_source_stops_at_the_latest_offsets_of_its_start() -> None:
    """set_bounded(latest()): records scripted after the job started are not read; the job finishes."""
    kafka = _cluster(records=2)
    kafka.produce("in", "late", at_ms=50)
    env = env_with(1)
    got = env.from_source(_source(bounded=True), WatermarkStrategy.no_watermarks(), "kafka").execute_and_collect()
    assert list(got) == ["v0"]


def test_exactly_once_output_is_visible_to_read_committed_only_after_the_checkpoint() -> None:
    """Records of the open transaction are there for read_uncommitted at once, for read_committed only when the
    checkpoint that closes the transaction completes; the COMMIT marker takes an offset."""
    kafka = _cluster()
    sim = flowlab.Simulation(_pipeline(DeliveryGuarantee.EXACTLY_ONCE))
    sim.run(until_ms=16)
    assert _values(kafka, sim) == ["V0", "V1", "V2"]
    assert _values(kafka, sim, "read_committed") == []
    sim.run(until_ms=30)
    assert _values(kafka, sim, "read_committed") == ["V0", "V1", "V2"]
    assert [(r.offset, r.value) for r in kafka.read("out", sim)] == [(0, "V0"), (1, "V1"), (2, "V2"), (3, "V3"),
                                                                      (5, "V4")]


def test_one_transaction_per_checkpoint_named_prefix_subtask_checkpoint() -> None:
    """job-0-1 holds the records before checkpoint 1 and commits when it completes; job-0-2 is the next."""
    kafka = _cluster()
    sim = flowlab.Simulation(_pipeline(DeliveryGuarantee.EXACTLY_ONCE))
    sim.run(until_ms=30)
    rows = [(t["transactional_id"], t["state"], t["records"], t["started_ms"], t["ended_ms"])
            for t in kafka.transactions(sim)]
    assert rows == [("job-0-1", "COMMITTED", 3, 1.0, 24.004), ("job-0-2", "ONGOING", 2, 22.001, None)]


def test_at_least_once_output_is_visible_at_once() -> None:
    """Without transactions both isolation levels see every record as soon as it arrives."""
    kafka = _cluster()
    sim = flowlab.Simulation(_pipeline(DeliveryGuarantee.AT_LEAST_ONCE))
    sim.run(until_ms=16)
    assert _values(kafka, sim, "read_committed") == _values(kafka, sim) == ["V0", "V1", "V2"]


def _crash_and_restore(guarantee: DeliveryGuarantee) -> tuple[SimulatedKafka, Any]:
    """Run to checkpoint 1, on to 35 ms, "crash"; a new run with the cluster as it was is restored from 1."""
    _cluster(records=10)
    crashed = flowlab.Simulation(_pipeline(guarantee))
    checkpoint = run_to_checkpoint(crashed, 1)
    crashed.run(until_ms=35)
    after = SimulatedKafka.from_run(crashed)
    with restored_from(checkpoint):
        sim = flowlab.Simulation(_pipeline(guarantee))
        sim.run(until_ms=100)
    return after, sim


def test_exactly_once_after_a_restore_read_committed_sees_each_record_once() -> None:
    """The restored writer aborts job-0-2 (V3, V4 written after the checkpoint) and writes them again: a
    read_committed reader sees every record once, a read_uncommitted one sees V3 and V4 twice."""
    kafka, sim = _crash_and_restore(DeliveryGuarantee.EXACTLY_ONCE)
    assert _values(kafka, sim, "read_committed") == [f"V{i}" for i in range(10)]
    assert _values(kafka, sim) == ["V0", "V1", "V2", "V3", "V4", "V3", "V4", "V5", "V6", "V7", "V8", "V9"]
    states = [(t["transactional_id"], t["state"], t["records"]) for t in kafka.transactions(sim)]
    assert states == [("job-0-1", "COMMITTED", 3), ("job-0-2", "ABORTED", 2), ("job-0-2", "COMMITTED", 5),
                      ("job-0-3", "COMMITTED", 2)]


def test_at_least_once_after_a_restore_everyone_sees_duplicates() -> None:
    """AT_LEAST_ONCE: the records since the checkpoint are sent again, and no isolation level hides them."""
    kafka, sim = _crash_and_restore(DeliveryGuarantee.AT_LEAST_ONCE)
    expected = ["V0", "V1", "V2", "V3", "V4", "V3", "V4", "V5", "V6", "V7", "V8", "V9"]
    assert _values(kafka, sim, "read_committed") == _values(kafka, sim) == expected


def test_a_read_committed_source_waits_for_the_commit() -> None:
    """A second job reading 'out' with read_committed gets V0..V2 only when job-0-1 commits at 24.004 ms; with
    read_uncommitted it gets them as they are written."""
    def job(isolation: str) -> Any:
        env = _pipeline(DeliveryGuarantee.EXACTLY_ONCE)
        env.from_source(_source(isolation, topic="out"), WatermarkStrategy.no_watermarks(), "reader").print()
        return env
    times = {}
    for isolation in ("read_committed", "read_uncommitted"):
        _cluster()
        sim = flowlab.Simulation(job(isolation))
        sim.run(until_ms=30)
        t = sim.trace
        times[isolation] = [(e.time_ms, e.detail) for e in t[t.kind == "source_emit"].itertuples()
                            if e.detail.startswith("'V")]
    assert times["read_committed"] == [(24.004, "'V0' @0"), (24.006, "'V1' @7"), (24.008, "'V2' @14")]
    assert times["read_uncommitted"] == [(1.0, "'V0' @0"), (8.0, "'V1' @7"), (15.0, "'V2' @14"),
                                         (22.001, "'V3' @21"), (29.0, "'V4' @28")]


def test_a_transaction_older_than_its_timeout_is_aborted_and_its_records_lost() -> None:
    """timeout 10 ms, records at 0 and 35 ms, checkpoints every 20 ms: the broker aborts job-0-1 at 11 ms; its
    commit at checkpoint 1 fails (Flink logs it and goes on), so V0 never becomes visible to read_committed."""
    kafka = SimulatedKafka(SERVERS)
    kafka.create_topic("in", 1).create_topic("out", 1)
    kafka.produce("in", "v0", at_ms=0).produce("in", "v1", at_ms=35)
    sim = flowlab.Simulation(_pipeline(DeliveryGuarantee.EXACTLY_ONCE, timeout_ms=10))
    sim.run(until_ms=60)
    details = [e.detail for e in sim.trace.itertuples() if e.kind == "kafka_transaction"]
    assert details[1] == ("Kafka localhost:9092: transaction job-0-1 aborted by the broker: open longer than "
                          "transaction.timeout.ms (10 ms) (1 record(s); ABORT marker(s) in out-0)")
    assert details[2].startswith("Kafka localhost:9092: commit of job-0-1 failed: the transaction was aborted by "
                                 "the broker: open longer than transaction.timeout.ms (10 ms).")
    assert _values(kafka, sim, "read_committed") == ["V1"]


def test_writing_into_a_timed_out_transaction_fails_the_task() -> None:
    """A write after the broker aborted the open transaction meets Kafka's ProducerFencedException."""
    _cluster(records=6)
    sim = flowlab.Simulation(_pipeline(DeliveryGuarantee.EXACTLY_ONCE, interval=100, timeout_ms=10, **NO_RESTART))
    sim.run(until_ms=50)
    assert sim.job_status == "FAILED"
    assert ("ProducerFencedException: There is a newer producer with the same transactionalId which fences the "
            "current one. (Transaction job-0-1 was aborted by the broker: open longer than transaction.timeout.ms "
            "(10 ms); raise transaction.timeout.ms above the checkpoint interval.)") in sim.failure


def test_kafka_sinks_default_transaction_timeout_is_refused_by_a_default_broker() -> None:
    """EXACTLY_ONCE without transaction.timeout.ms asks for one hour; the broker allows 15 minutes."""
    _cluster()
    sim = flowlab.Simulation(_pipeline(DeliveryGuarantee.EXACTLY_ONCE, timeout_ms=None, **NO_RESTART))
    sim.run(until_ms=5)
    assert ("InvalidTxnTimeoutException: The transaction timeout is larger than the maximum value allowed by the "
            "broker (as configured by transaction.max.timeout.ms). KafkaSink asks for transaction.timeout.ms = "
            "3600000 ms (its default is one hour), the broker allows 900000 ms") in sim.failure


def test_completed_checkpoints_commit_the_source_offsets_to_the_group() -> None:
    """With a group id the offsets of a completed checkpoint become the group's committed offsets."""
    kafka = _cluster()
    sim = flowlab.Simulation(_pipeline(DeliveryGuarantee.AT_LEAST_ONCE))
    sim.run(until_ms=23)
    assert kafka.committed_offsets("g", sim) == {}
    sim.run(until_ms=30)
    assert kafka.committed_offsets("g", sim) == {"in-0": 3}


def test_the_source_offsets_are_in_the_checkpoint() -> None:
    """Checkpoint 1 holds the reader's partition with the offset to read next."""
    _cluster()
    checkpoint = run_to_checkpoint(flowlab.Simulation(_pipeline(DeliveryGuarantee.AT_LEAST_ONCE)), 1)
    (source,) = [o for o in checkpoint["operators"].values() if o["name"] == "Source: kafka"]
    assert source["subtasks"][0]["state"]["operator"] == {
        "position": 3, "splits": [{"topic": "in", "partition": 0, "offset": 3, "stopping_offset": None}]}
    (sink,) = [o for o in checkpoint["operators"].values() if o["name"] == "Sink: KafkaSink"]
    assert sink["subtasks"][0]["state"]["operator"] == {"writer": {"transactional_id_prefix": "job"},
                                                       "committables": []}


def test_the_snapshot_section_shows_records_transactions_and_group_offsets() -> None:
    """snapshot()["kafka"]: per partition the records with their transaction's state and the markers, the log
    end and last stable offsets; the transactions; the committed group offsets."""
    _cluster()
    sim = flowlab.Simulation(_pipeline(DeliveryGuarantee.EXACTLY_ONCE))
    sim.run(until_ms=30)
    cluster = sim.snapshot()["kafka"][SERVERS]
    (out,) = [t for t in cluster["topics"] if t["name"] == "out"]
    (p0,) = out["partitions"]
    assert (p0["log_end_offset"], p0["last_stable_offset"]) == (6, 3)
    assert [(r["offset"], r["value"], r["control"], r["transaction_state"]) for r in p0["records"]] == [
        (0, "V0", None, "COMMITTED"), (1, "V1", None, "COMMITTED"), (2, "V2", None, "COMMITTED"),
        (3, "V3", None, "ONGOING"), (4, None, "COMMIT", None), (5, "V4", None, "ONGOING")]
    assert [t["state"] for t in cluster["transactions"]] == ["COMMITTED", "ONGOING"]
    assert cluster["consumer_groups"] == {"g": {"in-0": 3}}


def test_time_travel_rewinds_the_broker() -> None:
    """After goto(n) the topic holds what it held at step n; replaying brings the later records back."""
    kafka = _cluster()
    sim = flowlab.Simulation(_pipeline(DeliveryGuarantee.EXACTLY_ONCE), snapshot_interval=5)
    seen = {}
    while sim.now_ms < 40:
        sim.step()
        seen[sim.step_count] = [(r.offset, r.value) for r in kafka.read("out", sim)]
    for step in (10, sim.step_count - 3, 1, sim.step_count):
        sim.goto(step)
        assert [(r.offset, r.value) for r in kafka.read("out", sim)] == seen[step], step


def test_a_job_without_a_simulated_cluster_fails_saying_how_to_make_one() -> None:
    """No SimulatedKafka at the servers: the reader cannot open."""
    env = env_with(1)
    source = (KafkaSource.builder().set_bootstrap_servers("nowhere:1").set_topics("t")
              .set_value_only_deserializer(SimpleStringSchema()).set_bounded(KafkaOffsetsInitializer.latest()).build())
    env.from_source(source, WatermarkStrategy.no_watermarks(), "k").print()
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    assert ("ConnectionError: No Kafka cluster at 'nowhere:1': flowlab cannot reach a real broker, it simulates one. "
            "Create it before the job starts, e.g. SimulatedKafka('nowhere:1').create_topic('input', 2)") in str(err.value)


def test_a_missing_topic_fails_the_source() -> None:
    """set_topics names a topic the cluster lacks: Flink's metadata failure."""
    _cluster()
    env = env_with(1)
    env.from_source(_source(bounded=True, topic="nope"), WatermarkStrategy.no_watermarks(), "k").print()
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    assert "RuntimeError: Failed to get metadata for topics ['nope']" in str(err.value)


def test_a_sink_creates_a_missing_topic_with_the_default_partitions() -> None:
    """auto.create.topics.enable: the first record to an unknown topic creates it with one partition."""
    kafka = SimulatedKafka(SERVERS)
    kafka.create_topic("in", 1)
    kafka.produce("in", "a", at_ms=0)
    env = env_with(1)
    env.from_source(_source(bounded=True), WatermarkStrategy.no_watermarks(), "k").sink_to(
        _sink(DeliveryGuarantee.AT_LEAST_ONCE))
    result = env.execute()
    assert _values(kafka, result) == ["a"]


@pytest.mark.parametrize(("build", "message"), [
    (lambda: KafkaSource.builder().set_topics("t").set_value_only_deserializer(SimpleStringSchema()).build(),
     "Property bootstrap.servers is required but not provided"),
    (lambda: KafkaSource.builder().set_bootstrap_servers(SERVERS).set_value_only_deserializer(
        SimpleStringSchema()).build(),
     "No subscribe mode is specified, should be one of topics, topic pattern and partition set."),
    (lambda: KafkaSource.builder().set_bootstrap_servers(SERVERS).set_topics("t").build(),
     "Deserialization schema is required but not provided."),
    (lambda: KafkaRecordSerializationSchema.builder().set_topic("t").build(), "No value serializer is configured."),
    (lambda: KafkaSource.builder().set_bootstrap_servers(SERVERS).set_topics("t").set_property(
        "isolation.level", "committed").set_value_only_deserializer(SimpleStringSchema()).build(),
     "Invalid value committed for configuration isolation.level: String must be one of: read_committed, "
     "read_uncommitted"),
])
def test_builders_refuse_incomplete_settings_with_flinks_messages(build: Any, message: str) -> None:
    """Missing servers, topics, deserializer or value serializer, and a wrong isolation level."""
    with pytest.raises(ValueError) as err:
        build()
    assert str(err.value) == message


def test_a_sink_with_simple_string_schema_refuses_a_stream_that_is_not_string() -> None:
    """Types.INT() records into SimpleStringSchema: Java's ClassCastException, explained."""
    _cluster()
    env = env_with(1)
    env.from_collection([1, 2], type_info=Types.INT()).sink_to(_sink(DeliveryGuarantee.NONE))
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    assert ("TypeError: KafkaSink with SimpleStringSchema serializes strings, but the stream feeding 'Sink: KafkaSink' "
            "has records of type Integer: Java would fail with a ClassCastException") in str(err.value)


def test_without_auto_create_a_sink_to_a_missing_topic_fails() -> None:
    """auto_create_topics=False: the producer never finds the topic (Kafka's metadata timeout)."""
    kafka = SimulatedKafka(SERVERS, auto_create_topics=False)
    kafka.create_topic("in", 1).produce("in", "a", at_ms=0)
    env = env_with(1)
    env.from_source(_source(bounded=True), WatermarkStrategy.no_watermarks(), "k").sink_to(
        _sink(DeliveryGuarantee.AT_LEAST_ONCE))
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    assert ("TimeoutException: Topic out not present in metadata after 60000 ms. (The cluster does not create topics "
            "on first use: create it with SimulatedKafka.create_topic('out', ...).)") in str(err.value)
