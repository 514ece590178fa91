"""FileSink: part files in-progress -> pending -> finished with Flink's names, rolling policies, commit on
checkpoints and at the end of input, what stays on disk without checkpoints, restore and time travel."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

import flowlab
from flowlab.common import Encoder, Types, WatermarkStrategy
from flowlab.datastream.connectors.file_system import (
    BucketAssigner,
    FileSink,
    FileSource,
    OutputFileConfig,
    RollingPolicy,
    StreamFormat,
)
from flowlab.datastream.connectors.number_seq import NumberSequenceSource
from flowlab.runtime import JobExecutionException
from flowlab.sources import GeneratorSource
from tests.connectors.helpers import env_with, files, finished, restored_from, run_to_checkpoint

U0 = "30bc7de7-faa8-4103-8ef1-84fe29e6fa5a"      # subtask 0's bucket uuid with seed 0 (from its seeded stream)
U1 = "4b07ed0e-ee9b-4711-b9cb-e54ace449f45"      # subtask 1's
IN0 = "c4a6ffa6-5845-4a6c-b183-3b74664a3bde"     # the in-progress suffix of subtask 0's first part file
HOUR = "1970-01-01--00"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"                          # the default bucket of the first virtual hour (UTC)


def _sink(path: Path, policy: RollingPolicy | None = None, **kw: object) -> FileSink:
    b = FileSink.for_row_format(str(path), Encoder.simple_string_encoder())
    if policy is not None:
        b = b.with_rolling_policy(policy)
    if "assigner" in kw:
        b = b.with_bucket_assigner(kw["assigner"])
    if "config" in kw:
        b = b.with_output_file_config(kw["config"])
    if "check" in kw:
        b = b.with_bucket_check_interval(kw["check"])
    return b.build()


def _events(env: object, rate: float = 100) -> object:
    """An unbounded stream of 'e0', 'e1', ... at ``rate`` per virtual second (one every 10 ms by default)."""
    return env.from_source(GeneratorSource(lambda i: f"e{i}", count=None, records_per_second=rate),
                           WatermarkStrategy.no_watermarks(), "gen", type_info=Types.STRING())


def test_bounded_job_without_checkpoints_commits_everything_at_the_end_of_input(tmp_path: Path) -> None:
    """Checkpointing off, bounded input: one finished part-<uuid>-0 per subtask holding all its records."""
    env = env_with(2)
    env.from_source(NumberSequenceSource(1, 6), WatermarkStrategy.no_watermarks(), "nums").sink_to(_sink(tmp_path))
    flowlab.Simulation(env).run()
    assert files(tmp_path) == {f"{HOUR}/part-{U0}-0": "1\n2\n3\n", f"{HOUR}/part-{U1}-0": "4\n5\n6\n"}


def test_unbounded_job_without_checkpoints_leaves_one_hidden_in_progress_file(tmp_path: Path) -> None:
    """Checkpointing off, unbounded: every record sits in the hidden in-progress file; a reader sees nothing."""
    env = env_with(1)
    _events(env).sink_to(_sink(tmp_path))
    sim = flowlab.Simulation(env)
    sim.run(until_ms=45)
    assert files(tmp_path) == {f"{HOUR}/.part-{U0}-0.inprogress.{IN0}": "e0\ne1\ne2\ne3\ne4\n"}
    assert finished(tmp_path) == {}


def test_cancel_without_checkpoints_keeps_the_in_progress_file(tmp_path: Path) -> None:
    """After cancel() the in-progress file stays as it was, still hidden (as observed on Flink)."""
    env = env_with(1)
    _events(env).sink_to(_sink(tmp_path))
    sim = flowlab.Simulation(env)
    sim.run(until_ms=25)
    sim.cancel()
    assert sim.job_status == "CANCELED"
    assert files(tmp_path) == {f"{HOUR}/.part-{U0}-0.inprogress.{IN0}": "e0\ne1\ne2\n"}


def test_on_checkpoint_rolling_gives_one_finished_file_per_checkpoint_with_data(tmp_path: Path) -> None:
    """Checkpoints every 20 ms with OnCheckpointRollingPolicy: part-<uuid>-0, -1, -2 finished, -3 in progress."""
    env = env_with(1, 20)
    _events(env).sink_to(_sink(tmp_path, RollingPolicy.on_checkpoint_rolling_policy()))
    sim = flowlab.Simulation(env)
    sim.run(until_ms=75)
    got = files(tmp_path)
    assert {p: t for p, t in got.items() if "inprogress" not in p} == {
        f"{HOUR}/part-{U0}-0": "e0\ne1\ne2\n", f"{HOUR}/part-{U0}-1": "e3\ne4\n", f"{HOUR}/part-{U0}-2": "e5\ne6\n"}
    assert [t for p, t in got.items() if os.path.basename(p).startswith(f".part-{U0}-3.inprogress.")] == ["e7\n"]


def test_a_rolled_file_is_pending_until_its_checkpoint_completes(tmp_path: Path) -> None:
    """Between the barrier (the file rolls) and the completion the part file is pending: hidden, not growing.
    (The sink's state holds paths, whose length would change the modelled snapshot and upload times: both are
    made negligible here.)"""
    env = env_with(1, 20, flowlab__checkpointing__sync___us___per___kb=0,
                   flowlab__checkpointing__upload___bandwidth="1000gb")
    _events(env).sink_to(_sink(tmp_path, RollingPolicy.on_checkpoint_rolling_policy()))
    sim = flowlab.Simulation(env)
    sim.break_on("part_file", action="pending")
    sim.run()
    assert sim.now_ms == 21.0                   # the trigger RPC (1 ms) reaches the chained source and sink
    assert finished(tmp_path) == {}
    sim.clear_breakpoints()
    sim.break_on("part_file", action="finished")
    sim.run()
    assert sim.now_ms == 23.001                 # completed at 22.001; the notification RPC takes 1 ms more
    assert list(sim.checkpoints()["latest_ack_ms"]) == [22.001]
    assert finished(tmp_path) == {f"{HOUR}/part-{U0}-0": "e0\ne1\ne2\n"}


def test_default_rolling_policy_keeps_one_in_progress_file_across_checkpoints(tmp_path: Path) -> None:
    """DefaultRollingPolicy (128 MB, 60 s): three checkpoints complete and nothing is finished."""
    env = env_with(1, 20)
    _events(env).sink_to(_sink(tmp_path))
    sim = flowlab.Simulation(env)
    sim.run(until_ms=75)
    assert list(sim.checkpoints()["status"]) == ["COMPLETED"] * 3
    assert files(tmp_path) == {f"{HOUR}/.part-{U0}-0.inprogress.{IN0}": "e0\ne1\ne2\ne3\ne4\ne5\ne6\ne7\n"}


def test_part_size_rolls_before_the_record_that_finds_the_file_too_big(tmp_path: Path) -> None:
    """part_size=5: a file rolls when it already holds more than 5 bytes; the next record opens part n+1."""
    env = env_with(1)
    (env.from_source(NumberSequenceSource(1, 9), WatermarkStrategy.no_watermarks(), "nums")
        .sink_to(_sink(tmp_path, RollingPolicy.default_rolling_policy(part_size=5),
                       assigner=BucketAssigner.base_path_bucket_assigner())))
    flowlab.Simulation(env).run()
    assert files(tmp_path) == {f"part-{U0}-0": "1\n2\n3\n", f"part-{U0}-1": "4\n5\n6\n", f"part-{U0}-2": "7\n8\n9\n"}


def test_inactivity_rolls_a_part_file_at_the_bucket_check(tmp_path: Path) -> None:
    """inactivity_interval=15 ms, bucket checks every 10 ms: a file last written at 0 ms rolls at the check at 20."""
    env = env_with(1, 100)
    src = env.from_source(NumberSequenceSource(1, 1), WatermarkStrategy.no_watermarks(), "one")
    src.union(_events(env, rate=10).map(lambda s: 0, output_type=Types.LONG()).filter(lambda x: False)).sink_to(
        _sink(tmp_path, RollingPolicy.default_rolling_policy(rollover_interval=1000, inactivity_interval=15),
              assigner=BucketAssigner.base_path_bucket_assigner(), check=10))
    sim = flowlab.Simulation(env)
    sim.break_on("part_file", action="pending")
    sim.run()
    assert sim.now_ms == 20.0
    assert "rolled (time)" in sim.last_events[-1].detail
    sim.clear_breakpoints()
    sim.run(until_ms=150)
    assert [re.sub(UUID, "<uuid>", p) for p in files(tmp_path)] == ["part-<uuid>-0"]
    assert list(files(tmp_path).values()) == ["1\n"]


def test_output_file_config_sets_prefix_and_suffix(tmp_path: Path) -> None:
    """OutputFileConfig('data', '.txt'): data-<uuid>-0.txt, in progress as .data-<uuid>-0.txt.inprogress.<uuid>."""
    config = OutputFileConfig.builder().with_part_prefix("data").with_part_suffix(".txt").build()
    env = env_with(1)
    _events(env).sink_to(_sink(tmp_path, assigner=BucketAssigner.base_path_bucket_assigner(), config=config))
    flowlab.Simulation(env).run(until_ms=5)
    assert files(tmp_path) == {f".data-{U0}-0.txt.inprogress.{IN0}": "e0\n"}
    assert (config.get_part_prefix(), config.get_part_suffix()) == ("data", ".txt")


def test_date_time_buckets_follow_virtual_processing_time(tmp_path: Path) -> None:
    """A minute-pattern bucket assigner opens a new bucket directory when virtual time crosses a minute."""
    env = env_with(1)
    _events(env, rate=1 / 30).sink_to(
        _sink(tmp_path, assigner=BucketAssigner.date_time_bucket_assigner("yyyy-MM-dd--HH-mm")))
    flowlab.Simulation(env).run(until_ms=95_000)
    got = files(tmp_path)
    assert [p.split(os.sep)[0] for p in got] == ["1970-01-01--00-00", "1970-01-01--00-01"]
    assert list(got.values()) == ["e0\ne1\n", "e2\ne3\n"]


def test_typed_records_are_written_as_their_java_strings(tmp_path: Path) -> None:
    """A Types.TUPLE stream is written as Java's Tuple2.toString(): (a,1)."""
    env = env_with(1)
    (env.from_collection([("a", 1), ("b", 2)], type_info=Types.TUPLE([Types.STRING(), Types.INT()]))
        .sink_to(_sink(tmp_path, assigner=BucketAssigner.base_path_bucket_assigner())))
    flowlab.Simulation(env).run()
    assert list(files(tmp_path).values()) == ["(a,1)\n(b,2)\n"]


