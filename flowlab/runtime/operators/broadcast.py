"""Broadcast state operators (Flink's ``CoBroadcastWithNonKeyedOperator`` and ``CoBroadcastWithKeyedOperator``).

Input 1 is the non-broadcast stream (keyed or not), input 2 the broadcast stream, whose partitioner sends
every element to every subtask. Each subtask keeps its own copy of every broadcast state named in
``broadcast(...)``: ``process_broadcast_element`` gets it read-write, ``process_element`` and ``on_timer``
read-only. On the keyed variant the non-broadcast side has keyed state, timers and ``get_current_key()``;
the broadcast side has no current key (keyed state there fails with "No key set").
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream import functions as F
from flowlab.datastream.broadcast_functions import BroadcastProcessFunction as BPF
from flowlab.datastream.broadcast_functions import KeyedBroadcastProcessFunction as KBPF
from flowlab.runtime.operators.base import KeyedTimerService, KeyedUdfOperator, UdfOperator
from flowlab.runtime.operators.co import _TwoInputWatermarks
from flowlab.runtime.state.operator_state import ReadOnlyBroadcastStateView


class _BroadcastStates:
    """Looks broadcast states up by their descriptor; only those given to ``broadcast(...)`` exist."""

    def __init__(self, op: Any) -> None:
        store = op.operator_state()
        self.descriptors = list(op.node.params["descriptors"])
        self.states = {d.name: store.get_broadcast_state(d) for d in self.descriptors}
        self.views = {n: ReadOnlyBroadcastStateView(s) for n, s in self.states.items()}

    def lookup(self, descriptor: Any, table: dict[str, Any]) -> Any:
        name = getattr(descriptor, "name", None)
        found = table.get(name)
        if found is None:
            known = ", ".join(repr(d.name) for d in self.descriptors)
            raise ValueError(
                f"Broadcast state {name!r} does not exist here: only the MapStateDescriptors passed to "
                f"broadcast(...) are broadcast state (here: {known}). Check the descriptor's name, or pass it to "
                "datastream.broadcast(...). (Flink: \"The requested state does not exist. Check for typos in your "
                "state descriptor, or specify the state descriptor in the datastream.broadcast(...) call if you "
                "forgot to register it.\")")
        return found


class _Context(F.BaseContext):
    """Both sides' contexts; ``read_only`` decides which view of the broadcast state they hand out."""

    __slots__ = ("_op", "_ts", "_read_only", "_domain")

    def __init__(self, op: Any, read_only: bool) -> None:
        self._op = op
        self._ts: int | None = None
        self._read_only = read_only
        self._domain: Any = None

    def timestamp(self) -> int | None:
        return self._ts

    def current_processing_time(self) -> int:
        return self._op.task.now_ms()

    def current_watermark(self) -> int:
        return self._op.current_watermark

    def get_broadcast_state(self, state_descriptor: Any) -> Any:
        b = self._op.bstates
        return b.lookup(state_descriptor, b.views if self._read_only else b.states)

    def timer_service(self) -> Any:
        if not self._read_only or not self._op.keyed:
            raise AttributeError("timer_service() exists only on the keyed side of a KeyedBroadcastProcessFunction "
                                 "(process_element / on_timer): timers belong to a key.")
        return self._op.timers

    def get_current_key(self) -> Any:
        if not self._read_only or not self._op.keyed:
            raise AttributeError("get_current_key() exists only on the keyed side of a KeyedBroadcastProcessFunction: "
                                 "a broadcast element has no key.")
        return self._op.backend.user_key

    def time_domain(self) -> Any:
        return self._domain


class BroadcastProcessOperator(_TwoInputWatermarks, UdfOperator):
    """``BroadcastProcessFunction`` on a non-keyed stream connected with a broadcast stream."""

    def open(self) -> None:
        super().open()
        self._init_watermarks()
        self.bstates = _BroadcastStates(self)
        self.ro_ctx = _Context(self, read_only=True)
        self.rw_ctx = _Context(self, read_only=False)

    def process_element(self, value: Any, ts: int | None) -> None:
        self.ro_ctx._ts = ts
        self.emit_all(self.function.process_element(value, self.ro_ctx), ts)

    def process_element2(self, value: Any, ts: int | None) -> None:
        self.rw_ctx._ts = ts
        self.emit_all(self.function.process_broadcast_element(value, self.rw_ctx), ts)


class KeyedBroadcastProcessOperator(_TwoInputWatermarks, KeyedUdfOperator):
    """``KeyedBroadcastProcessFunction``: keyed state and timers on input 1, broadcast state written by input 2."""

    def open(self) -> None:
        super().open()
        self._init_watermarks()
        self.bstates = _BroadcastStates(self)
        self.timers = KeyedTimerService(self)
        self.ro_ctx = _Context(self, read_only=True)
        self.rw_ctx = _Context(self, read_only=False)

    def process_element(self, value: Any, ts: int | None) -> None:
        self.set_key_of(value)
        ctx = self.ro_ctx
        ctx._ts, ctx._domain = ts, None
        self.emit_all(self.function.process_element(value, ctx), ts)

    def process_element2(self, value: Any, ts: int | None) -> None:
        self.backend.clear_current_key()          # a broadcast element has no key
        self.rw_ctx._ts = ts
        self.emit_all(self.function.process_broadcast_element(value, self.rw_ctx), ts)

    def on_event_time(self, ts: int, key: Any, namespace: Any) -> None:
        self._on_timer(ts, key, F.TimeDomain.EVENT_TIME, ts)

    def on_processing_time(self, ts: int, key: Any, namespace: Any) -> None:
        self._on_timer(ts, key, F.TimeDomain.PROCESSING_TIME, ts)   # PyFlink stamps it (Java would erase it)

    def _on_timer(self, ts: int, key: Any, domain: Any, out_ts: int | None) -> None:
        self.task.cost += self.cost
        ctx = self.ro_ctx
        ctx._ts, ctx._domain = out_ts, domain
        self.task.note_timer(self, "event-time" if domain is F.TimeDomain.EVENT_TIME else "processing-time", ts, key)
        self.emit_all(self.function.on_timer(ts, ctx), out_ts)


for _cls in (BPF.Context, BPF.ReadOnlyContext, KBPF.Context, KBPF.ReadOnlyContext, KBPF.OnTimerContext):
    _cls.register(_Context)        # ctx passes isinstance checks against PyFlink's context classes
