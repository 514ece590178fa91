"""A BATCH run (sorting, per-key timers, a lost TaskManager and its restart) is the same in any process."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PROGRAM = textwrap.dedent("""
    import flowlab
    from flowlab.common import Configuration, Time, WatermarkStrategy
    from flowlab.datastream import RuntimeExecutionMode, StreamExecutionEnvironment
    from flowlab.datastream.window import TumblingEventTimeWindows
    from flowlab.sources import ScriptedSource

    conf = Configuration.from_dict({"minicluster.number-of-taskmanagers": "2",
                                    "restart-strategy.type": "fixed-delay"})
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    env.set_parallelism(2)
    rows = [(i // 10, (("k%d" % (i % 7), i % 3), 1), (i * 37) % 500) for i in range(400)]
    (env.from_source(ScriptedSource(rows), WatermarkStrategy.for_monotonous_timestamps(), "events")
        .rebalance().map(lambda t: t).key_by(lambda t: t[0])
        .window(TumblingEventTimeWindows.of(Time.milliseconds(50))).reduce(lambda a, b: (a[0], a[1] + b[1]))
        .print())
    sim = flowlab.Simulation(env)
    sim.kill_taskmanager("tm-2", at_ms=20)
    sim.run()
    assert sim.job_status == "FINISHED", sim.failure
    assert sim.snapshot()["batch"]["restarts"] == 1
    print(sim.trace_digest())
""")


def _digest(hash_seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    out = subprocess.run([sys.executable, "-c", PROGRAM], cwd=REPO, env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip().splitlines()[-1]


def test_a_batch_digest_does_not_depend_on_pythonhashseed() -> None:
    """Tuple keys, sorted inputs and a failover, in two processes with different PYTHONHASHSEED: one digest."""
    a, b = _digest("3"), _digest("987")
    assert len(a) >= 32 and a == b
