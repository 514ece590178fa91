"""Jobs the recovery tests share: a paced source, a map that remembers its attempt, a failing function."""
from __future__ import annotations

from typing import Any

import flowlab
from flowlab.common import Configuration
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.datastream.functions import MapFunction
from flowlab.sources import ScriptedSource

FIXED = {"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.delay": "10 ms"}


def env_with(parallelism: int = 1, interval: int | None = None, **conf: Any) -> StreamExecutionEnvironment:
    """An environment with ``conf`` (Flink's keys as they are) and checkpoints every ``interval`` ms (None: off)."""
    c = Configuration()
    for k, v in conf.items():
        c.set_string(k, str(v))
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_parallelism(parallelism)
    env.set_buffer_timeout(0)
    if interval is not None:
        env.enable_checkpointing(interval)
    return env


def paced(n: int = 10, every_ms: int = 10, splits: int = 1) -> ScriptedSource:
    """Values 0..n-1, one every ``every_ms`` ms (value i of split s: i * splits + s)."""
    if splits == 1:
        return ScriptedSource([(i * every_ms, i) for i in range(n)])
    return ScriptedSource(partitions=[[(i * every_ms, i * splits + s) for i in range(n)] for s in range(splits)])


class TagAttempt(MapFunction):
    """``(value, attempt)``: which execution attempt of the map processed the value."""

    def open(self, runtime_context: Any) -> None:
        self.attempt = runtime_context.get_attempt_number()

    def map(self, value: Any) -> Any:
        return value, self.attempt


class FailOn(MapFunction):
    """Raises on ``value`` in the attempts before ``until_attempt`` (every attempt: None)."""

    def __init__(self, value: Any, until_attempt: int | None = 1) -> None:
        self.value = value
        self.until_attempt = until_attempt

    def open(self, runtime_context: Any) -> None:
        self.attempt = runtime_context.get_attempt_number()

    def map(self, value: Any) -> Any:
        if value == self.value and (self.until_attempt is None or self.attempt < self.until_attempt):
            raise ValueError(f"cannot take {value} in attempt {self.attempt}")
        return value


def phases(sim: flowlab.Simulation) -> list[tuple[float, str, int]]:
    """The recovery events: (time ms, phase, attempt)."""
    return [(e.time_ms, e.data["phase"], e.data["attempt"]) for e in sim.events() if e.kind == "recovery"]


def statuses(sim: flowlab.Simulation) -> list[tuple[float, str]]:
    return [(t / 1000, s) for t, s in sim.runtime.status_history]
