"""Helpers the connector tests share: environments, the files under a directory, and a run restored from a
checkpoint (what recovery does: every operator starts from its part of the checkpoint before it opens)."""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flowlab
from flowlab.common import Configuration
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime.tasks.stream_task import StreamTask


def env_with(parallelism: int = 1, interval: int | None = None, **conf: Any) -> StreamExecutionEnvironment:
    """An environment with checkpoints every ``interval`` ms (None: off); ``conf`` keys spell ``.`` as ``__``."""
    c = Configuration()
    for k, v in conf.items():
        c.set_string(k.replace("___", "-").replace("__", "."), str(v))
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_parallelism(parallelism)
    if interval is not None:
        env.enable_checkpointing(interval)
    return env


def files(root: str | os.PathLike) -> dict[str, str]:
    """Every file under ``root`` (hidden ones included) by path relative to it, with its text."""
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as f:
                out[os.path.relpath(path, root)] = f.read()
    return dict(sorted(out.items()))


def finished(root: str | os.PathLike) -> dict[str, str]:
    """What a reader of the sink's output sees: the files whose names do not start with '.' or '_'."""
    return {p: t for p, t in files(root).items() if not any(part[:1] in "._" for part in p.split(os.sep))}


def lines(texts: dict[str, str]) -> list[str]:
    return [line for t in texts.values() for line in t.splitlines()]


@contextmanager
def restored_from(checkpoint: dict[str, Any]) -> Iterator[None]:
    """Inside the block, every operator of a new run starts from its part of ``checkpoint`` (as read back by
    ``sim.checkpoint_state(n)``) before it opens, as recovery restores it: the checkpoint id, the operator's
    own state (``restore_position``: a source's splits, a sink's writer state and committables) and a source's
    enumerator state; the checkpoint ids go on from n + 1. (Keyed and operator state are not restored here.)"""
    original = StreamTask.open_operators
    n = checkpoint["checkpoint_id"]

    def open_restored(task: StreamTask) -> None:
        checkpoints = task.job.jobmaster.checkpoints
        if checkpoints is not None:
            checkpoints.next_id = max(checkpoints.next_id, n + 1)
        for op in task.operators:
            entry = checkpoint["operators"].get(op.node.operator_hash)
            if entry is None:
                continue
            op.restored_checkpoint_id = n
            snapshot = entry["subtasks"][task.index]["state"]
            if snapshot is not None and snapshot.get("operator") is not None:
                op.restore_position(snapshot["operator"])
            if "coordinator" in entry:
                op.restore_coordinator(entry["coordinator"])
        original(task)
    StreamTask.open_operators = open_restored
    try:
        yield
    finally:
        StreamTask.open_operators = original


def run_to_checkpoint(sim: flowlab.Simulation, n: int) -> dict[str, Any]:
    """Run until checkpoint ``n`` is complete and return it as read back from its storage."""
    sim.break_on("checkpoint_completed", checkpoint_id=n)
    sim.run()
    sim.clear_breakpoints()
    return sim.checkpoint_state(n)
