"""KafkaTopicView and FileSinkView: a topic's records per partition tinted by their transaction, the markers, the
last stable offset, group offsets, the job's readers and what each isolation level reads; part files by bucket."""
from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import flowlab
from flowlab.common import Encoder, SimpleStringSchema, Types, WatermarkStrategy
from flowlab.datastream.connectors.file_system import BucketAssigner, FileSink, RollingPolicy
from flowlab.datastream.connectors.kafka import (
    DeliveryGuarantee,
    KafkaRecordSerializationSchema,
    KafkaSink,
    KafkaSource,
    SimulatedKafka,
)
from flowlab.sources import GeneratorSource
from flowlab.viz import Dashboard, FileSinkView, KafkaTopicView, RecoveryPanel
from flowlab.viz.render.file_sink_html import render_file_sinks
from flowlab.viz.render.kafka_html import readable, render_kafka
from tests.connectors.helpers import env_with

SERVERS = "localhost:9092"


def plain(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()


def _pipeline(timeout_ms: int = 60_000, **conf: str) -> object:
    """Kafka "in" -> upper-case -> Kafka "out" (EXACTLY_ONCE), one subtask, checkpoints every 20 ms."""
    env = env_with(1, 20, **conf)
    source = (KafkaSource.builder().set_bootstrap_servers(SERVERS).set_topics("in").set_group_id("g")
              .set_value_only_deserializer(SimpleStringSchema()).build())
    sink = (KafkaSink.builder().set_bootstrap_servers(SERVERS).set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE)
            .set_transactional_id_prefix("job").set_property("transaction.timeout.ms", str(timeout_ms))
            .set_record_serializer(KafkaRecordSerializationSchema.builder().set_topic("out")
                                   .set_value_serialization_schema(SimpleStringSchema()).build()).build())
    (env.from_source(source, WatermarkStrategy.no_watermarks(), "kafka")
        .map(lambda s: s.upper(), output_type=Types.STRING()).sink_to(sink))
    return env


def _cluster(values: list[tuple[str, int]]) -> SimulatedKafka:
    kafka = SimulatedKafka(SERVERS)
    kafka.create_topic("in", 1).create_topic("out", 1)
    for value, at in values:
        kafka.produce("in", value, at_ms=at)
    return kafka


def _cells(html: str, topic: str) -> list[tuple[int, str]]:
    part = re.search(rf'data-topic="{topic}" data-partition="0".*?class="flowlab-kafka-reads"', html, re.S).group(0)
    return [(int(o), k) for o, k in re.findall(r'class="flowlab-kafka-record" data-offset="(\d+)" data-kind="(\w+)"',
                                                part)]


def test_an_open_transaction_holds_the_last_stable_offset_back():
    """At 36 ms: job-0-1 (V0-V2) committed with its COMMIT marker at offset 4, job-0-2 (V3, V4, V5) open from
    offset 3 — the LSO; read_committed reads V0-V2, read_uncommitted all six."""
    _cluster([(f"v{i}", 7 * i) for i in range(6)])
    sim = flowlab.Simulation(_pipeline())
    sim.run(until_ms=36)
    snap = sim.snapshot()
    assert snap["kafka"][SERVERS]["readers"] == [{"vertex": "v1", "subtask": 0, "operator": "n1",
                                                  "name": "Source: kafka", "group_id": "g",
                                                  "isolation_level": "read_uncommitted", "positions": {"in-0": 6}}]
    html = render_kafka(snap)
    assert _cells(html, "out") == [(0, "COMMITTED"), (1, "COMMITTED"), (2, "COMMITTED"), (3, "ONGOING"),
                                   (4, "control"), (5, "ONGOING"), (6, "ONGOING")]
    assert re.findall(r'class="flowlab-kafka-mark" data-offset="(\d+)" data-marks="([\w ]+)"', html) == [
        ("3", "group"), ("6", "reader"), ("3", "lso")]
    text = plain(html)
    assert ("partition 0 · log end offset 7 · last stable offset 3 0 V0 1 V1 2 V2 LSO 3 3 V3 4 COMMIT 5 V4 6 V5 "
            "read_committed reads 3 record(s): V0, V1, V2 — up to the last stable offset 3, aborted records skipped "
            "read_uncommitted reads 6 record(s): V0, V1, V2, V3, V4, V5 — up to the log end offset 7, open and "
            "aborted transactions included") in text
    assert "group g committed: in-0 → 3" in text
    assert re.findall(r'class="flowlab-kafka-txn" data-id="([\w-]+)" data-state="(\w+)"', html) == [
        ("job-0-1", "COMMITTED"), ("job-0-2", "ONGOING")]
    assert re.findall(r'flowlab-kafka-legend-item" data-kind="(\w+)"', html) == [
        "plain", "COMMITTED", "ONGOING", "control", "lso", "group", "reader"]


def test_records_of_an_aborted_transaction_are_read_only_uncommitted():
    """transaction.timeout.ms 10: the broker aborts job-0-1 (V0) at 11 ms; read_committed skips it."""
    _cluster([("v0", 0), ("v1", 35)])
    sim = flowlab.Simulation(_pipeline(timeout_ms=10))
    sim.run(until_ms=60)
    snap = sim.snapshot()
    html = render_kafka(snap, topic="out")
    assert _cells(html, "out") == [(0, "ABORTED"), (1, "control"), (2, "COMMITTED"), (3, "control")]
    (part,) = snap["kafka"][SERVERS]["topics"][1]["partitions"]
    assert [r["value"] for r in readable(part, "read_committed")] == ["V1"]
    assert [r["value"] for r in readable(part, "read_uncommitted")] == ["V0", "V1"]
    assert "text-decoration:line-through" in re.search(r'data-offset="0" data-kind="ABORTED".*?</div></div>',
                                                        html).group(0)
    assert re.findall(r'flowlab-kafka-legend-item" data-kind="(\w+)"', html) == ["COMMITTED", "ABORTED", "control"]
    assert "aborted by the broker: open longer than transaction.timeout.ms (10 ms)" in plain(html)
    assert "in-0" not in plain(html)                     # only the topic asked for, and its group offsets


