"""End to end, one job per connector: a subtask fails mid-run, the job restarts from the latest checkpoint, and
what a reader of the output sees equals a run without the failure (0 lost, 0 duplicated) — or, where the
connector only promises at-least-once, every record at least once."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import flowlab
from flowlab.common import Encoder, SimpleStringSchema, Types, WatermarkStrategy
from flowlab.datastream.connectors.file_system import FileSink, FileSource, RollingPolicy, StreamFormat
from flowlab.datastream.connectors.kafka import (
    DeliveryGuarantee,
    KafkaOffsetsInitializer,
    KafkaRecordSerializationSchema,
    KafkaSink,
    KafkaSource,
    SimulatedKafka,
)
from flowlab.datastream.connectors.number_seq import NumberSequenceSource
from flowlab.datastream.connectors.upsert import UpsertSink, UpsertTable
from tests.connectors.helpers import env_with, finished, lines

RESTART = {"restart___strategy__type": "fixed-delay", "restart___strategy__fixed___delay__attempts": "3",
           "restart___strategy__fixed___delay__delay": "10 ms"}


def _env(parallelism: int = 2) -> Any:
    return env_with(parallelism, 20, **RESTART)


def _file_sink(path: Path) -> FileSink:
    return (FileSink.for_row_format(str(path), Encoder.simple_string_encoder())
            .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy()).build())


def _numbers_to_files(path: Path) -> Any:
    env = _env()
    (env.from_source(NumberSequenceSource(1, 200), WatermarkStrategy.no_watermarks(), "nums")
        .map(lambda n: str(n), output_type=Types.STRING()).set_processing_cost(0.5).sink_to(_file_sink(path)))
    return env


def test_number_sequence_into_a_file_sink_survives_a_failure_exactly_once(tmp_path: Path) -> None:
    """The map fails at 45 ms; after the restart the finished part files hold 1..200, each once."""
    sim = flowlab.Simulation(_numbers_to_files(tmp_path))
    sim.fail("Map", 1, at_ms=45)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sorted(int(x) for x in lines(finished(tmp_path))) == list(range(1, 201))


def test_file_source_into_a_file_sink_survives_a_failure_exactly_once(tmp_path: Path) -> None:
    """Three input files read by two readers; a reader fails mid-file; the output holds every line once."""
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    for f in range(3):
        (inputs / f"{f}.txt").write_text("".join(f"{f}-{i}\n" for i in range(60)))
    env = _env()
    source = FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(inputs)).build()
    (env.from_source(source, WatermarkStrategy.no_watermarks(), "files")
        .map(lambda s: s, output_type=Types.STRING()).set_processing_cost(0.5).sink_to(_file_sink(out)))
    sim = flowlab.Simulation(env)
    sim.fail("Source: files", 0, at_ms=30)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sorted(lines(finished(out))) == sorted(f"{f}-{i}" for f in range(3) for i in range(60))


def _kafka_job(guarantee: DeliveryGuarantee) -> Any:
    kafka = SimulatedKafka("localhost:9092")
    kafka.create_topic("in", 2).create_topic("out", 1)
    for i in range(100):
        kafka.produce("in", f"v{i}", at_ms=0)
    env = _env()
    source = (KafkaSource.builder().set_bootstrap_servers("localhost:9092").set_topics("in")
              .set_value_only_deserializer(SimpleStringSchema()).set_bounded(KafkaOffsetsInitializer.latest()).build())
    sink = (KafkaSink.builder().set_bootstrap_servers("localhost:9092").set_delivery_guarantee(guarantee)
            .set_transactional_id_prefix("e2e").set_property("transaction.timeout.ms", "60000")
            .set_record_serializer(KafkaRecordSerializationSchema.builder().set_topic("out")
                                   .set_value_serialization_schema(SimpleStringSchema()).build()).build())
    (env.from_source(source, WatermarkStrategy.no_watermarks(), "kafka")
        .map(lambda s: s.upper(), output_type=Types.STRING()).set_processing_cost(0.5).sink_to(sink))
    return kafka, env


def test_kafka_to_kafka_exactly_once_read_committed_sees_each_record_once() -> None:
    """EXACTLY_ONCE: after the restart read_committed sees V0..V99 once each; read_uncommitted sees more."""
    kafka, env = _kafka_job(DeliveryGuarantee.EXACTLY_ONCE)
    sim = flowlab.Simulation(env)
    sim.fail("Map", 0, at_ms=30)
    sim.run()
    assert sim.job_status == "FINISHED"
    committed = [r.value for r in kafka.read("out", sim, "read_committed")]
    assert sorted(committed) == sorted(f"V{i}" for i in range(100))
    assert len(kafka.read("out", sim)) > 100


def test_kafka_at_least_once_loses_nothing_but_repeats() -> None:
    """AT_LEAST_ONCE: every record is in the topic, some twice, whatever the isolation level."""
    kafka, env = _kafka_job(DeliveryGuarantee.AT_LEAST_ONCE)
    sim = flowlab.Simulation(env)
    sim.fail("Map", 0, at_ms=30)
    sim.run()
    assert sim.job_status == "FINISHED"
    values = [r.value for r in kafka.read("out", sim, "read_committed")]
    assert set(values) == {f"V{i}" for i in range(100)} and len(values) > 100


def test_upsert_table_ends_as_without_the_failure() -> None:
    """Idempotent: the table after a failure and restart equals the table of a clean run. (Each key's rows are
    a running maximum, so its last write does not depend on how the two source subtasks interleave; upserting
    the raw records would leave whichever subtask wrote a key last, which differs from run to run in Flink too.)"""
    def job(table: UpsertTable) -> Any:
        env = _env()
        (env.from_source(NumberSequenceSource(1, 200), WatermarkStrategy.no_watermarks(), "nums")
            .map(lambda n: (n % 7, n), output_type=Types.TUPLE([Types.LONG(), Types.LONG()])).set_processing_cost(0.5)
            .key_by(lambda r: r[0]).reduce(lambda a, b: (a[0], max(a[1], b[1])))
            .sink_to(UpsertSink(table, key_selector=lambda r: r[0])))
        return env
    clean = UpsertTable("t")
    expected = clean.contents(job(clean).execute())
    assert {k: v for k, (_, v) in expected.items()} == {k: max(n for n in range(1, 201) if n % 7 == k) for k in range(7)}
    table = UpsertTable("t")
    sim = flowlab.Simulation(job(table))
    sim.fail("Map", 1, at_ms=45)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert table.contents(sim) == expected
