"""Small jobs the BATCH tests share."""
from __future__ import annotations

from typing import Any

from flowlab.common import Configuration
from flowlab.datastream import RuntimeExecutionMode, StreamExecutionEnvironment


def env_in(mode: str = "BATCH", parallelism: int = 1, **conf: Any) -> StreamExecutionEnvironment:
    """An environment in ``mode`` (BATCH, STREAMING or AUTOMATIC); ``conf`` keys spell ``.`` as ``__`` and ``-``
    as ``___`` (``restart___strategy__type``)."""
    c = Configuration()
    for k, v in conf.items():
        c.set_string(k.replace("___", "-").replace("__", "."), str(v))
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_runtime_mode(RuntimeExecutionMode[mode])
    env.set_parallelism(parallelism)
    return env


def kinds(sim: Any, *names: str) -> list[Any]:
    """The trace events of the given kinds, in order."""
    return [e for e in sim.events() if e.kind in names]