def test_a_stream_without_a_type_is_refused_with_the_pyflink_reason(tmp_path: Path) -> None:
    """No output_type: PyFlink would hand the encoder pickled bytes; the job fails saying how to declare it."""
    env = env_with(1)
    env.from_collection(["a"]).map(lambda s: s.upper()).sink_to(_sink(tmp_path))
    with pytest.raises(JobExecutionException) as err:
        env.execute()
    assert ("TypeError: FileSink with Encoder.simple_string_encoder() needs a stream of a declared type, but the "
            "stream feeding 'Sink: FileSink' has none. In PyFlink its records would reach the Java encoder as "
            "pickled bytes (the file would hold lines like '[B@6d06d69c' instead of your values). Declare the "
            "type where the stream is made, e.g. .map(str, output_type=Types.STRING())") in str(err.value)


def test_a_file_source_reading_the_output_sees_finished_files_only(tmp_path: Path) -> None:
    """FileSource skips hidden files: of a finished part file and an in-progress one it reads the finished."""
    out = tmp_path / "out"
    env = env_with(1, 20)
    _events(env).sink_to(_sink(out, RollingPolicy.on_checkpoint_rolling_policy(),
                               assigner=BucketAssigner.base_path_bucket_assigner()))
    flowlab.Simulation(env).run(until_ms=30)
    assert len(files(out)) == 2
    env2 = env_with(1)
    source = FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(out)).build()
    got = env2.from_source(source, WatermarkStrategy.no_watermarks(), "files").execute_and_collect()
    assert list(got) == ["e0", "e1", "e2"]


