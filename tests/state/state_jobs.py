"""Small jobs that drive keyed state with scripted operations at scripted processing times (for state tests).

``run_script(make_descriptor, script, backend)`` runs ``(arrival_ms, key, op, arg)`` records through a
``KeyedProcessFunction`` that applies ``op`` to the state of ``make_descriptor()`` and emits
``(processing_time_ms, key, op, result)``; a failing op fails the job (``sim.failure`` says why).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flowlab
from flowlab.common import Configuration
from flowlab.datastream import KeyedProcessFunction, StreamExecutionEnvironment
from flowlab.sources import ScriptedSource

BACKENDS = ["hashmap", "rocksdb"]

_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "value": lambda s, a: s.value(),
    "update": lambda s, a: s.update(a),
    "clear": lambda s, a: s.clear(),
    "get": lambda s, a: s.get() if a is None else s.get(a),
    "add": lambda s, a: s.add(a),
    "add_all": lambda s, a: s.add_all(a),
    "put": lambda s, a: s.put(*a),
    "put_all": lambda s, a: s.put_all(a),
    "remove": lambda s, a: s.remove(a),
    "contains": lambda s, a: s.contains(a),
    "items": lambda s, a: list(s.items()),
    "keys": lambda s, a: list(s.keys()),
    "values": lambda s, a: list(s.values()),
    "is_empty": lambda s, a: s.is_empty(),
    "mutate_get": lambda s, a: s.get().append(a),
    "noop": lambda s, a: None,                       # a record that does not touch the state
}


class StateProbe(KeyedProcessFunction):
    """Applies each record's operation to one state and reports the result with the processing time."""

    def __init__(self, make_descriptor: Callable[[], Any]) -> None:
        self.make_descriptor = make_descriptor

    def open(self, runtime_context: Any) -> None:
        d = self.make_descriptor()
        getter = {"value": runtime_context.get_state, "list": runtime_context.get_list_state,
                  "map": runtime_context.get_map_state, "reducing": runtime_context.get_reducing_state,
                  "aggregating": runtime_context.get_aggregating_state}[d.kind]
        self.state = getter(d)

    def process_element(self, value: Any, ctx: Any) -> Any:
        key, op, arg = value
        yield ctx.timer_service().current_processing_time(), key, op, _OPS[op](self.state, arg)


def configuration(backend: str, **extra: str) -> Configuration:
    conf = Configuration()
    conf.set_string("state.backend.type", backend)
    for k, v in extra.items():
        conf.set_string(k, v)
    return conf


def script_job(make_descriptor: Callable[[], Any], script: list[tuple], backend: str,
               conf: dict[str, str] | None = None, function: Any = None) -> tuple[flowlab.Simulation, list]:
    """The simulation (not yet run) and the list its sink fills."""
    c = configuration(backend)
    for k, v in (conf or {}).items():
        c.set_string(k, v)
    env = StreamExecutionEnvironment.get_execution_environment(c)
    env.set_buffer_timeout(0)          # every record is sent at once: processing time = arrival + 1 ms
    out: list = []
    src = ScriptedSource([(t, (key, op, arg)) for t, key, op, arg in script])
    from flowlab.common import WatermarkStrategy
    ds = env.from_source(src, WatermarkStrategy.no_watermarks(), "script")
    ds.key_by(lambda r: r[0]).process(function or StateProbe(make_descriptor)).add_sink(ListSink(out))
    return flowlab.Simulation(env), out


def run_script(make_descriptor: Callable[[], Any], script: list[tuple], backend: str,
               conf: dict[str, str] | None = None) -> list[tuple]:
    """Run the script; the results ``(time_ms, key, op, result)`` in order. Fails the test if the job failed."""
    sim, out = script_job(make_descriptor, script, backend, conf)
    sim.run()
    assert sim.failure is None, sim.failure
    return [(t, op, r) for t, _k, op, r in out]


def failure_of(make_descriptor: Callable[[], Any], script: list[tuple], backend: str) -> str:
    """The job's failure text (the script must make it fail)."""
    sim, _ = script_job(make_descriptor, script, backend)
    sim.run()
    assert sim.failure is not None, "the job did not fail"
    return sim.failure


def keyed_backends(sim: flowlab.Simulation, vertex: str = "v2") -> list[Any]:
    """The keyed state backends of the first keyed operator of ``vertex``'s subtasks."""
    out = []
    for t in sim.runtime.tasks[vertex]:
        out += [op.backend for op in t.operators if getattr(op, "backend", None) is not None][:1]
    return out


_LISTS: list[list] = []


class ListSink:
    """A sink appending to a list the test holds. Each subtask runs its own unpickled copy of a sink function,
    as in PyFlink, so a plain ``out.append`` would fill a copy; this class is pickled by reference and reaches
    the list through this module."""

    def __init__(self, out: list) -> None:
        self.key = len(_LISTS)
        _LISTS.append(out)

    def __call__(self, value: Any) -> None:
        _LISTS[self.key].append(value)
