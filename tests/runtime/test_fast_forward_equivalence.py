"""Fast-forward (tasks running ahead of each other) gives exactly the run that stepping gives.

For each job: every sink row (subtask, value, timestamp, virtual arrival time), the printed lines, the end
time, the job status, the sampled metrics and the number of observable events are identical whether the
Simulation steps one call at a time with the trace on, or runs with the trace off and look-ahead on.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import pytest

import flowlab
from flowlab.common import (
    Configuration,
    Duration,
    Encoder,
    SimpleStringSchema,
    Time,
    Types,
    WatermarkStrategy,
)
from flowlab.datastream import CheckpointingMode, OutputTag, RuntimeExecutionMode, StreamExecutionEnvironment
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
from flowlab.datastream.functions import KeyedProcessFunction
from flowlab.datastream.window import SlidingEventTimeWindows, TumblingEventTimeWindows
from flowlab.sources import GeneratorSource, ScriptedSource


def _env(parallelism: int = 2, **conf: Any) -> StreamExecutionEnvironment:
    c = Configuration()
    for k, v in conf.items():
        c.set_string(k.replace("_", "."), str(v))
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_parallelism(parallelism)
    return env


def rolling(p: int) -> Callable[[], StreamExecutionEnvironment]:
    def build() -> StreamExecutionEnvironment:
        env = _env(p)
        (env.from_collection(range(3000)).map(lambda i: (i % 17, 1)).key_by(lambda t: t[0])
            .reduce(lambda a, b: (a[0], a[1] + b[1])).print())
        return env
    return build


def backpressure() -> StreamExecutionEnvironment:
    env = _env(2)
    src = env.from_source(GeneratorSource(lambda i, r: (f"k{r.randrange(5)}", i), count=4000,
                                          records_per_second=20000), WatermarkStrategy.no_watermarks(), "gen")
    (src.shuffle().map(lambda t: (t[0], t[1] * 10)).set_processing_cost(0.07)
        .rebalance().key_by(lambda t: t[0]).sum(1).set_processing_cost(0.2).add_sink(lambda v: None))
    return env


def fan_in() -> StreamExecutionEnvironment:
    """Three producers, one slow consumer, 1 KiB buffers: which channel's buffer comes next is sensitive to
    every delivery time, so a task that ran ahead too far would read them in another order."""
    env = _env(3, **{"taskmanager_memory_segment-size": "1kb"})
    src = env.from_source(GeneratorSource(lambda i, r: i, count=3000, records_per_second=30000),
                          WatermarkStrategy.no_watermarks(), "gen")
    (src.map(lambda x: x).set_processing_cost(0.01).rebalance().map(lambda x: x).set_processing_cost(0.15)
        .set_parallelism(1).print())
    return env


def zero_timeout() -> StreamExecutionEnvironment:
    env = _env(3)
    env.set_buffer_timeout(0)
    env.from_collection(range(600)).rebalance().map(lambda x: x * 2).key_by(lambda x: x % 5).sum(0).print()
    return env


def windows() -> StreamExecutionEnvironment:
    env = _env(2)
    env.get_config().set_auto_watermark_interval(5)
    rows = [(i * 3, (f"k{i % 3}", i), (i * 37) % 400) for i in range(300)]
    strategy = WatermarkStrategy.for_bounded_out_of_orderness(Duration.of_millis(20))
    late = OutputTag("late", Types.TUPLE([Types.STRING(), Types.INT()]))
    ws = (env.from_source(ScriptedSource(rows), strategy, "events").key_by(lambda r: r[0], key_type=Types.STRING())
          .window(SlidingEventTimeWindows.of(Time.milliseconds(50), Time.milliseconds(20)))
          .allowed_lateness(30).side_output_late_data(late).reduce(lambda a, b: (a[0], a[1] + b[1])))
    ws.print()
    ws.get_side_output(late).print("late")
    return env


class Alarm(KeyedProcessFunction):
    def process_element(self, value, ctx):
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 15)
        ctx.timer_service().register_processing_time_timer(ctx.timer_service().current_processing_time() + 7)
        yield value

    def on_timer(self, timestamp, ctx):
        yield (ctx.get_current_key(), timestamp, str(ctx.time_domain()))


def timers() -> StreamExecutionEnvironment:
    env = _env(2)
    env.get_config().set_auto_watermark_interval(3)
    rows = [(i * 2, (f"u{i % 4}", i), i * 5) for i in range(120)]
    (env.from_source(ScriptedSource(rows), WatermarkStrategy.for_monotonous_timestamps(), "clicks")
        .key_by(lambda r: r[0], key_type=Types.STRING()).process(Alarm()).print())
    return env


def window_join() -> StreamExecutionEnvironment:
    env = _env(2)
    env.get_config().set_auto_watermark_interval(5)
    left = env.from_source(ScriptedSource([(i, (f"k{i % 3}", i), i * 4) for i in range(80)]),
                           WatermarkStrategy.for_monotonous_timestamps(), "left")
    right = env.from_source(ScriptedSource([(i, (f"k{i % 2}", -i), i * 3) for i in range(80)]),
                            WatermarkStrategy.for_monotonous_timestamps(), "right")
    (left.join(right).where(lambda v: v[0], key_type=Types.STRING()).equal_to(lambda v: v[0], key_type=Types.STRING())
        .window(TumblingEventTimeWindows.of(Time.milliseconds(40))).apply(lambda a, b: (a[0], a[1], b[1])).print())
    return env


def iteration() -> StreamExecutionEnvironment:
    env = _env(1)
    it = env.from_collection(list(range(1, 40))).iterate(max_wait_time_ms=50)
    body = it.map(lambda x: x - 3)
    it.close_with(body.filter(lambda x: x > 0))
    body.filter(lambda x: x <= 0).print()
    return env


def debloat() -> StreamExecutionEnvironment:
    env = _env(2, **{"taskmanager_network_memory_buffer-debloat_enabled": "true"})
    src = env.from_source(GeneratorSource(lambda i, r: i, count=6000, records_per_second=8000),
                          WatermarkStrategy.no_watermarks(), "gen")
    src.rebalance().map(lambda x: x).set_processing_cost(0.3).add_sink(lambda v: None)
    return env


def failing() -> StreamExecutionEnvironment:
    env = _env(2)
    env.from_collection(range(500)).rebalance().map(lambda x: 1 // (x - 300)).print()
    return env


def checkpointed(mode: str) -> Callable[[], StreamExecutionEnvironment]:
    """The backpressure job with checkpoints every 20 ms: barriers queue behind the buffered data, channels block
    (aligned), overtake it (unaligned, or aligned switching after 3 ms) or do neither (at-least-once); bounded
    sources wait for their final checkpoint (FLIP-147)."""
    def build() -> StreamExecutionEnvironment:
        env = backpressure()
        config = env.get_checkpoint_config()
        env.enable_checkpointing(20, CheckpointingMode.AT_LEAST_ONCE if mode == "at-least-once"
                                 else CheckpointingMode.EXACTLY_ONCE)
        if mode in ("unaligned", "aligned, 3 ms timeout"):
            config.enable_unaligned_checkpoints()
        if mode == "aligned, 3 ms timeout":
            config.set_aligned_checkpoint_timeout(Duration.of_millis(3))
        return env
    return build


def _checkpointing(env: StreamExecutionEnvironment, unaligned: bool) -> StreamExecutionEnvironment:
    """Checkpoints every 15 ms: window contents, timers and two-input alignment go into them."""
    env.enable_checkpointing(15)
    env.get_checkpoint_config().enable_unaligned_checkpoints(unaligned)
    return env


def files_to_files() -> StreamExecutionEnvironment:
    """FileSource (two readers asking the enumerator for five files) -> FileSink rolling on checkpoints."""
    inputs = tempfile.mkdtemp()
    for f in range(5):
        with open(os.path.join(inputs, f"in-{f}.txt"), "w") as out:
            out.write("".join(f"f{f} line {i}\n" for i in range(200)))
    env = _env(2)
    env.enable_checkpointing(15)
    source = FileSource.for_record_stream_format(StreamFormat.text_line_format(), inputs).build()
    (env.from_source(source, WatermarkStrategy.no_watermarks(), "files").rebalance()
        .map(lambda s: s.upper(), output_type=Types.STRING()).set_processing_cost(0.02)
        .sink_to(FileSink.for_row_format(tempfile.mkdtemp(), Encoder.simple_string_encoder())
                 .with_rolling_policy(RollingPolicy.on_checkpoint_rolling_policy()).build()))
    return env


def kafka_to_kafka() -> StreamExecutionEnvironment:
    """A bounded KafkaSource over three partitions -> an EXACTLY_ONCE KafkaSink into two: transactions, commits
    and markers interleave with the two writers' produce requests."""
    kafka = SimulatedKafka("localhost:9092")
    kafka.create_topic("in", 3).create_topic("out", 2)
    for i in range(1500):
        kafka.produce("in", f"v{i}", key=f"k{i % 7}", at_ms=0)
    env = _env(2)
    env.enable_checkpointing(10)
    source = (KafkaSource.builder().set_bootstrap_servers("localhost:9092").set_topics("in")
              .set_value_only_deserializer(SimpleStringSchema()).set_bounded(KafkaOffsetsInitializer.latest()).build())
    sink = (KafkaSink.builder().set_bootstrap_servers("localhost:9092")
            .set_delivery_guarantee(DeliveryGuarantee.EXACTLY_ONCE).set_transactional_id_prefix("ff")
            .set_property("transaction.timeout.ms", "60000")
            .set_record_serializer(KafkaRecordSerializationSchema.builder().set_topic("out")
                                   .set_key_serialization_schema(SimpleStringSchema())
                                   .set_value_serialization_schema(SimpleStringSchema()).build()).build())
    (env.from_source(source, WatermarkStrategy.no_watermarks(), "kafka").rebalance()
        .map(lambda s: s.upper(), output_type=Types.STRING()).set_processing_cost(0.03).sink_to(sink))
    return env


