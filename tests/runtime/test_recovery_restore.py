"""What a restart restores: the latest completed checkpoint (keyed state, source positions, in-flight data of an
unaligned checkpoint), from scratch without one; sources that rewind and one that does not (from_collection)."""
from __future__ import annotations

from collections import Counter
from typing import Any

import flowlab
from flowlab.common import Types, WatermarkStrategy
from flowlab.sources import ScriptedSource
from tests.runtime.recovery_jobs import FIXED, env_with, paced, phases

# 40 letters: the first 25 hold 8 a, 10 b, 7 c; all 40 hold 14 a, 15 b, 11 c
LETTERS = list("abcbaacbbbcbabccaabcbabcaabaacbcbaaacbbc")


def _final_counts(sim: flowlab.Simulation) -> dict[str, int]:
    """The last running count printed per key."""
    final: dict[str, int] = {}
    for line in sim.printed_lines():
        key, n = eval(line.split("> ")[-1])
        final[key] = n
    return dict(sorted(final.items()))


def _letter_counts(replayable: bool, fail: bool = True) -> flowlab.Simulation:
    """Count letters (1 ms each); checkpoint 1 at 24 ms covers the first 25; the map fails at 35 ms."""
    env = env_with(1, interval=24, **FIXED)
    if replayable:
        src = env.from_source(ScriptedSource([(0, x) for x in LETTERS]), WatermarkStrategy.no_watermarks(), "letters")
    else:
        src = env.from_collection(LETTERS, Types.STRING())
    src.map(lambda k: (k, 1)).set_processing_cost(1).key_by(lambda t: t[0]).sum(1).print()
    sim = flowlab.Simulation(env)
    if fail:
        sim.fail("Map", 0, at_ms=35)
    sim.run()
    return sim


def test_from_collection_is_not_replayable_and_counts_too_high() -> None:
    """PyFlink's from_collection keeps no position: after the restore of checkpoint 1 (25 letters counted) it emits
    all 40 again, so the counts are 25 too high in total — a=22, b=25, c=18 instead of 14, 15, 11 (as observed in
    Flink)."""
    assert LETTERS[:25].count("a") == 8 and LETTERS.count("a") == 14
    assert _final_counts(_letter_counts(False, fail=False)) == {"a": 14, "b": 15, "c": 11}
    sim = _letter_counts(False)
    assert sim.job_status == "FINISHED"
    assert sim.runtime.jobmaster.recovery.restarts[0]["restored_checkpoint"] == 1
    assert _final_counts(sim) == {"a": 22, "b": 25, "c": 18}
    # every letter the first attempt had emitted (35) comes again, flagged as a replay
    assert sim.runtime.jobmaster.recovery.replayed_records() == {"Source: Collection Source -> Map": 35}


def test_a_replayable_source_rewinds_to_its_checkpointed_position() -> None:
    """The same job reading a ScriptedSource: it goes on from letter 26, counts are exact."""
    sim = _letter_counts(True)
    assert _final_counts(sim) == {"a": 14, "b": 15, "c": 11}
    replays = [e.data["position"] for e in sim.events() if e.kind == "source_emit" and e.data.get("replay")]
    assert replays == list(range(26, 36))            # read by attempt 0 after the checkpoint, again by attempt 1


def test_print_shows_the_records_since_the_checkpoint_twice_with_the_same_counts() -> None:
    """State is exactly-once, print is not: the records between checkpoint 1 (at 24 ms) and the failure are printed
    again, each with the running count it had the first time."""
    env = env_with(1, interval=24, **FIXED)
    (env.from_source(paced(40, 1), WatermarkStrategy.no_watermarks(), "n").map(lambda x: (x % 3, 1))
        .key_by(lambda t: t[0]).sum(1).print())
    sim = flowlab.Simulation(env)
    sim.fail("Map", 0, at_ms=35.5)
    sim.run()
    lines = sim.printed_lines()
    twice = sorted(line for line, n in Counter(lines).items() if n > 1)
    assert (len(lines), twice) == (51, ["(0, 10)", "(0, 11)", "(0, 12)", "(1, 10)", "(1, 11)", "(1, 12)", "(1, 9)",
                                        "(2, 10)", "(2, 11)", "(2, 12)", "(2, 9)"])
    assert sim.runtime.jobmaster.recovery.replayed_records() == {"Source: n -> Map": 11}


def _unaligned(fail: bool) -> flowlab.Simulation:
    env = env_with(2, interval=20, **FIXED, **{"execution.checkpointing.unaligned.enabled": "true",
                                               "flowlab.network.latency-ms": "2"})
    (env.from_source(paced(300, 1, splits=2), WatermarkStrategy.no_watermarks(), "n").map(lambda x: (x % 5, 1))
        .key_by(lambda t: t[0]).map(lambda t: t).set_processing_cost(3).key_by(lambda t: t[0]).sum(1).print())
    sim = flowlab.Simulation(env)
    if fail:
        sim.fail("Map", 0, at_ms=150)
    sim.run()
    return sim


