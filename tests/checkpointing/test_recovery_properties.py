"""Property (end-to-end exactly-once): random fault schedules on random small keyed jobs.

Each job counts records per key in keyed ValueState and emits ``(key, record id, count)``. Subtasks and
TaskManagers fail at random moments, 1 to 3 times; checkpoints come at random intervals, aligned or unaligned.

* EXACTLY_ONCE checkpoints + a replayable source + a transactional sink (Kafka EXACTLY_ONCE read
  ``read_committed``) or an idempotent one (an upsert table): what a reader sees equals the failure-free run —
  every record counted once (0 lost, 0 duplicated) and the final count of each key is its number of records.
* AT_LEAST_ONCE checkpoints, or a print sink: nothing is lost (every record reaches the output) and every
  record that reaches it more than once was emitted again by its source after a restore (a flagged replay).

The counts of schedules, faults, restarts, lost and duplicated records go to ``STATS`` (see the module's last
test, which prints them for the closing note and the benchmark).
"""
from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

import flowlab
from flowlab.common import Configuration, SimpleStringSchema, Types, WatermarkStrategy
from flowlab.datastream import CheckpointingMode, StreamExecutionEnvironment
from flowlab.datastream.connectors.kafka import (
    DeliveryGuarantee,
    KafkaRecordSerializationSchema,
    KafkaSink,
    SimulatedKafka,
)
from flowlab.datastream.connectors.upsert import UpsertSink, UpsertTable
from flowlab.datastream.functions import KeyedProcessFunction, RuntimeContext
from flowlab.datastream.state import ValueStateDescriptor
from flowlab.sources import ScriptedSource

EXAMPLES = int(os.environ.get("FLOWLAB_RECOVERY_EXAMPLES", "520"))    # the benchmark runs fewer or more
STATS: Counter[str] = Counter()