def numbers_to_upserts() -> StreamExecutionEnvironment:
    """NumberSequenceSource over three readers -> UpsertSink keyed by the number's remainder."""
    env = _env(3)
    (env.from_source(NumberSequenceSource(1, 3000), WatermarkStrategy.no_watermarks(), "nums")
        .map(lambda n: (n % 11, n), output_type=Types.TUPLE([Types.LONG(), Types.LONG()])).rebalance()
        .sink_to(UpsertSink(UpsertTable("ff"), key_selector=lambda r: r[0])))
    return env


def batch(build: Callable[[], StreamExecutionEnvironment], **conf: str) -> Callable[[], StreamExecutionEnvironment]:
    """The same job in BATCH mode: stages over blocking exchanges, sorted keyed inputs, per-key timers."""
    def build_batch() -> StreamExecutionEnvironment:
        env = build()
        env.set_runtime_mode(RuntimeExecutionMode.BATCH)
        for k, v in conf.items():
            env.get_configuration().set_string(k, v)
        return env
    return build_batch


def batch_region_rerun() -> StreamExecutionEnvironment:
    """BATCH with a fixed-delay restart: the keyed stage fails once on its first attempt and runs again,
    re-reading the materialised result of the source stage."""
    env = _env(2, **{"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.delay": "5 ms"})
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)

    class FailOnce(KeyedProcessFunction):
        def open(self, runtime_context):
            self.attempt = runtime_context.get_attempt_number()

        def process_element(self, value, ctx):
            if self.attempt == 0 and value[1] == 250:
                raise ValueError("boom")
            yield value

    (env.from_collection([(f"k{i % 7}", i) for i in range(400)]).key_by(lambda t: t[0]).process(FailOnce())
        .print())
    return env