def _restorable_job(path: Path) -> object:
    env = env_with(1, 20)
    (env.from_source(NumberSequenceSource(1, 40), WatermarkStrategy.no_watermarks(), "nums")
        .map(lambda x: x, output_type=Types.LONG()).set_processing_cost(1)
        .sink_to(_sink(path, RollingPolicy.default_rolling_policy(part_size=10),
                       assigner=BucketAssigner.base_path_bucket_assigner())))
    return env


def test_checkpoint_holds_the_in_progress_file_and_the_pending_committables(tmp_path: Path) -> None:
    """Checkpoint 1's sink state: the in-progress file with its length then, and four pending part files."""
    checkpoint = run_to_checkpoint(flowlab.Simulation(_restorable_job(tmp_path)), 1)
    (sink,) = [o for o in checkpoint["operators"].values() if o["name"] == "Sink: FileSink"]
    state = sink["subtasks"][0]["state"]["operator"]
    (bucket,) = state["writer"]
    assert bucket["bucket_id"] == "" and bucket["bucket_path"] == str(tmp_path)
    part = bucket["in_progress"]
    assert (os.path.basename(part["target"]), part["size"], part["creation_time"]) == (
        "part-1c105514-7a81-4bc9-a2ed-5d4ceb7217f5-4", 6, 19)
    ((n, committables),) = state["committables"]
    assert n == 1
    assert [(os.path.basename(c["target"]), c["size"]) for c in committables] == [
        (f"part-1c105514-7a81-4bc9-a2ed-5d4ceb7217f5-{k}", 12) for k in range(4)]