class Count(KeyedProcessFunction):
    """``(key, record id, running count)``: the count lives in keyed ValueState."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.count = runtime_context.get_state(ValueStateDescriptor("count", Types.LONG()))

    def process_element(self, value: Any, ctx: KeyedProcessFunction.Context) -> Any:
        n = (self.count.value() or 0) + 1
        self.count.update(n)
        yield value[0], value[1], n


@st.composite
def jobs(draw: Any) -> dict[str, Any]:
    splits = draw(st.integers(1, 3))
    keys = draw(st.integers(2, 4))
    records = draw(st.integers(10, 40))
    arrivals = sorted(draw(st.lists(st.integers(0, 80), min_size=records, max_size=records)))
    split_of = draw(st.lists(st.integers(0, splits - 1), min_size=records, max_size=records))
    parts: list[list[tuple]] = [[] for _ in range(splits)]
    for rid, (t, s) in enumerate(zip(arrivals, split_of, strict=True)):
        parts[s].append((t, (rid % keys, rid)))
    sink = draw(st.sampled_from(["kafka", "kafka", "upsert", "print"]))
    mode = draw(st.sampled_from(["aligned", "unaligned", "aligned", "unaligned", "at_least_once"]))
    source_p = draw(st.integers(1, min(2, splits)))
    faults = draw(st.lists(st.tuples(st.sampled_from(["source", "count", "sink", "tm"]), st.integers(0, 2),
                                     st.integers(1, 120)), min_size=1, max_size=3))
    return {"parts": parts, "keys": keys, "records": records, "sink": sink, "mode": mode, "source_p": source_p,
            "count_p": draw(st.integers(1, 3)), "interval": draw(st.integers(10, 40)), "faults": faults,
            "cost": draw(st.sampled_from([0.0, 0.1, 0.5])), "latency": draw(st.sampled_from([1, 3])),
            "timeout": draw(st.sampled_from([0, 5, 100])), "delay": draw(st.sampled_from([0, 10]))}


def _build(spec: dict[str, Any], kafka: SimulatedKafka | None, table: UpsertTable | None) -> Any:
    conf = Configuration()
    for k, v in {"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "10",
                 "restart-strategy.fixed-delay.delay": f"{spec['delay']} ms",
                 "minicluster.number-of-taskmanagers": "2", "flowlab.network.latency-ms": str(spec["latency"]),
                 "flowlab.cluster.taskmanager-replacement-delay": "30 ms"}.items():
        conf.set_string(k, v)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_buffer_timeout(spec["timeout"])
    mode = CheckpointingMode.AT_LEAST_ONCE if spec["mode"] == "at_least_once" else CheckpointingMode.EXACTLY_ONCE
    env.enable_checkpointing(spec["interval"], mode)
    if spec["mode"] == "unaligned":
        env.get_checkpoint_config().enable_unaligned_checkpoints()
    src = (env.from_source(ScriptedSource(partitions=spec["parts"]), WatermarkStrategy.no_watermarks(), "source")
           .set_parallelism(spec["source_p"]))
    counted = (src.key_by(lambda r: r[0], key_type=Types.INT()).process(Count()).name("count")
               .set_parallelism(spec["count_p"]).set_processing_cost(spec["cost"]))
    if spec["sink"] == "kafka":
        guarantee = (DeliveryGuarantee.EXACTLY_ONCE if spec["mode"] != "at_least_once"
                     else DeliveryGuarantee.AT_LEAST_ONCE)
        sink = (KafkaSink.builder().set_bootstrap_servers("localhost:9092").set_delivery_guarantee(guarantee)
                .set_transactional_id_prefix("p").set_property("transaction.timeout.ms", "600000")
                .set_record_serializer(KafkaRecordSerializationSchema.builder().set_topic("out")
                                       .set_value_serialization_schema(SimpleStringSchema()).build()).build())
        counted.map(lambda r: f"{r[0]},{r[1]},{r[2]}", output_type=Types.STRING()).sink_to(sink).name("sink")
    elif spec["sink"] == "upsert":
        counted.sink_to(UpsertSink(table, key_selector=lambda r: r[0])).name("sink")
    else:
        counted.print().name("sink")
    return env


def _outputs(spec: dict[str, Any], sim: flowlab.Simulation, kafka: Any, table: Any, committed: bool) -> list[tuple]:
    if spec["sink"] == "kafka":
        level = "read_committed" if committed else "read_uncommitted"
        return [tuple(int(x) for x in r.value.split(",")) for r in kafka.read("out", sim, level)]
    if spec["sink"] == "upsert":
        return [v for _, (v, _) in table._store(sim).rows.items()] if committed else \
            [v for _, _, v, _ in table.history(sim)]
    return [eval(line.split("> ")[-1]) for line in sim.printed_lines()]


def _replayed_ids(spec: dict[str, Any], sim: flowlab.Simulation) -> set[int]:
    """Record ids emitted again after a restore (``replay`` in the trace): by a source subtask, or from the in-flight
    data of an unaligned checkpoint."""
    order: dict[int, list[int]] = {}
    p = spec["source_p"]
    for s in range(p):          # a ScriptedReader merges its splits by arrival time, ties to the lower split
        mine = [(t, i, k, rec[1]) for i, part in enumerate(spec["parts"]) if i % p == s
                for k, (t, rec) in enumerate(part)]
        order[s] = [rid for *_, rid in sorted(mine)]
    replayed = {order[e.subtask][e.data["position"] - 1] for e in sim.events()
                if e.kind == "source_emit" and e.data.get("replay")}
    # in flight at a restored unaligned checkpoint: processed again by the counting operator
    replayed |= {eval(e.detail)[1] for e in sim.events() if e.kind == "process" and (e.data or {}).get("replay")}
    return replayed


def _fault(sim: flowlab.Simulation, spec: dict[str, Any], fault: tuple) -> None:
    what, index, at = fault
    if what == "tm":
        sim.kill_taskmanager(f"tm-{index % 2 + 1}", at_ms=at)
        return
    name = {"source": "Source: source", "count": "count", "sink": "sink"}[what]
    rt = sim.runtime
    sim.fail(name, index % len(rt.tasks[rt.find_vertex(name)]), at_ms=at)


@seed(20261201)
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(jobs())
@pytest.mark.slow
def test_recovery_keeps_results_exactly_or_at_least_once(spec: dict[str, Any]) -> None:
    kafka = SimulatedKafka("localhost:9092") if spec["sink"] == "kafka" else None
    if kafka is not None:
        kafka.create_topic("out", 1)
    table = UpsertTable("t") if spec["sink"] == "upsert" else None
    sim = flowlab.Simulation(_build(spec, kafka, table), time_travel=False)
    tms = 0
    for fault in spec["faults"]:
        if fault[0] == "tm":
            if tms:
                continue                       # at most one TaskManager loss per schedule
            tms += 1
        _fault(sim, spec, fault)
    sim.run()
    assert sim.job_status == "FINISHED", sim.failure
    restarts = sim.snapshot()["recovery"]["restarts"]
    STATS["schedules"] += 1
    STATS["faults"] += len([e for e in sim.events() if e.kind == "fault" and not e.data.get("skipped")])
    STATS["restarts"] += len(restarts)
    n_k = Counter(rid % spec["keys"] for rid in range(spec["records"]))
    exactly = spec["mode"] != "at_least_once" and spec["sink"] != "print"
    out = _outputs(spec, sim, kafka, table, committed=True)
    if exactly:
        STATS["exactly_once_schedules"] += 1
        if spec["sink"] == "kafka":
            ids = Counter(rid for _, rid, _ in out)
            assert sorted((k, c) for k, _, c in out) == sorted((k, c) for k in n_k for c in range(1, n_k[k] + 1))
            lost, dup = spec["records"] - len(ids), sum(n - 1 for n in ids.values())
        else:                                  # the table holds each key's last row: its final count
            assert sorted((k, c) for k, _, c in out) == sorted((k, n_k[k]) for k in n_k)
            lost = dup = 0
        STATS["lost"] += lost
        STATS["duplicated"] += dup
        assert lost == dup == 0
        return
    STATS["at_least_once_schedules"] += 1
    seen = Counter(rid for _, rid, _ in _outputs(spec, sim, kafka, table, committed=False))
    lost = [rid for rid in range(spec["records"]) if rid not in seen]
    duplicated = {rid for rid, n in seen.items() if n > 1}
    STATS["lost"] += len(lost)
    STATS["duplicated"] += sum(seen[rid] - 1 for rid in duplicated)
    unexplained = duplicated - _replayed_ids(spec, sim)
    STATS["unexplained"] += len(unexplained)
    assert not lost and not unexplained, (lost, unexplained)


@pytest.mark.slow
def test_report_the_counts() -> None:
    """Prints what the property test above covered (run it first: ``pytest -s`` shows the line)."""
    if STATS:
        print("\nrecovery property:", dict(sorted(STATS.items())))