def _max_counts(sim: flowlab.Simulation) -> dict[Any, int]:
    out: dict[Any, int] = {}
    for line in sim.printed_lines():
        k, v = eval(line.split("> ")[-1])
        out[k] = max(out.get(k, 0), v)
    return out


def test_an_unaligned_checkpoint_gives_back_its_in_flight_data_first() -> None:
    """Back-pressured, unaligned: checkpoint 7 holds records in flight; after the restore they are processed before
    any new input, and the counts equal the run without the failure."""
    sim = _unaligned(True)
    assert sim.job_status == "FINISHED"
    assert _max_counts(sim) == _max_counts(_unaligned(False)) == {k: 120 for k in range(5)}
    replayed = [(e.vertex, e.subtask, e.detail) for e in sim.events()
                if e.kind == "state_restored" and e.data.get("in_flight_records")]
    assert replayed == [("v2", 0, "replays 122 in-flight record(s) of the unaligned checkpoint before any new input"),
                        ("v2", 1, "replays 67 in-flight record(s) of the unaligned checkpoint before any new input")]


def test_a_subtask_finished_before_the_checkpoint_is_deployed_as_finished() -> None:
    """Source subtask 1 (two records) finished at 16 ms; restored from checkpoint 3 it only ends its output, and
    nothing is lost."""
    env = env_with(2, interval=10, **FIXED)
    src = ScriptedSource(partitions=[[(i, i) for i in range(60)], [(0, 100), (1, 101)]])
    (env.from_source(src, WatermarkStrategy.no_watermarks(), "n").key_by(lambda x: x % 2).map(lambda x: x)
        .name("slow").set_processing_cost(1).print())
    sim = flowlab.Simulation(env)
    sim.fail("slow", 0, at_ms=45)
    sim.run()
    assert sim.job_status == "FINISHED" and sim.runtime.jobmaster.recovery.restarts[0]["restored_checkpoint"] == 3
    finished = [(e.time_ms, e.detail) for e in sim.events() if e.kind == "state_restored" and e.vertex == "v1"
                and e.subtask == 1]
    assert finished == [(56.0, "was finished when the checkpoint was taken: deployed as finished, it only ends its "
                               "output")]
    assert {int(x.split("> ")[-1]) for x in sim.printed_lines()} == set(range(60)) | {100, 101}


def test_without_checkpoints_state_starts_empty() -> None:
    """No checkpointing (a fixed-delay strategy set): the restart starts from scratch; from_collection's letters are
    all counted again, but from 0: the final counts are right."""
    env = env_with(1, **FIXED)
    env.from_collection(LETTERS, Types.STRING()).map(lambda k: (k, 1)).set_processing_cost(1) \
        .key_by(lambda t: t[0]).sum(1).print()
    sim = flowlab.Simulation(env)
    sim.fail("Map", 0, at_ms=35)
    sim.run()
    assert phases(sim)[3] == (46.0, "restoring", 1)
    assert _final_counts(sim) == {"a": 14, "b": 15, "c": 11}
    restoring = next(e for e in sim.events() if e.kind == "recovery" and e.data["phase"] == "restoring")
    assert restoring.data["checkpoint_id"] is None


def test_before_its_first_checkpoint_a_restored_job_restarts_from_its_savepoint(tmp_path: Any) -> None:
    """A job started from a savepoint restarts from that savepoint while no checkpoint has completed since."""
    def job(**conf: str) -> Any:
        env = env_with(1, interval=1000, **FIXED, **conf)
        (env.from_source(ScriptedSource([(i, x) for i, x in enumerate(LETTERS)]), WatermarkStrategy.no_watermarks(),
                         "letters").uid("letters").map(lambda k: (k, 1)).uid("pairs").key_by(lambda t: t[0])
            .sum(1).uid("count").print())
        return env
    first = flowlab.Simulation(job())
    first.run(until_ms=24.5)
    path = first.stop_with_savepoint(savepoint_directory=str(tmp_path))
    sim = flowlab.Simulation(job(**{"execution.state-recovery.path": path}))
    sim.fail("Map", 0, at_ms=30)
    sim.run()
    restart = sim.runtime.jobmaster.recovery.restarts[0]
    saved = sim.runtime.jobmaster.restored_from[0].checkpoint_id
    assert restart["restored_checkpoint"] == saved == 1
    assert sim.checkpoints().trigger_time_ms.tolist() == [1041.0]          # the first checkpoint comes later
    assert _final_counts(sim) == {"a": 14, "b": 15, "c": 11}
