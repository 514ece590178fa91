"""Small checkpointed jobs the checkpoint tests share."""
from __future__ import annotations

from typing import Any

from flowlab.common import Configuration, Types, WatermarkStrategy
from flowlab.datastream import CheckpointingMode, StreamExecutionEnvironment
from flowlab.sources import GeneratorSource, ScriptedSource


def env_with(parallelism: int = 2, interval: int | None = 100, mode: str = "EXACTLY_ONCE",
             **conf: Any) -> StreamExecutionEnvironment:
    """An environment with checkpoints every ``interval`` ms; ``conf`` keys spell ``.`` as ``__`` and ``-`` as
    ``___`` (``execution__checkpointing__num___retained``)."""
    c = Configuration()
    for k, v in conf.items():
        c.set_string(k.replace("___", "-").replace("__", "."), str(v))
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_parallelism(parallelism)
    if interval is not None:
        env.enable_checkpointing(interval, CheckpointingMode[mode])
    return env


def keyed_sum(env: StreamExecutionEnvironment, count: int = 2000, rate: float = 5000, keys: int = 5,
              cost: float = 0.1) -> StreamExecutionEnvironment:
    """A generator of (key, 1) into a keyed sum with a per-record cost; results go to a no-op sink."""
    src = env.from_source(GeneratorSource(lambda i: (i % keys, 1), count=count, records_per_second=rate),
                          WatermarkStrategy.no_watermarks(), "gen")
    src.key_by(lambda t: t[0], key_type=Types.INT()).sum(1).name("count").set_processing_cost(cost) \
        .add_sink(lambda v: None).name("out")
    return env


def two_channels(env: StreamExecutionEnvironment, fast: list[int], slow: list[int],
                 cost: float = 0.05) -> StreamExecutionEnvironment:
    """Two source subtasks (splits ``fast`` and ``slow`` of arrival times in ms, value 1 each, keys 'a'/'b')
    feeding one keyed sum subtask (``cost`` ms per record) over two channels."""
    splits = [[(t, ("a", 1)) for t in fast], [(t, ("b", 1)) for t in slow]]
    src = env.from_source(ScriptedSource(partitions=splits), WatermarkStrategy.no_watermarks(), "script")
    src.set_parallelism(2).key_by(lambda t: t[0], key_type=Types.STRING()).sum(1).name("count") \
        .set_parallelism(1).set_processing_cost(cost).add_sink(lambda v: None).name("out").set_parallelism(1)
    return env
