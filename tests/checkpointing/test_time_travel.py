"""Checkpoints under time travel and replays: back() restores the coordinator, the barriers in flight and the
files on disk as they were; runs are deterministic."""
from __future__ import annotations

import os
import subprocess
import sys

import flowlab

from .jobs import env_with, keyed_sum


def _env(tmp_path):
    return keyed_sum(env_with(2, interval=40, execution__checkpointing__dir=f"file://{tmp_path}",
                              execution__checkpointing__num___retained=2), count=3000, rate=10000)


def _files(tmp_path) -> dict[str, bytes]:
    out = {}
    for d, _, files in os.walk(tmp_path):
        for f in files:
            p = os.path.join(d, f)
            out[os.path.relpath(p, tmp_path)] = open(p, "rb").read()
    return out


def test_back_across_checkpoints_restores_their_files_and_forward_rewrites_them(tmp_path) -> None:
    """At 130 ms chk-1 and chk-2 exist; at 260 ms chk-4 and chk-5; going back brings the first pair back (same
    bytes), stepping forward again the second."""
    sim = flowlab.Simulation(_env(tmp_path), snapshot_interval=50)
    sim.run(until_ms=130)
    step, early = sim.step_count, _files(tmp_path)
    sim.run(until_ms=260)
    late = _files(tmp_path)
    assert sorted(k.split("/")[1] for k in early) == ["chk-1", "chk-2"]
    assert sorted(k.split("/")[1] for k in late) == ["chk-4", "chk-5"]
    sim.goto(step)
    assert _files(tmp_path) == early
    sim.run(until_ms=260)
    assert _files(tmp_path) == late


def test_back_restores_the_coordinator_and_the_barriers_in_flight(tmp_path) -> None:
    """After goto(k), the checkpoint history and the barriers in the channels are those of step k."""
    sim = flowlab.Simulation(_env(tmp_path), snapshot_interval=50)
    sim.break_on("channel_blocked")
    sim.run()
    sim.clear_breakpoints()
    step = sim.step_count
    history = sim.checkpoints().to_json()
    channels = sim.snapshot()["checkpoints"]
    assert any(c["barriers"] for c in channels["channels"])
    sim.run(until_ms=300)
    sim.goto(step)
    assert sim.checkpoints().to_json() == history
    assert sim.snapshot()["checkpoints"] == channels


def test_a_replay_after_back_gives_the_same_trace(tmp_path) -> None:
    """Back to the middle and on to the end: the trace digest is that of a straight run."""
    straight = flowlab.Simulation(_env(tmp_path))
    straight.run()
    sim = flowlab.Simulation(_env(tmp_path), snapshot_interval=50)
    sim.run(until_ms=200)
    sim.back(700)
    sim.run()
    assert sim.trace_digest() == straight.trace_digest()
    assert sim.checkpoints().to_json() == straight.checkpoints().to_json()


_SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
import flowlab
from checkpointing.jobs import env_with, keyed_sum
env = keyed_sum(env_with(2, interval=40, execution__checkpointing__dir="file://" + {tmp!r}), count=1500)
env.get_checkpoint_config().enable_unaligned_checkpoints()
sim = flowlab.Simulation(env)
sim.run()
print(sim.trace_digest())
"""


def test_the_trace_is_the_same_in_any_process(tmp_path) -> None:
    """Two processes with different hash seeds give the same digest for an unaligned checkpointed job."""
    tests = os.path.dirname(os.path.dirname(__file__))
    code = _SCRIPT.format(tests=tests, tmp=str(tmp_path))
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout.strip() for seed in ("1", "2")}
    assert len(digests) == 1 and len(digests.pop()) == 64
