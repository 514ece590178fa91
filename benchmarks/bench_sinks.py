"""Sinks: wall-clock throughput of a job writing to each sink, the transactional ones with checkpoints.

Prints figures; it is not a test.

Job: ``NumberSequenceSource(1, N) -> map(str) -> sink`` at parallelism 2, run with ``env.execute()`` (trace off,
fast-forward), checkpoints every 100 virtual ms where the sink needs them. Sinks: a no-op ``add_sink`` (the
baseline), ``print()`` captured, ``FileSink`` (default rolling and on-checkpoint rolling: a file per checkpoint),
``KafkaSink`` with ``NONE``, ``AT_LEAST_ONCE`` and ``EXACTLY_ONCE`` (a transaction per checkpoint per subtask) into
a simulated cluster, and flowlab's ``UpsertSink``. Per sink: records per wall-clock second, wall seconds, the
virtual end time, and what the outside world holds at the end (finished files / committed records / rows).

Usage: python benchmarks/bench_sinks.py [--records N]
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if "flowlab" not in sys.modules:          # run from a checkout without installing; a pre-imported flowlab wins
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flowlab.common import Encoder, SimpleStringSchema, Types, WatermarkStrategy  # noqa: E402
from flowlab.datastream import StreamExecutionEnvironment  # noqa: E402
from flowlab.datastream.connectors.file_system import FileSink, RollingPolicy  # noqa: E402
from flowlab.datastream.connectors.kafka import (  # noqa: E402
    DeliveryGuarantee,
    KafkaRecordSerializationSchema,
    KafkaSink,
    SimulatedKafka,
)
from flowlab.datastream.connectors.number_seq import NumberSequenceSource  # noqa: E402
from flowlab.datastream.connectors.upsert import UpsertSink, UpsertTable  # noqa: E402


def _stream(n: int, checkpoints: bool) -> tuple[StreamExecutionEnvironment, Any]:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    if checkpoints:
        env.enable_checkpointing(100)
    ds = env.from_source(NumberSequenceSource(1, n), WatermarkStrategy.no_watermarks(), "nums")
    return env, ds.map(str, output_type=Types.STRING())


def _kafka(guarantee: DeliveryGuarantee) -> Callable[[Any, str], Any]:
    def attach(ds: Any, _: str) -> Any:
        return ds.sink_to(KafkaSink.builder().set_bootstrap_servers("bench:9092").set_delivery_guarantee(guarantee)
                          .set_transactional_id_prefix("bench").set_property("transaction.timeout.ms", "600000")
                          .set_record_serializer(KafkaRecordSerializationSchema.builder().set_topic("out")
                                                 .set_value_serialization_schema(SimpleStringSchema()).build())
                          .build())
    return attach


def _file(policy: RollingPolicy) -> Callable[[Any, str], Any]:
    def attach(ds: Any, folder: str) -> Any:
        return ds.sink_to(FileSink.for_row_format(folder, Encoder.simple_string_encoder())
                          .with_rolling_policy(policy).build())
    return attach


SINKS: list[tuple[str, bool, Callable[[Any, str], Any]]] = [
    ("no-op add_sink", False, lambda ds, _: ds.add_sink(lambda v: None)),
    ("print()", False, lambda ds, _: ds.print()),
    ("FileSink, default rolling", True, _file(RollingPolicy.default_rolling_policy())),
    ("FileSink, on checkpoint", True, _file(RollingPolicy.on_checkpoint_rolling_policy())),
    ("KafkaSink NONE", True, _kafka(DeliveryGuarantee.NONE)),
    ("KafkaSink AT_LEAST_ONCE", True, _kafka(DeliveryGuarantee.AT_LEAST_ONCE)),
    ("KafkaSink EXACTLY_ONCE", True, _kafka(DeliveryGuarantee.EXACTLY_ONCE)),
    ("UpsertSink (flowlab)", True, lambda ds, _: ds.sink_to(UpsertSink(UpsertTable("bench"), lambda s: int(s) % 1000))),
]


def _outside(name: str, folder: str, kafka: SimulatedKafka, result: Any) -> str:
    if name.startswith("FileSink"):
        names = [f for _, _, fs in os.walk(folder) for f in fs if not f.startswith(".")]
        return f"{len(names)} finished file(s)"
    if name.startswith("KafkaSink"):
        return f"{len(kafka.read('out', result, 'read_committed')):,} committed record(s)"
    if name.startswith("UpsertSink"):
        return f"{len(UpsertTable('bench').contents(result)):,} row(s)"
    return ""


def main(n: int) -> None:
    print(f"sinks: NumberSequenceSource(1, {n:,}) -> map(str) -> sink, p = 2, checkpoints every 100 virtual ms "
          "where marked")
    print(f"  {'sink':<28}{'ckpt':>5}{'records/s':>12}{'wall s':>9}{'virtual ms':>12}  outside")
    for name, checkpoints, attach in SINKS:
        kafka = SimulatedKafka("bench:9092")
        kafka.create_topic("out", 2)
        with tempfile.TemporaryDirectory() as folder:
            env, ds = _stream(n, checkpoints)
            attach(ds, folder)
            gc.collect()
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                result = env.execute()
            wall = time.perf_counter() - t0
            outside = _outside(name, folder, kafka, result)
        print(f"  {name:<28}{'yes' if checkpoints else 'no':>5}{n / wall:>12,.0f}{wall:>9.2f}"
              f"{result.get_net_runtime():>12,}  {outside}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    main(parser.parse_args().records)
