"""Bad cluster and network settings fail clearly, naming the key, or behave as Flink does."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Configuration
from flowlab.common.config_values import IllegalConfigurationException
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.runtime import JobExecutionException


def _env(**settings: str) -> StreamExecutionEnvironment:
    conf = Configuration()
    for key, value in settings.items():
        conf.set_string(key.replace("__", "."), value)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    env.from_collection(list(range(10))).rebalance().map(lambda x: x).print()
    return env


def _conf_env(key: str, value: str) -> StreamExecutionEnvironment:
    return _env(**{key.replace(".", "__"): value})


def test_task_slots_given_as_words_name_the_key():
    """taskmanager.numberOfTaskSlots: two fails when the job is built, naming key and expected type."""
    with pytest.raises(IllegalConfigurationException) as err:
        flowlab.Simulation(_conf_env("taskmanager.numberOfTaskSlots", "two"))
    assert str(err.value) == ("Could not parse value 'two' for key 'taskmanager.numberOfTaskSlots': expected an "
                              "integer (e.g. 2).")


def test_zero_taskmanagers_are_refused():
    """minicluster.number-of-taskmanagers: 0 is refused with the key named."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Invalid value '0' for key 'minicluster.number-of-taskmanagers': it must be at "
                             r"least 1\.$"):
        flowlab.Simulation(_conf_env("minicluster.number-of-taskmanagers", "0"))


def test_a_negative_latency_is_refused():
    """flowlab.network.latency-ms: -5 no longer acts as 0."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Invalid value '-5' for key 'flowlab.network.latency-ms': it must be at least 0\.$"):
        flowlab.Simulation(_conf_env("flowlab.network.latency-ms", "-5"))


def test_a_nan_latency_is_refused():
    """flowlab.network.latency-ms: nan names the key instead of 'cannot convert float NaN to integer'."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Could not parse value 'nan' for key 'flowlab.network.latency-ms'"):
        flowlab.Simulation(_conf_env("flowlab.network.latency-ms", "nan"))


def test_zero_kb_segments_are_refused():
    """taskmanager.memory.segment-size: 0kb cannot hold a record: a clear error citing Flink's sizes."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Invalid value '0kb' for key 'taskmanager.memory.segment-size': a network buffer "
                             r"must hold at least one byte \(Flink's minimum is 4kb"):
        flowlab.Simulation(_conf_env("taskmanager.memory.segment-size", "0kb"))


def test_a_segment_size_without_a_unit_we_know_is_refused():
    """taskmanager.memory.segment-size: lots fails naming the key and the expected form."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Could not parse value 'lots' for key 'taskmanager.memory.segment-size': expected a "
                             r"memory size"):
        flowlab.Simulation(_conf_env("taskmanager.memory.segment-size", "lots"))


def test_zero_max_buffers_per_channel_are_refused():
    """A subpartition that may hold no buffer could never send: max-buffers-per-channel 0 is refused."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"key 'taskmanager.network.memory.max-buffers-per-channel': it must be at least 1"):
        flowlab.Simulation(_conf_env("taskmanager.network.memory.max-buffers-per-channel", "0"))


def test_a_debloat_switch_that_is_not_a_boolean_is_refused():
    """buffer-debloat.enabled: yes is not true/false."""
    with pytest.raises(IllegalConfigurationException,
                       match=r"^Could not parse value 'yes' for key "
                             r"'taskmanager.network.memory.buffer-debloat.enabled': expected true or false\.$"):
        flowlab.Simulation(_conf_env("taskmanager.network.memory.buffer-debloat.enabled", "yes"))


def test_no_floating_buffers_fail_the_task_as_in_flink():
    """With no floating buffer a gate cannot be set up: the task fails at INITIALIZING and the job FAILS
    (it used to hang with nothing delivered and be reported as finished)."""
    env = _env(**{"taskmanager__network__memory__buffers-per-channel": "0",
                  "taskmanager__network__memory__floating-buffers-per-gate": "0"})
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FAILED"
    assert sim.printed_lines() == []
    assert ("InsufficientNetworkBuffersError: Maximum number of memory segments (0) should not be smaller than "
            "minimum (1): the input gate of v2[0] reads 1 channel(s)") in sim.failure


def test_execute_raises_when_the_gate_has_no_buffers():
    """env.execute() of that job raises JobExecutionException instead of returning a result."""
    env = _env(**{"taskmanager__network__memory__floating-buffers-per-gate": "0"})
    with pytest.raises(JobExecutionException, match=r"give each gate at least 1 floating buffer"):
        env.execute()


def test_only_floating_buffers_still_deliver_everything():
    """buffers-per-channel 0 with floating buffers works, as in Flink: the sender announces its backlog."""
    env = _env(**{"taskmanager__network__memory__buffers-per-channel": "0",
                  "taskmanager__network__memory__floating-buffers-per-gate": "1"})
    sim = flowlab.Simulation(env)
    sim.run()
    assert sim.job_status == "FINISHED"
    assert sim.printed_lines() == [f"{i % 2 + 1}> {i}" for i in range(10)]
    assert sim.now_ms == 3.02          # 1.02 ms with exclusive buffers: each buffer first waits for a grant
