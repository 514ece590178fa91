"""FileSource: text lines of real files, the enumerator on the JobMaster handing out one file per request,
monitoring a directory on virtual time, the split/position and processed-path state, restore, time travel."""
from __future__ import annotations

from pathlib import Path

import pytest

import flowlab
from flowlab.common import Duration, Types, WatermarkStrategy
from flowlab.datastream.connectors.file_system import FileSource, StreamFormat
from flowlab.runtime import JobExecutionException
from flowlab.runtime.simulation.simulation import JobNotBoundedError
from tests.connectors.helpers import env_with, restored_from, run_to_checkpoint


def _source(path: Path, interval_ms: int | None = None) -> FileSource:
    b = FileSource.for_record_stream_format(StreamFormat.text_line_format(), str(path))
    if interval_ms is not None:
        b = b.monitor_continuously(Duration.of_millis(interval_ms))
    return b.build()


def _job(path: Path, parallelism: int = 1, interval: int | None = None, monitor_ms: int | None = None,
         cost: float | None = None) -> object:
    env = env_with(parallelism, interval)
    ds = env.from_source(_source(path, monitor_ms), WatermarkStrategy.no_watermarks(), "files")
    if cost is not None:
        ds = ds.map(lambda s: s, output_type=Types.STRING()).set_processing_cost(cost)
    ds.print()
    return env


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text("a1\na2\r\na3")          # \r\n ends a line too; a last line without end counts
    (tmp_path / "b.txt").write_text("b1\n\nb3\n")            # an empty line is a record; a final \n is not
    (tmp_path / ".hidden").write_text("h\n")                 # hidden: skipped
    (tmp_path / "_tmp").write_text("t\n")                    # hidden: skipped
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.txt").write_text("c1\n")          # directories are read recursively
    (tmp_path / "empty.txt").write_text("")
    return tmp_path


def test_bounded_source_reads_every_visible_file_line_by_line(folder: Path) -> None:
    """Parallelism 1: the files in path order, lines split at \\n, \\r\\n and \\r; hidden files skipped; then it ends."""
    env = env_with(1)
    got = env.from_source(_source(folder), WatermarkStrategy.no_watermarks(), "files").execute_and_collect()
    assert list(got) == ["a1", "a2", "a3", "b1", "", "b3", "c1"]


def test_the_stream_is_typed_string() -> None:
    """from_source takes the format's type, Types.STRING()."""
    env = env_with(1)
    ds = env.from_source(_source(Path("/tmp")), WatermarkStrategy.no_watermarks(), "files")
    assert ds.get_type() == Types.STRING()


def test_readers_ask_the_enumerator_for_one_file_at_a_time(folder: Path) -> None:
    """Two readers: each request and each answer take the RPC latency (1 ms); a reader asks again when its file
    is read; with none left it is told there are no more splits."""
    sim = flowlab.Simulation(_job(folder, parallelism=2))
    sim.run()
    t = sim.trace
    rows = [(e.time_ms, e.subtask, e.detail) for e in t[t.kind == "split_assigned"].itertuples()]
    assert rows == [
        (1.0, 0, "Source: files: enumerator assigns split 0000000001 (a.txt) to subtask 0"),
        (1.0, 1, "Source: files: enumerator assigns split 0000000002 (b.txt) to subtask 1"),
        (3.004, 0, "Source: files: enumerator assigns split 0000000003 (empty.txt) to subtask 0"),
        (3.004, 1, "Source: files: enumerator assigns split 0000000004 (c.txt) to subtask 1"),
        (5.004, 0, "Source: files: no more splits for subtask 0; it ends when its splits are read"),
        (5.004, 1, "Source: files: no more splits for subtask 1; it ends when its splits are read")]
    assert sim.printed_lines() == ["1> a1", "2> b1", "1> a2", "2> ", "1> a3", "2> b3", "2> c1"]


def test_a_missing_path_fails_the_job_when_it_starts(tmp_path: Path) -> None:
    """The enumerator lists the paths when the job starts; a path that does not exist fails it."""
    with pytest.raises(JobExecutionException) as err:
        _job(tmp_path / "nope").execute()
    assert (f"FileNotFoundError: File {tmp_path / 'nope'} does not exist or the user running Flink has "
            "insufficient permissions to access it.") in str(err.value)


def test_another_file_system_is_refused() -> None:
    """flowlab reads local files only."""
    with pytest.raises(ValueError) as err:
        FileSource.for_record_stream_format(StreamFormat.text_line_format(), "s3://bucket/in")
    assert str(err.value) == ("FileSource: 's3://bucket/in' is on a 's3' file system; flowlab reads and writes local "
                              "files only (a path such as '/tmp/in' or 'file:///tmp/in')")


def test_monitoring_source_is_unbounded(tmp_path: Path) -> None:
    """monitor_continuously makes the source unbounded: execute() refuses to run it to an end that never comes."""
    with pytest.raises(JobNotBoundedError):
        _job(tmp_path, monitor_ms=100).execute()