def test_after_a_restart_the_aborted_transaction_is_read_only_uncommitted():
    """Map fails at 30 ms; the restarted writer aborts job-0-2 (V3, V4, written after checkpoint 1) and writes
    them again: read_committed reads each of the ten records once, read_uncommitted reads V3 and V4 twice."""
    _cluster([(f"v{i}", 7 * i) for i in range(10)])
    sim = flowlab.Simulation(_pipeline(restart___strategy__type="fixed-delay",
                                       restart___strategy__fixed___delay__delay="10 ms"))
    sim.fail("Map", 0, at_ms=30)
    sim.run(until_ms=120)
    html = render_kafka(sim.snapshot(), topic="out")
    kinds = [k for _, k in _cells(html, "out")]
    assert kinds.count("ABORTED") == 2 and "ONGOING" not in kinds
    text = plain(html)
    assert ("read_committed reads 10 record(s): V0, V1, V2, V3, V4, V5, V6, V7, V8, V9 — up to the log end (no open "
            "transaction), aborted records skipped") in text
    assert ("read_uncommitted reads 12 record(s): V0, V1, V2, V3, V4, V3, V4, V5, V6, V7, V8, V9") in text
    aborted = re.findall(r'class="flowlab-kafka-txn" data-id="([\w-]+)" data-state="ABORTED"', html)
    assert aborted == ["job-0-2"]
    assert "aborted: a new producer took over job-0-2" in text


def test_long_values_are_cut_in_the_cell_with_the_whole_record_on_hover():
    snap = {"kafka": {SERVERS: {"topics": [{"name": "t", "partitions": [{
        "partition": 0, "log_end_offset": 1, "last_stable_offset": 1, "records_hidden": 0,
        "records": [{"offset": 0, "key": "customer-42", "value": "a rather long value", "timestamp": 5,
                     "transactional_id": None, "control": None, "transaction_state": None}]}]}],
        "transactions": [], "consumer_groups": {}, "readers": []}}}
    cell = re.search(r'<div class="flowlab-kafka-record".*?</div></div>', render_kafka(snap)).group(0)
    assert re.search(r'title="([^"]*)"', cell).group(1) == ("offset 0: key customer-42, value a rather long value, "
                                                            "timestamp 5, no transaction")
    assert re.findall(r">([^<>]+)</div>", cell) == ["0", "customer…", "a rather…"]


def test_kafka_view_follows_the_simulation_and_says_when_there_is_no_topic():
    _cluster([(f"v{i}", 7 * i) for i in range(6)])
    sim = flowlab.Simulation(_pipeline())
    view = KafkaTopicView(sim, topic="out")
    assert "no topic 'out' yet" in plain(view.html.value)
    sim.run(until_ms=16)
    assert 'data-isolation="read_uncommitted" data-count="3"' in view.html.value
    sim.run(until_ms=36)
    assert 'data-isolation="read_committed" data-count="3"' in view.html.value
    assert 'data-isolation="read_uncommitted" data-count="6"' in view.html.value


def _file_job(path: Path) -> flowlab.Simulation:
    env = env_with(1, 20)
    sink = (FileSink.for_row_format(str(path), Encoder.simple_string_encoder())
            .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy())
            .with_bucket_assigner(BucketAssigner.base_path_bucket_assigner()).build())
    env.from_source(GeneratorSource(lambda i: f"e{i}", count=None, records_per_second=100),
                    WatermarkStrategy.no_watermarks(), "gen", type_info=Types.STRING()).sink_to(sink)
    return flowlab.Simulation(env)


def test_file_sink_view_lists_part_files_by_state(tmp_path: Path):
    """At 41.5 ms part 0 is finished (3 lines) and part 1 pending (rolled by checkpoint 2, not yet committed)."""
    sim = _file_job(tmp_path)
    view = FileSinkView(sim)
    assert plain(view.html.value) == "The job has no FileSink (or it has not opened yet)."
    sim.run(until_ms=41.5)
    html = view.html.value
    rows = re.findall(r'class="flowlab-part-file" data-state="([\w -]+)" data-name="([^"]+)"', html)
    assert [(state, name[:8]) for state, name in rows] == [("pending", ".part-30"), ("finished", "part-30b")]
    text = plain(html)
    assert "bucket . " in text and "A reader sees 1 finished file(s), 3 line(s)." in text
    assert re.findall(r'flowlab-file-legend-item" data-state="([\w -]+)"', html) == ["pending", "finished"]
    assert render_file_sinks({}).count("no FileSink") == 1


def test_the_dashboard_shows_kafka_and_files_tabs_only_for_such_jobs(tmp_path: Path):
    _cluster([(f"v{i}", 7 * i) for i in range(6)])
    kafka_sim = flowlab.Simulation(_pipeline())
    panel = next(v for v in Dashboard(kafka_sim).views if isinstance(v, RecoveryPanel))
    assert panel.shown == []
    kafka_sim.run(until_ms=10)
    assert [t for t, _ in panel.shown] == ["Kafka"]
    assert "flowlab-kafka-record" in panel.kafka.html.value
    file_sim = _file_job(tmp_path)
    panel = next(v for v in Dashboard(file_sim).views if isinstance(v, RecoveryPanel))
    file_sim.run(until_ms=10)
    assert [t for t, _ in panel.shown] == ["Files"]