JOBS: dict[str, Callable[[], StreamExecutionEnvironment]] = {
    "connectors, files to files": files_to_files, "connectors, kafka to kafka": kafka_to_kafka,
    "connectors, numbers to upserts": numbers_to_upserts,
    "batch rolling p=3": batch(rolling(3)), "batch backpressure": batch(backpressure), "batch windows": batch(windows),
    "batch timers": batch(timers), "batch window join": batch(window_join), "batch fan-in": batch(fan_in),
    "batch region re-run": batch_region_rerun,
    **{f"checkpoints, {m}": checkpointed(m) for m in ("aligned", "at-least-once", "unaligned",
                                                         "aligned, 3 ms timeout")},
    "checkpoints, windows, unaligned": lambda: _checkpointing(windows(), unaligned=True),
    "checkpoints, window join, aligned": lambda: _checkpointing(window_join(), unaligned=False),
    "rolling p=1": rolling(1), "rolling p=3": rolling(3), "backpressure": backpressure,
    "zero buffer timeout": zero_timeout, "fan-in": fan_in, "windows": windows, "timers": timers, "window join": window_join,
    "iteration": iteration, "buffer debloating": debloat, "user function fails": failing,
}


def _facts(sim: flowlab.Simulation) -> dict[str, Any]:
    rt = sim.runtime
    metrics = sim.metrics()
    return {
        "rows": {n: list(s.rows) for n, s in sorted(rt.sinks.items())},
        "printed": sim.printed_lines(),
        "end_us": sim.now_us,
        "status": sim.job_status,
        "failure": (sim.failure or "").splitlines()[:1],
        "events": rt.recorder.count,
        "metrics": metrics.to_dict("records"),
        "checkpoints": sim.checkpoints().to_json(orient="records"),
        "connectors": _connector_facts(sim),
        "recovery": sim.snapshot()["recovery"],
    }


