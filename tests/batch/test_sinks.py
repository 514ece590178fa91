"""Sinks in BATCH: a transactional sink commits at the end of the input (no checkpoint is taken)."""
from __future__ import annotations

import os
import tempfile

import pytest

import flowlab
from flowlab.common import Types
from tests.batch.jobs import env_in, kinds

file_system = pytest.importorskip("flowlab.datastream.connectors.file_system",
                                  reason="FileSink comes with the connectors (issue 10)")


def test_a_file_sink_finishes_its_files_at_the_end_of_the_input() -> None:
    """With checkpointing enabled (and ignored) a BATCH FileSink still finishes one file per subtask, committed
    at the end of its input: every record in a finished file, nothing left in progress."""
    from flowlab.common import Encoder
    out = tempfile.mkdtemp()
    env = env_in("BATCH", parallelism=2)
    env.enable_checkpointing(10)
    env.from_collection([f"r{i}" for i in range(100)]).key_by(lambda s: s[-1]) \
        .map(lambda s: s, output_type=Types.STRING()) \
        .sink_to(file_system.FileSink.for_row_format(out, Encoder.simple_string_encoder()).build())
    sim = flowlab.Simulation(env)
    sim.run()
    files = sorted(os.path.join(d, f) for d, _, names in os.walk(out) for f in names)
    assert sim.job_status == "FINISHED"
    assert len(files) == 2 and not any(os.path.basename(f).startswith(".") for f in files)
    lines = sorted(line for f in files for line in open(f).read().splitlines())
    assert lines == sorted(f"r{i}" for i in range(100))
    committed = [e.detail for e in kinds(sim, "part_file") if "committed (" in e.detail]
    assert len(committed) == 2 and all("committed (at the end of input)" in d for d in committed)
    assert not kinds(sim, "checkpoint_triggered")