def test_monitoring_finds_new_files_at_each_discovery_interval(tmp_path: Path) -> None:
    """The first scan is one interval after the start; a file written while the run is paused at 150 ms is
    found by the scan at 200 ms and read 1 ms later (the assignment RPC; each line costs its 2 µs)."""
    (tmp_path / "1.txt").write_text("x\n")
    sim = flowlab.Simulation(_job(tmp_path, monitor_ms=100))
    sim.run(until_ms=150)
    assert sim.printed_lines() == ["x"]
    (tmp_path / "2.txt").write_text("y\nz\n")
    sim.run(until_ms=260)
    t = sim.trace
    scans = [(e.time_ms, e.detail) for e in t[t.kind == "split_assigned"].itertuples() if "scan" in e.detail]
    assert scans == [(100.0, "Source: files: directory scan found 1 new file(s): 1.txt"),
                     (200.0, "Source: files: directory scan found 1 new file(s): 2.txt")]
    emits = [(e.time_ms, e.detail) for e in t[t.kind == "source_emit"].itertuples()]
    assert emits == [(101.0, "'x'"), (201.0, "'y'"), (201.002, "'z'")]


def test_the_enumerator_checkpoints_pending_splits_and_processed_paths(tmp_path: Path) -> None:
    """Monitoring: the coordinator's state in a checkpoint lists every path seen; the reader's lists its splits."""
    (tmp_path / "1.txt").write_text("x\n")
    checkpoint = run_to_checkpoint(flowlab.Simulation(_job(tmp_path, interval=150, monitor_ms=100)), 1)
    (source,) = [o for o in checkpoint["operators"].values() if o["name"] == "Source: files"]
    assert source["coordinator"] == {"enumerator": {"pending_splits": [], "next_split_id": 1,
                                                    "processed_paths": [str(tmp_path / "1.txt")]}}
    assert source["subtasks"][0]["state"]["operator"] == {"position": 1, "splits": []}


def test_a_reader_checkpoints_its_split_with_the_lines_emitted(tmp_path: Path) -> None:
    """Mid-file, the reader's split carries Flink's CheckpointedPosition: no offset (-1), lines emitted."""
    (tmp_path / "a.txt").write_text("".join(f"line {i}\n" for i in range(50)))
    checkpoint = run_to_checkpoint(flowlab.Simulation(_job(tmp_path, interval=10, cost=0.5)), 1)
    (source,) = [o for o in checkpoint["operators"].values() if o["name"] == "Source: files"]
    assert source["coordinator"] == {"enumerator": {"pending_splits": [], "next_split_id": 1}}
    assert source["subtasks"][0]["state"]["operator"] == {"position": 18, "splits": [
        {"id": "0000000001", "path": str(tmp_path / "a.txt"), "offset": 0, "length": 390,
         "reader_position": {"offset": -1, "records_after_offset": 18}}]}


def test_a_restored_source_skips_the_lines_it_had_emitted(tmp_path: Path) -> None:
    """A new run restored from checkpoint 1 re-reads the file, skips 18 lines, and reads the file it had not
    been assigned yet (the enumerator's pending split) — each line once."""
    (tmp_path / "a.txt").write_text("".join(f"a{i}\n" for i in range(30)))
    (tmp_path / "b.txt").write_text("b0\nb1\n")
    checkpoint = run_to_checkpoint(flowlab.Simulation(_job(tmp_path, interval=10, cost=0.5)), 1)
    (source,) = [o for o in checkpoint["operators"].values() if o["name"] == "Source: files"]
    assert [s["id"] for s in source["coordinator"]["enumerator"]["pending_splits"]] == ["0000000002"]
    with restored_from(checkpoint):
        sim = flowlab.Simulation(_job(tmp_path, interval=10, cost=0.5))
        sim.run()
    assert sim.printed_lines() == [f"a{i}" for i in range(18, 30)] + ["b0", "b1"]


def test_a_restored_monitoring_source_does_not_read_processed_files_again(tmp_path: Path) -> None:
    """The processed paths come back with the enumerator: after the restore only a new file is read."""
    (tmp_path / "1.txt").write_text("x\n")
    checkpoint = run_to_checkpoint(flowlab.Simulation(_job(tmp_path, interval=150, monitor_ms=100)), 1)
    (tmp_path / "2.txt").write_text("y\n")
    with restored_from(checkpoint):
        sim = flowlab.Simulation(_job(tmp_path, interval=150, monitor_ms=100))
        sim.run(until_ms=150)
    assert sim.printed_lines() == ["y"]


def test_going_back_replays_the_listing_the_run_saw_first(tmp_path: Path) -> None:
    """A file added after the scan at 100 ms is not seen when the run goes back before that scan and replays it:
    the run keeps what it listed (the later scan at 200 ms finds it)."""
    (tmp_path / "1.txt").write_text("x\n")
    sim = flowlab.Simulation(_job(tmp_path, monitor_ms=100))
    sim.run(until_ms=150)
    (tmp_path / "2.txt").write_text("y\n")
    sim.goto(3)
    sim.run(until_ms=150)
    assert sim.printed_lines() == ["x"]
    sim.run(until_ms=250)
    assert sim.printed_lines() == ["x", "y"]