def _connector_facts(sim: flowlab.Simulation) -> dict[str, Any]:
    """The outside world the connectors wrote: the Kafka cluster, the part files (relative to the base path, with
    state and bytes), the upsert tables' write histories."""
    snap = sim.snapshot()
    files = [[(os.path.relpath(f["path"], s["base_path"]), f["state"], f["bytes"]) for f in s["files"]]
             for s in snap["file_sinks"]]
    rt = sim.runtime
    upserts = {k: UpsertTable(k.split("/", 1)[1]).history(sim) for k in sorted(rt.connectors.objects)
               if k.startswith("upsert/")}
    return {"kafka": snap["kafka"], "files": files, "upserts": upserts}


def _run_both(build: Callable[[], StreamExecutionEnvironment],
              plan: Callable[[flowlab.Simulation], None] | None = None) -> tuple[dict, dict]:
    stepped = flowlab.Simulation(build(), seed=5)
    fast = flowlab.Simulation(build(), seed=5, record_trace=False)
    for sim in (stepped, fast):
        if plan is not None:
            plan(sim)
    stepped.run()
    try:
        fast.run_to_result()
    except flowlab.runtime.JobExecutionException:
        pass
    return _facts(stepped), _facts(fast)


@pytest.mark.parametrize("name", sorted(JOBS))
def test_fast_forward_equals_stepping(name: str) -> None:
    """Rows, printed lines, end time, status, metrics and event count are the same in both modes."""
    a, b = _run_both(JOBS[name])
    assert a["events"] > 100
    for field in a:
        assert a[field] == b[field], field


def test_fast_forward_runs_ahead() -> None:
    """With look-ahead the rolling job takes far fewer kernel calls than observable events."""
    sim = flowlab.Simulation(rolling(1)(), seed=5, record_trace=False)
    calls = 0
    step = sim.runtime.kernel.step

    def counting() -> bool:
        nonlocal calls
        calls += 1
        return step()
    sim.runtime.kernel.step = counting
    sim.run_to_result()
    assert calls * 20 < sim.runtime.recorder.count


@pytest.mark.parametrize(("kind", "target"), [("task", "Map"), ("taskmanager", "tm-1")])
def test_scripted_faults_give_the_same_run(kind: str, target: str) -> None:
    """A fault scripted at 1.5 virtual ms strikes the same records in both modes."""
    def plan(sim: flowlab.Simulation) -> None:
        if kind == "task":
            sim.fail(target, 1, at_ms=1.5)
        else:
            sim.kill_taskmanager(target, at_ms=1.5)
    a, b = _run_both(backpressure, plan)
    assert a["status"] == "FAILED"
    for field in a:
        assert a[field] == b[field], field