def test_restore_commits_pending_files_and_cuts_the_in_progress_file_back(tmp_path: Path) -> None:
    """A new run restored from checkpoint 1 (taken before the commit reached the sink) commits its pending
    files at once and cuts the in-progress file back to 6 bytes; in the end every number is in one finished
    file exactly once."""
    crashed = flowlab.Simulation(_restorable_job(tmp_path))
    checkpoint = run_to_checkpoint(crashed, 1)
    assert finished(tmp_path) == {}
    crashed.run(until_ms=22.03)                # a few more records go into the in-progress file, then "crash"
    prefix = "part-1c105514-7a81-4bc9-a2ed-5d4ceb7217f5"
    temp = [p for p in files(tmp_path) if p.startswith(f".{prefix}-4.")][0]
    assert files(tmp_path)[temp] == "20\n21\n22\n23\n"
    with restored_from(checkpoint):
        sim = flowlab.Simulation(_restorable_job(tmp_path))
        sim.step(9)                             # deployed and opened (INITIALIZING); no record yet
    trace = sim.trace
    assert list(trace[trace.kind == "part_file"].detail)[:2] == [
        f"Sink: FileSink: in-progress part file {temp} restored: cut back to 6 bytes (its length at the checkpoint)",
        f"Sink: FileSink: .{prefix}-0.inprogress.c8f23f6d-4d06-4907-8786-817986de5c81 "
        f"committed (restored from checkpoint 1): finished as {prefix}-0"]
    assert sorted(finished(tmp_path)) == [f"{prefix}-{k}" for k in range(4)]
    assert files(tmp_path)[temp] == "20\n21\n"
    sim.run()
    numbers = sorted(int(x) for text in finished(tmp_path).values() for x in text.split())
    assert numbers == list(range(1, 41))


def test_time_travel_rewinds_the_files_on_disk(tmp_path: Path) -> None:
    """goto(n) makes the directory exactly what it was after step n, files created later included; replaying
    forward recreates them byte for byte."""
    env = env_with(1, 20)
    _events(env).sink_to(_sink(tmp_path, RollingPolicy.on_checkpoint_rolling_policy()))
    sim = flowlab.Simulation(env, snapshot_interval=5)
    seen = {}
    while sim.now_ms < 70:
        sim.step()
        seen[sim.step_count] = files(tmp_path)
    for step in (sim.step_count // 2, 3, sim.step_count - 1, 0, sim.step_count):
        sim.goto(step)
        assert files(tmp_path) == seen.get(step, {}), step


def test_the_snapshot_section_lists_part_files_with_their_states(tmp_path: Path) -> None:
    """snapshot()["file_sinks"]: finished, pending and in-progress files of the sink, with bytes and lines."""
    env = env_with(1, 20)
    _events(env).sink_to(_sink(tmp_path, RollingPolicy.on_checkpoint_rolling_policy(),
                               assigner=BucketAssigner.base_path_bucket_assigner()))
    sim = flowlab.Simulation(env)
    sim.run(until_ms=41.5)                       # checkpoint 2 rolled part 1 (pending); part 0 is finished
    (sink,) = sim.snapshot()["file_sinks"]
    assert (sink["name"], sink["base_path"]) == ("Sink: FileSink", str(tmp_path))
    rows = [(os.path.basename(f["path"])[:len(f".part-{U0}-1")], f["state"], f["bytes"], f["lines"])
            for f in sink["files"]]
    assert rows == [(f".part-{U0}-1", "pending", 6, 2), (f"part-{U0}-0", "finished", 9, 3)]
    sim.run(until_ms=50.5)
    (sink,) = sim.snapshot()["file_sinks"]
    assert [f["state"] for f in sink["files"]] == ["in-progress", "finished", "finished"]


def test_files_of_a_failed_attempt_are_left_behind(tmp_path: Path) -> None:
    """After a restore, the in-progress files the crashed run opened after the checkpoint are "left behind"."""
    crashed = flowlab.Simulation(_restorable_job(tmp_path))
    checkpoint = run_to_checkpoint(crashed, 1)
    crashed.run(until_ms=30)
    with restored_from(checkpoint):
        sim = flowlab.Simulation(_restorable_job(tmp_path))
        sim.run(until_ms=2)
    (sink,) = sim.snapshot()["file_sinks"]
    states = [f["state"] for f in sink["files"]]
    assert states.count("left behind") == 2 and states.count("in-progress") == 1 and "pending" not in states
