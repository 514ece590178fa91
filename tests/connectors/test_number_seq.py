"""NumberSequenceSource: Flink's split of the range over the readers, LONG records, the position in checkpoints
and a restored reader going on from it."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Types, WatermarkStrategy
from flowlab.datastream.connectors.number_seq import NumberSequenceSource, split_number_range
from tests.connectors.helpers import env_with, restored_from, run_to_checkpoint


def _numbers(env: object, start: int, end: int) -> object:
    return env.from_source(NumberSequenceSource(start, end), WatermarkStrategy.no_watermarks(), "nums")


def test_parallelism_one_emits_the_range_in_order() -> None:
    """With one reader the numbers come in order, both ends included."""
    env = env_with(1)
    assert list(_numbers(env, -2, 3).execute_and_collect()) == [-2, -1, 0, 1, 2, 3]


def test_the_stream_is_typed_long_as_in_pyflink() -> None:
    """from_source takes the source's produced type, Types.LONG(), when none is given."""
    env = env_with(1)
    assert _numbers(env, 1, 2).get_type() == Types.LONG()


def test_the_range_is_split_like_flinks_number_sequence_iterator() -> None:
    """10 numbers over 3 readers: the first 10 % 3 sub-ranges hold one more; ids start at "1"."""
    assert split_number_range(1, 10, 3) == [("1", 1, 4), ("2", 5, 7), ("3", 8, 10)]
    assert split_number_range(5, 6, 4) == [("1", 5, 5), ("2", 6, 6), ("3", 7, 6), ("4", 7, 6)]


def test_each_subtask_reads_its_own_sub_range() -> None:
    """Parallelism 3: subtask i prints split i's numbers, each in order."""
    env = env_with(3)
    _numbers(env, 1, 10).print()
    sim = flowlab.Simulation(env)
    sim.run()
    by_subtask = {s: [int(line.split("> ")[1]) for line in sim.printed_lines() if line.startswith(f"{s}>")]
                  for s in (1, 2, 3)}
    assert by_subtask == {1: [1, 2, 3, 4], 2: [5, 6, 7], 3: [8, 9, 10]}


def test_a_reader_with_an_empty_sub_range_ends_at_once() -> None:
    """Two numbers over four readers: two readers emit one number each, the other two nothing."""
    env = env_with(4)
    assert sorted(_numbers(env, 5, 6).execute_and_collect()) == [5, 6]


def test_the_checkpoint_holds_each_readers_next_number() -> None:
    """Checkpoint 1 holds, per subtask, its split with the next number to emit (Flink's NumberSequenceSplit)."""
    env = env_with(2, 10)
    _numbers(env, 1, 100).map(lambda x: x, output_type=Types.LONG()).set_processing_cost(0.5).print()
    checkpoint = run_to_checkpoint(flowlab.Simulation(env), 1)
    (source,) = [o for o in checkpoint["operators"].values() if o["name"] == "Source: nums"]
    assert [source["subtasks"][i]["state"]["operator"] for i in (0, 1)] == [
        {"position": 22, "splits": [{"id": "1", "from": 23, "to": 50}]},
        {"position": 22, "splits": [{"id": "2", "from": 73, "to": 100}]}]


def test_a_restored_reader_goes_on_from_its_checkpointed_number() -> None:
    """A new run restored from checkpoint 1 emits exactly the numbers after the checkpointed positions."""
    def job() -> object:
        env = env_with(2, 10)
        _numbers(env, 1, 100).map(lambda x: x, output_type=Types.LONG()).set_processing_cost(0.5).print()
        return env
    checkpoint = run_to_checkpoint(flowlab.Simulation(job()), 1)
    with restored_from(checkpoint):
        sim = flowlab.Simulation(job())
        sim.run()
    got = sorted(int(line.split("> ")[1]) for line in sim.printed_lines())
    assert got == list(range(23, 51)) + list(range(73, 101))


@pytest.mark.parametrize(("start", "end", "message"), [
    (5, 4, "NumberSequenceSource: 'from' must be <= 'to' (got start=5, end=4); the range includes both ends"),
    (1.5, 4, "NumberSequenceSource: start must be an int in Java's long range, got 1.5"),
    (0, 2 ** 63, "NumberSequenceSource: end must be an int in Java's long range, got 9223372036854775808"),
])
def test_bad_ranges_are_refused(start: object, end: object, message: str) -> None:
    """A reversed range or a bound that is not a Java long fails when the source is made."""
    with pytest.raises((ValueError, TypeError)) as err:
        NumberSequenceSource(start, end)
    assert str(err.value) == message
