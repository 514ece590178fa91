"""``set_runtime_mode`` and ``execution.runtime-mode``: AUTOMATIC, refusals, BATCH's defaults."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Configuration, WatermarkStrategy
from flowlab.common.config_values import IllegalConfigurationException
from flowlab.datastream import RuntimeExecutionMode, StreamExecutionEnvironment
from flowlab.graph.runtime_mode import RuntimeModeError
from flowlab.sources import GeneratorSource
from tests.batch.jobs import env_in


def _env(**conf: str) -> StreamExecutionEnvironment:
    return StreamExecutionEnvironment.get_execution_environment(Configuration.from_dict(conf))


def test_set_runtime_mode_writes_the_configuration_key() -> None:
    """set_runtime_mode(BATCH) is execution.runtime-mode: BATCH, as in Flink."""
    env = _env()
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    assert env.get_configuration().get_string("execution.runtime-mode", "") == "BATCH"


def test_the_configuration_key_alone_selects_batch_in_any_case() -> None:
    """execution.runtime-mode: batch (any case, as Flink parses enums) runs the job in BATCH."""
    env = _env(**{"execution.runtime-mode": "batch"})
    env.from_collection([1, 2]).print()
    assert env.get_job_graph().execution_mode == "BATCH"


def test_streaming_is_the_default() -> None:
    """Without a setting the job runs in STREAMING, named Flink Streaming Job."""
    env = _env()
    env.from_collection([1]).print()
    jg = env.get_job_graph()
    assert (jg.execution_mode, jg.job_name) == ("STREAMING", "Flink Streaming Job")


def test_an_unknown_mode_is_refused_naming_the_key() -> None:
    """A value that is no RuntimeExecutionMode fails when the job is built, naming key and choices."""
    env = _env(**{"execution.runtime-mode": "BATCHY"})
    env.from_collection([1]).print()
    with pytest.raises(IllegalConfigurationException, match="Could not parse value 'BATCHY' for key "
                       "'execution.runtime-mode': expected one of STREAMING, BATCH, AUTOMATIC"):
        env.get_job_graph()


def test_set_runtime_mode_takes_the_enum_only() -> None:
    """A string is not a RuntimeExecutionMode."""
    with pytest.raises(TypeError, match="RuntimeExecutionMode.STREAMING, BATCH or AUTOMATIC"):
        _env().set_runtime_mode("BATCH")


def test_automatic_picks_batch_when_every_source_is_bounded() -> None:
    """AUTOMATIC with bounded sources only is BATCH."""
    env = env_in("AUTOMATIC")
    env.from_collection([1, 2]).union(env.from_collection([3])).print()
    assert env.get_job_graph().execution_mode == "BATCH"


def test_automatic_picks_streaming_with_an_unbounded_source() -> None:
    """AUTOMATIC with one unbounded source is STREAMING."""
    env = env_in("AUTOMATIC")
    endless = env.from_source(GeneratorSource(lambda i, r: i), WatermarkStrategy.no_watermarks(), "endless")
    env.from_collection([1]).union(endless).print()
    assert env.get_job_graph().execution_mode == "STREAMING"


def test_batch_with_an_unbounded_source_is_refused_with_flinks_reason() -> None:
    """BATCH and an unbounded source: Flink's IllegalStateException text, plus which source it is."""
    env = env_in("BATCH")
    env.from_source(GeneratorSource(lambda i, r: i), WatermarkStrategy.no_watermarks(), "endless").print()
    with pytest.raises(RuntimeModeError) as info:
        flowlab.Simulation(env)
    assert str(info.value).startswith(
        "Detected an UNBOUNDED source with the 'execution.runtime-mode' set to 'BATCH'. This combination is not "
        "allowed, please set the 'execution.runtime-mode' to STREAMING or AUTOMATIC. (flowlab: 'Source: endless' "
        "never ends")


def test_an_iteration_is_refused_in_batch() -> None:
    """Flink: "Iterations are not supported in BATCH execution mode"."""
    env = env_in("BATCH")
    it = env.from_collection([1, 2, 3]).iterate(max_wait_time_ms=10)
    body = it.map(lambda x: x - 1)
    it.close_with(body.filter(lambda x: x > 0))
    body.print()
    with pytest.raises(RuntimeModeError, match="^Iterations are not supported in BATCH execution mode. If you want "
                       "to execute such a pipeline, please set the 'execution.runtime-mode'=STREAMING"):
        env.get_job_graph()


def test_a_batch_job_is_named_flink_batch_job() -> None:
    """Flink's default name for a BATCH job; a name given to execute() wins."""
    env = env_in("BATCH")
    env.from_collection([1]).print()
    assert env.get_job_graph().job_name == "Flink Batch Job"
    env.from_collection([1]).print()
    assert env.get_job_graph("counts").job_name == "counts"


def test_batch_disables_the_buffer_timeout() -> None:
    """Flink sets execution.buffer-timeout.enabled false in BATCH: buffers leave only when full or at the end."""
    env = env_in("BATCH")
    env.set_buffer_timeout(5)
    env.from_collection([1]).print()
    assert env.get_job_graph().settings["buffer_timeout_ms"] == -1


def test_batch_needs_the_slots_of_its_widest_stage() -> None:
    """Stages run one after another: the highest parallelism of one vertex, not the sum over slot groups."""
    env = env_in("BATCH", parallelism=3)
    env.from_collection(list(range(9))).rebalance().map(lambda x: x).slot_sharing_group("other") \
        .key_by(lambda x: x % 2).sum(0).set_parallelism(2).print()
    assert env.get_job_graph().slots_needed == 3
    env2 = env_in("STREAMING", parallelism=3)
    env2.from_collection(list(range(9))).rebalance().map(lambda x: x).slot_sharing_group("other") \
        .key_by(lambda x: x % 2).sum(0).set_parallelism(2).print()
    assert env2.get_job_graph().slots_needed == 4
