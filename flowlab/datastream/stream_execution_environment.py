"""``StreamExecutionEnvironment``: where a program's sources, settings and operators are collected.

``execute`` runs the job to completion on the simulated cluster in virtual time;
``flowlab.Simulation(env)`` builds the same job for stepping instead.
"""
from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from flowlab.common.configuration import Configuration
from flowlab.common.typeinfo import TypeInformation
from flowlab.common.watermark_strategy import WatermarkStrategy
from flowlab.datastream.checkpoint_config import CheckpointConfig
from flowlab.datastream.data_stream import DataStream
from flowlab.datastream.execution_config import CheckpointingMode, ExecutionConfig, RuntimeExecutionMode
from flowlab.datastream.job_client import JobClient, JobExecutionResult
from flowlab.datastream.pyflink_compat import check
from flowlab.graph import build_job_graph, generate_stream_graph
from flowlab.graph.job_graph import JobGraph
from flowlab.graph.plan_json import execution_plan
from flowlab.graph.runtime_mode import RUNTIME_MODE_KEY
from flowlab.graph.stream_graph import StreamGraph
from flowlab.graph.transformations import HEAD, Transformation
from flowlab.graph.user_functions import ship_functions

DEFAULT_JOB_NAME = "Flink Streaming Job"


class StreamExecutionEnvironment:
    """The context in which a streaming program is built and executed (PyFlink's class of this name)."""

    def __init__(self, configuration: Configuration | None = None) -> None:
        self._configuration = Configuration(configuration) if configuration is not None else Configuration()
        conf = self._configuration
        self._settings: dict[str, Any] = {
            "parallelism": conf.get_integer("parallelism.default", 1),
            "max_parallelism": conf.get_integer("pipeline.max-parallelism", -1),
            "buffer_timeout_ms": 100,
            "auto_watermark_interval_ms": 200,
            "chaining_enabled": True,
        }
        self._config = ExecutionConfig(self._settings)
        self._transformations: list[Transformation] = []
        self._ids = 0

    @staticmethod
    def get_execution_environment(configuration: Configuration | None = None) -> StreamExecutionEnvironment:
        """A fresh local environment (flowlab always simulates a local MiniCluster)."""
        return StreamExecutionEnvironment(configuration)

    # -- settings ----------------------------------------------------------------------------------
    def get_config(self) -> ExecutionConfig:
        return self._config

    def get_configuration(self) -> Configuration:
        """The environment's configuration (flowlab extension; PyFlink 2.3's environment has no such getter)."""
        check(self, "StreamExecutionEnvironment.get_configuration")
        return self._configuration

    def configure(self, configuration: Configuration) -> StreamExecutionEnvironment:
        self._configuration.add_all(configuration)
        return self

    def set_parallelism(self, parallelism: int) -> StreamExecutionEnvironment:
        if isinstance(parallelism, bool) or not isinstance(parallelism, int) or parallelism < 1:
            raise ValueError(f"The parallelism must be at least 1, got {parallelism!r}.")
        max_p = self._settings["max_parallelism"]
        if max_p > 0 and parallelism > max_p:
            raise ValueError(f"The parallelism ({parallelism}) must not exceed the max parallelism ({max_p}).")
        self._settings["parallelism"] = parallelism
        return self

    def get_parallelism(self) -> int:
        return self._settings["parallelism"]

    def set_max_parallelism(self, max_parallelism: int) -> StreamExecutionEnvironment:
        if isinstance(max_parallelism, bool) or not isinstance(max_parallelism, int) or not 0 < max_parallelism <= 32768:
            raise ValueError(f"maxParallelism is out of bounds 0 < maxParallelism <= 32768. "
                             f"Found: {max_parallelism!r}")
        self._settings["max_parallelism"] = max_parallelism
        return self

    def get_max_parallelism(self) -> int:
        return self._settings["max_parallelism"]

    def set_buffer_timeout(self, timeout_millis: int) -> StreamExecutionEnvironment:
        """Flush output buffers at least every ``timeout_millis`` (virtual ms); 0 = every record, -1 = when full."""
        if timeout_millis < -1:
            raise ValueError("Timeout of buffer must be non-negative or -1")
        self._settings["buffer_timeout_ms"] = int(timeout_millis)
        return self

    def get_buffer_timeout(self) -> int:
        return self._settings["buffer_timeout_ms"]

    def disable_operator_chaining(self) -> StreamExecutionEnvironment:
        self._settings["chaining_enabled"] = False
        return self

    def is_chaining_enabled(self) -> bool:
        return self._settings["chaining_enabled"]

    def set_runtime_mode(self, execution_mode: RuntimeExecutionMode) -> StreamExecutionEnvironment:
        """Run the job in ``STREAMING``, ``BATCH`` or ``AUTOMATIC`` mode (writes ``execution.runtime-mode``).

        AUTOMATIC picks BATCH when every source is bounded. BATCH runs the job stage by stage over blocking
        exchanges, sorts keyed inputs by key and ignores checkpointing (see ``docs/batch.md``); a BATCH job with
        an unbounded source is refused when it is built, as in Flink.
        """
        if not isinstance(execution_mode, RuntimeExecutionMode):
            raise TypeError(f"set_runtime_mode expects RuntimeExecutionMode.STREAMING, BATCH or AUTOMATIC, got "
                            f"{execution_mode!r}")
        self._configuration.set_string(RUNTIME_MODE_KEY, execution_mode.name)
        return self

    def enable_checkpointing(self, interval: int, mode: CheckpointingMode | None = None) -> StreamExecutionEnvironment:
        """Take a checkpoint every ``interval`` virtual ms (Chandy-Lamport barriers; see docs/checkpoints.md).

        Writes ``execution.checkpointing.interval`` (and ``.mode``), as Flink 2.x does. A job with an
        iteration (``iterate``) is refused when it starts, as Flink refuses it by default.
        """
        config = self.get_checkpoint_config()
        config.set_checkpoint_interval(interval)
        if mode is not None:
            config.set_checkpointing_mode(mode)
        return self

    def get_checkpoint_config(self) -> CheckpointConfig:
        """The checkpoint settings (interval, mode, timeout, pauses, unaligned, retention, ...)."""
        return CheckpointConfig(self)

    def get_checkpoint_interval(self) -> int:
        """The checkpoint interval in ms, or -1 when checkpointing is off."""
        return self.get_checkpoint_config().get_checkpoint_interval()

    def get_checkpointing_mode(self) -> CheckpointingMode:
        """Deprecated in PyFlink 2.x: use ``get_checkpointing_consistency_mode()``."""
        return self.get_checkpoint_config().get_checkpointing_mode()

    def get_checkpointing_consistency_mode(self) -> CheckpointingMode:
        return self.get_checkpoint_config().get_checkpointing_mode()

    def set_default_savepoint_directory(self, directory: str) -> StreamExecutionEnvironment:
        """Where savepoints go when none is named (``execution.checkpointing.savepoint-dir``)."""
        self._configuration.set_string("execution.checkpointing.savepoint-dir", str(directory))
        return self

    def get_default_savepoint_directory(self) -> str | None:
        """The default savepoint directory, or None."""
        conf = self._configuration.to_dict()
        for key in ("execution.checkpointing.savepoint-dir", "state.savepoints.dir", "savepoints.state.backend.fs.dir"):
            if conf.get(key):
                return conf[key]
        return None

    def set_state_backend(self, state_backend: Any) -> StreamExecutionEnvironment:
        """PyFlink 1.x (removed in Flink 2.0; not in PyFlink 2.3): flowlab applies the backend's Flink 2.x
        configuration (``state.backend.type``, checkpoint storage keys) and warns, naming those keys."""
        import warnings

        from flowlab.datastream.state_backend import LegacyStateBackendWarning, StateBackend
        if not isinstance(state_backend, StateBackend):
            raise TypeError(f"set_state_backend expects a state backend such as HashMapStateBackend(), got "
                            f"{state_backend!r}")
        conf = state_backend._configuration()
        keys = ", ".join(f"{k}: {v}" for k, v in conf.items())
        warnings.warn(f"env.set_state_backend(...) was removed in Flink 2.0 (PyFlink 2.3 has no such method). Set "
                      f"the configuration instead — here {keys} — e.g. conf.set_string('state.backend.type', "
                      f"'{conf['state.backend.type']}') and StreamExecutionEnvironment.get_execution_environment(conf). "
                      "flowlab applies it now.", LegacyStateBackendWarning, stacklevel=2)
        for k, v in conf.items():
            self._configuration.set_string(k, v)
        self._state_backend = state_backend
        return self

    # -- sources -----------------------------------------------------------------------------------
    def from_collection(self, collection: list, type_info: TypeInformation | None = None) -> DataStream:
        """A bounded, non-parallel source emitting the elements in order, as fast as it can."""
        from flowlab.sources import CollectionSource
        items = list(collection)
        if type_info is not None:
            for i, value in enumerate(items):
                problem = type_info.check(value)
                if problem:
                    raise TypeError(f"from_collection: element {i} ({value!r}) does not match {type_info!r}: "
                                    f"{problem}")
        t = Transformation(self._new_id(), "Source: Collection Source", "source", [], output_type=type_info,
                           parallelism=1, chaining_strategy=HEAD, parallelism_fixed=True,
                           params={"source": CollectionSource(items), "watermark_strategy": None})
        self._add(t)
        return DataStream(self, t)

    def from_source(self, source: Any, watermark_strategy: WatermarkStrategy, source_name: str,
                    type_info: TypeInformation | None = None) -> DataStream:
        """A FLIP-27 style source (``flowlab.sources.ScriptedSource`` / ``GeneratorSource``).

        Both sources are flowlab's (strict mode refuses them). A ``TimestampAssigner`` in the strategy takes
        the timestamps here; PyFlink 2.3's ``from_source`` ignores a Python assigner (strict mode refuses it).
        """
        from flowlab.sources import GeneratorSource, ScriptedSource
        if isinstance(source, (ScriptedSource, GeneratorSource)):
            check(self, type(source).__name__)
        extension = getattr(source, "not_in_pyflink", None)     # a connector source that is flowlab's own
        if extension is not None:
            check(self, extension)
        if isinstance(watermark_strategy, WatermarkStrategy):
            check_strategy(self, watermark_strategy)
            if watermark_strategy.timestamp_assigner is not None:
                check(self, "from_source(strategy with a TimestampAssigner)")
        if not hasattr(source, "create_reader"):
            raise TypeError(f"from_source expects a source (NumberSequenceSource, FileSource, KafkaSource, "
                            f"ScriptedSource, GeneratorSource), got {type(source).__name__}")
        if type_info is None and hasattr(source, "get_produced_type"):
            type_info = source.get_produced_type()              # Flink asks the source (ResultTypeQueryable)
        if not isinstance(watermark_strategy, WatermarkStrategy):
            raise TypeError("from_source needs a WatermarkStrategy (WatermarkStrategy.no_watermarks() if you "
                            "do not use event time)")
        t = Transformation(self._new_id(), f"Source: {source_name}", "source", [], output_type=type_info,
                           parallelism=self.get_parallelism(), chaining_strategy=HEAD,
                           params={"source": source, "watermark_strategy": watermark_strategy},
                           bounded=source.is_bounded())
        if getattr(source, "max_parallelism", None) == 1:
            t.parallelism_fixed = True
            t.parallelism = 1
        self._add(t)
        return DataStream(self, t)

    # -- execution ---------------------------------------------------------------------------------
    def get_stream_graph(self, job_name: str | None = None) -> StreamGraph:
        """flowlab extension (PyFlink's is private): the StreamGraph, one node per operator."""
        check(self, "StreamExecutionEnvironment.get_stream_graph")
        return self._stream_graph(job_name)

    def get_execution_plan(self) -> str:
        """The StreamGraph as JSON, shaped like Flink's ``getExecutionPlan()``."""
        return execution_plan(self._stream_graph())

    def get_job_graph(self, job_name: str | None = None) -> JobGraph:
        """flowlab extension (not in PyFlink 2.3): the chained JobGraph that would be submitted.

        Strict mode refuses it when a program calls it; flowlab's own code (``Simulation``, the exercise
        checkers) builds the job graph through it too, and is not refused.
        """
        if not _called_from_flowlab():
            check(self, "StreamExecutionEnvironment.get_job_graph")
        return build_job_graph(self._stream_graph(job_name))

    def _stream_graph(self, job_name: str | None = None) -> StreamGraph:
        return generate_stream_graph(self._transformations, job_name, self._all_settings())

    def execute(self, job_name: str | None = None) -> JobExecutionResult:
        """Run the job to completion in virtual time; print-sink output is printed at the end."""
        sim = self._simulation(job_name)
        self._transformations = []
        try:
            return sim.run_to_result()
        finally:                    # what was printed before a failure is shown too, as on a TaskManager
            for line in sim.printed_lines():
                print(line)

    def execute_async(self, job_name: str = DEFAULT_JOB_NAME) -> JobClient:
        sim = self._simulation(job_name)
        self._transformations = []
        return JobClient(sim, self)

    def close(self) -> None:
        self._transformations = []

    # -- internals used by DataStream ----------------------------------------------------------------
    def _simulation(self, job_name: str | None, seed: int = 0) -> Any:
        from flowlab.runtime import Simulation
        return Simulation(self, seed=seed, job_name=job_name, record_trace=False)

    def _start_collect(self, job_name: str | None, sink: Transformation) -> Iterator:
        sim = self._simulation(job_name)
        self._transformations = []
        return sim.iter_collected(sink.id)

    def _all_settings(self) -> dict[str, Any]:
        settings = dict(self._settings)
        settings["configuration"] = self._configuration.to_dict()
        return settings

    def _new_id(self) -> int:
        self._ids += 1
        return self._ids

    def _add(self, t: Transformation) -> None:
        ship_functions(t.name, t.params)      # PyFlink pickles the user's functions right here
        self._transformations.append(t)


def check_strategy(env: StreamExecutionEnvironment, strategy: WatermarkStrategy) -> None:
    """Strict mode: refuse the parts of a WatermarkStrategy that PyFlink 2.3 lacks."""
    from flowlab.common.watermark_strategy import _CallableAssigner
    if strategy.description == "custom generator":
        check(env, "WatermarkStrategy.for_generator")
    if isinstance(strategy.timestamp_assigner, _CallableAssigner):
        check(env, "WatermarkStrategy.with_timestamp_assigner(callable)")


def _called_from_flowlab() -> bool:
    """Whether the caller of the caller is flowlab's own code (by module name, not by file path).

    ``Simulation`` builds its job graph with ``env.get_job_graph``; only a user program's call is refused.
    """
    return sys._getframe(2).f_globals.get("__name__", "").startswith("flowlab.")