RESTART = {"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "5",
           "restart-strategy.fixed-delay.delay": "3 ms"}


def _restarting(build: Callable[[], StreamExecutionEnvironment], **conf: str) -> Callable[[], StreamExecutionEnvironment]:
    def with_restarts() -> StreamExecutionEnvironment:
        env = build()
        for k, v in {**RESTART, **conf}.items():
            env.get_configuration().set_string(k, v)
        return env
    return with_restarts


RECOVERY_CASES = {
    # no checkpoints: from scratch; checkpoints aligned / unaligned: restored state, in-flight data first
    "from scratch, task": (_restarting(backpressure), [("task", "Map", 1, 1.5)]),
    "aligned, task twice": (_restarting(checkpointed("aligned")), [("task", "Map", 1, 30), ("task", "Map", 0, 61)]),
    "unaligned, task": (_restarting(checkpointed("unaligned")), [("task", "Map", 0, 45)]),
    "at-least-once, taskmanager": (_restarting(checkpointed("at-least-once"),
                                               **{"minicluster.number-of-taskmanagers": "2",
                                                  "flowlab.cluster.taskmanager-replacement-delay": "20 ms"}),
                                   [("taskmanager", "tm-2", 0, 33)]),
    "full failover, windows": (_restarting(lambda: _checkpointing(windows(), unaligned=True),
                                           **{"jobmanager.execution.failover-strategy": "full"}),
                               [("task", "v2", 0, 40)]),
    "kafka exactly-once": (_restarting(kafka_to_kafka), [("task", "Map", 1, 25)]),
    "files exactly-once": (_restarting(files_to_files), [("task", "Map", 0, 20)]),
}


@pytest.mark.parametrize("name", sorted(RECOVERY_CASES))
def test_restarts_give_the_same_run(name: str) -> None:
    """Failures, restarts, restored checkpoints, replays: the same in both modes (rows, events, the recovery
    timeline, what the connectors wrote)."""
    build, faults = RECOVERY_CASES[name]

    def plan(sim: flowlab.Simulation) -> None:
        for kind, target, subtask, at in faults:
            if kind == "task":
                sim.fail(target, subtask, at_ms=at)
            else:
                sim.kill_taskmanager(target, at_ms=at)
    a, b = _run_both(build, plan)
    assert a["recovery"]["restarts"], "no restart happened"
    for field in a:
        assert a[field] == b[field], field


def test_stalls_give_the_same_run() -> None:
    """A GC-like stall planned with pause_task delays the same records in both modes."""
    a, b = _run_both(backpressure, lambda sim: sim.pause_task("Map", 0, at_ms=2, duration_ms=30))
    for field in a:
        assert a[field] == b[field], field


def test_execute_and_collect_runs_in_fast_forward_and_gives_stepping_order() -> None:
    """execute_and_collect() (its collect sink runs at parallelism 1, as PyFlink's) yields the rows in the
    order a stepped run of the same job delivers them to a parallelism-1 sink."""
    def job() -> Any:
        env = _env(3)
        return env, env.from_collection(range(3000)).map(lambda i: (i % 17, 1)).key_by(lambda t: t[0]).reduce(
            lambda a, b: (a[0], a[1] + b[1]))
    env, ds = job()
    ds.print().set_parallelism(1)
    stepped = flowlab.Simulation(env, seed=0)
    stepped.run()
    _, ds = job()
    with ds.execute_and_collect() as results:
        got = [str(v) for v in results]
    assert got == stepped.printed_lines() and len(got) == 3000


def test_execute_and_collect_with_a_limit_stops_an_unbounded_job() -> None:
    """An unbounded source collected with limit=5 returns the first five records without running forever."""
    env = _env(1)
    src = env.from_source(GeneratorSource(lambda i, r: i * 2, records_per_second=1000),
                          WatermarkStrategy.no_watermarks(), "endless")
    assert src.map(lambda x: x + 1).execute_and_collect(limit=5) == [1, 3, 5, 7, 9]
