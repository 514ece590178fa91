"""Same program + same seed = identical trace, across processes and PYTHONHASHSEED values."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import flowlab
from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import GeneratorSource

REPO = Path(__file__).resolve().parents[1]

PROGRAM = textwrap.dedent("""
    import flowlab
    from flowlab.common import Types, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.sources import GeneratorSource

    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(4)
    ds = env.from_source(GeneratorSource(lambda i: ("k%d" % (i % 7), i), count=200),
                         WatermarkStrategy.no_watermarks(), "Gen")
    (ds.shuffle().map(lambda t: t).rebalance().map(lambda t: t)
       .key_by(lambda t: t[0]).map(lambda t: (t[0], t[1] * 2)).print())
    sim = flowlab.Simulation(env, seed=int(SEED))
    sim.run()
    assert sim.job_status == "FINISHED", sim.failure
    print(sim.trace_digest())
""")


RECOVERY_PROGRAM = textwrap.dedent("""
    import flowlab
    from flowlab.common import Configuration, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.sources import GeneratorSource

    conf = Configuration()
    for k, v in {"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "3",
                 "restart-strategy.fixed-delay.delay": "5 ms", "minicluster.number-of-taskmanagers": "2",
                 "flowlab.cluster.taskmanager-replacement-delay": "40 ms"}.items():
        conf.set_string(k, v)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(4)
    env.enable_checkpointing(15)
    env.get_checkpoint_config().enable_unaligned_checkpoints()
    ds = env.from_source(GeneratorSource(lambda i: ("k%d" % (i % 7), i), count=400, records_per_second=4000),
                         WatermarkStrategy.no_watermarks(), "Gen")
    ds.shuffle().key_by(lambda t: t[0]).map(lambda t: (t[0], t[1] * 2)).set_processing_cost(0.2).print()
    sim = flowlab.Simulation(env, seed=int(SEED))
    sim.fail("Map", 1, at_ms=35)
    sim.kill_taskmanager("tm-2", at_ms=80)
    sim.run()
    assert sim.job_status == "FINISHED", sim.failure
    assert len(sim.snapshot()["recovery"]["restarts"]) == 2
    print(sim.trace_digest())
""")


def _digest_in_subprocess(hash_seed: str, seed: int = 0, program: str = PROGRAM) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    code = program.replace("SEED", str(seed))
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip().splitlines()[-1]


def _shuffle_job(seed: int) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(4)
    ds = env.from_source(GeneratorSource(count=100), WatermarkStrategy.no_watermarks(), "Gen")
    ds.shuffle().map(lambda v: v).key_by(lambda v: str(v % 5), key_type=Types.STRING()).map(lambda v: v).print()
    sim = flowlab.Simulation(env, seed=seed)
    sim.run()
    return sim


def test_digest_independent_of_pythonhashseed():
    """shuffle + rebalance + key_by at p=4, run in two processes with different PYTHONHASHSEED: same digest."""
    a = _digest_in_subprocess("1")
    b = _digest_in_subprocess("4242")
    assert len(a) >= 32
    assert a == b


def test_recovery_digest_independent_of_pythonhashseed():
    """A restart from an unaligned checkpoint and a lost TaskManager, in two processes: the same digest."""
    a = _digest_in_subprocess("3", program=RECOVERY_PROGRAM)
    b = _digest_in_subprocess("777", program=RECOVERY_PROGRAM)
    assert len(a) >= 32 and a == b


def test_different_seeds_give_different_digests_for_shuffle():
    """Seeds 0 and 1 route a shuffle differently, so the traces differ."""
    assert _shuffle_job(0).trace_digest() != _shuffle_job(1).trace_digest()


def test_two_simulations_in_one_process_agree():
    """Two Simulations of the same program and seed in one process: identical digest and outputs."""
    first, second = _shuffle_job(7), _shuffle_job(7)
    assert first.trace_digest() == second.trace_digest()
    assert first.printed_lines() == second.printed_lines()


def test_same_env_simulated_twice_agrees():
    """Simulation(env) twice from one environment gives the same digest."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(3)
    env.from_collection(list(range(50))).rebalance().map(lambda v: v).print()
    digests = []
    for _ in range(2):
        sim = flowlab.Simulation(env, seed=3)
        sim.run()
        digests.append(sim.trace_digest())
    assert digests[0] == digests[1]
