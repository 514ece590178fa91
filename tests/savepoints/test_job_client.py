"""execute_async() and the JobClient over virtual time: futures whose result() lets the job run."""
from __future__ import annotations

import os

import pytest

from flowlab.common import JobStatus
from flowlab.runtime.checkpointing.savepoints import SavepointError
from tests.savepoints.jobs import counting_env, final_counts


def test_a_pyflink_program_with_execute_async_and_stop_with_savepoint_ports_with_run_until(tmp_path) -> None:
    client = counting_env(2, interval=0).execute_async("counting")
    client.run_until(300)                                   # the one added line (PyFlink: the job runs by itself)
    assert client.get_job_status().result() is JobStatus.RUNNING
    future = client.stop_with_savepoint(False, str(tmp_path))
    assert not future.done()
    path = future.result()
    assert future.done() and os.path.basename(path).startswith("savepoint-")
    assert client.get_job_status().result() is JobStatus.FINISHED
    restored = counting_env(2, interval=0, restore=path).execute_async("counting")
    result = restored.get_job_execution_result().result()
    assert result.get_job_id() == restored.get_job_id()
    assert final_counts(restored.simulation.outputs("out"))["k0"] == 11


def test_trigger_savepoint_keeps_the_job_running(tmp_path) -> None:
    client = counting_env(2, interval=0).execute_async()
    client.run_until(200)
    path = client.trigger_savepoint(str(tmp_path)).result()
    assert os.path.isdir(path)
    assert client.get_job_status().result() is JobStatus.RUNNING
    client.get_job_execution_result().result()
    assert client.get_job_status().result() is JobStatus.FINISHED


def test_on_a_finished_job_the_future_fails(tmp_path) -> None:
    client = counting_env(2, interval=0).execute_async()
    client.get_job_execution_result().result()
    future = client.stop_with_savepoint(True, str(tmp_path))
    assert future.done()
    with pytest.raises(SavepointError) as err:
        future.result()
    assert str(err.value).startswith(f"Job {client.get_job_id()} is FINISHED: a savepoint can only be taken")
    assert future.exception() is err.value


def test_cancel() -> None:
    client = counting_env(2, interval=0).execute_async()
    client.run_until(100)
    assert client.cancel().result() is None
    assert client.get_job_status().result() is JobStatus.CANCELED
