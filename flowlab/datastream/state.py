"""Keyed state descriptors and handles with PyFlink's names (``pyflink.datastream.state``).

Descriptors are inert; the runtime's state backend hands out live handles scoped to the current key (and
window). A descriptor's name identifies the state within one operator: asking twice with the same name,
kind and type gives the same state; a different kind or type is an error.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any

from flowlab.common.typeinfo import TypeInformation, Types
from flowlab.datastream.state_ttl import StateTtlConfig


class StateDescriptor:
    """Names a piece of state and the type of its values (``StateDescriptor``)."""

    kind = "value"

    def __init__(self, name: str, type_info: TypeInformation | None = None) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"a state descriptor needs a non-empty name (a str), got {name!r}")
        if type_info is not None and not isinstance(type_info, TypeInformation):
            raise TypeError(f"state '{name}': the type must be a TypeInformation such as Types.LONG(), "
                            f"got {type_info!r}")
        self.name = name
        self.type_info = type_info
        self._ttl_config: StateTtlConfig | None = None

    def get_name(self) -> str:
        return self.name

    def enable_time_to_live(self, ttl_config: StateTtlConfig) -> None:
        """Let values of this state expire (keyed state only; see ``StateTtlConfig``)."""
        if not isinstance(ttl_config, StateTtlConfig):
            raise TypeError("enable_time_to_live expects a StateTtlConfig, e.g. "
                            "StateTtlConfig.new_builder(Time.seconds(10)).build()")
        self._ttl_config = ttl_config

    @property
    def ttl_config(self) -> StateTtlConfig | None:
        """The TTL config if it is enabled, else None (flowlab helper)."""
        cfg = self._ttl_config
        return cfg if cfg is not None and cfg.is_enabled() else None

    def value_type(self) -> TypeInformation | None:
        """flowlab helper: the type of one stored value (list: an element; map: an entry's value)."""
        return self.type_info

    def type_signature(self) -> tuple:
        """flowlab helper: what must match for two descriptors of one name to be the same state."""
        t = self.type_info
        return (self.kind, _canonical(t))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def _canonical(t: TypeInformation | None) -> Any:
    """Untyped and ``PICKLED_BYTE_ARRAY`` are the same type (both are pickled in PyFlink)."""
    return Types.PICKLED_BYTE_ARRAY() if t is None else t


class ValueStateDescriptor(StateDescriptor):
    """A single value per key: ``RuntimeContext.get_state``."""

    kind = "value"

    def __init__(self, name: str, value_type_info: TypeInformation | None = None) -> None:
        super().__init__(name, value_type_info)


class ListStateDescriptor(StateDescriptor):
    """A list per key: ``RuntimeContext.get_list_state``; the state's type is ``Types.LIST(elem)``."""

    kind = "list"

    def __init__(self, name: str, elem_type_info: TypeInformation | None = None) -> None:
        super().__init__(name, Types.LIST(elem_type_info) if elem_type_info is not None else None)
        self.elem_type_info = elem_type_info

    def value_type(self) -> TypeInformation | None:
        return self.elem_type_info


class MapStateDescriptor(StateDescriptor):
    """A map per key (``get_map_state``), and the descriptor of broadcast state (``broadcast(desc)``)."""

    kind = "map"

    def __init__(self, name: str, key_type_info: TypeInformation | None = None,
                 value_type_info: TypeInformation | None = None) -> None:
        typed = key_type_info is not None and value_type_info is not None
        super().__init__(name, Types.MAP(key_type_info, value_type_info) if typed else None)
        for what, t in (("key", key_type_info), ("value", value_type_info)):
            if t is not None and not isinstance(t, TypeInformation):
                raise TypeError(f"state '{name}': the map {what} type must be a TypeInformation, got {t!r}")
        self.key_type_info = key_type_info
        self.value_type_info = value_type_info

    def value_type(self) -> TypeInformation | None:
        return self.value_type_info

    def type_signature(self) -> tuple:
        return (self.kind, _canonical(self.key_type_info), _canonical(self.value_type_info))


class ReducingStateDescriptor(StateDescriptor):
    """One value per key, combined with a ``ReduceFunction`` on every ``add`` (``get_reducing_state``)."""

    kind = "reducing"

    def __init__(self, name: str, reduce_function: Any, type_info: TypeInformation | None = None) -> None:
        super().__init__(name, type_info)
        from flowlab.datastream.functions import ReduceFunction
        if not isinstance(reduce_function, ReduceFunction) and not callable(reduce_function):
            raise TypeError("The input must be a ReduceFunction or a callable function!")
        self.reduce_function = reduce_function

    def get_reduce_function(self) -> Any:
        return self.reduce_function

    def reduce(self, a: Any, b: Any) -> Any:
        """flowlab helper: apply the reduce function (a ``ReduceFunction`` or a plain callable)."""
        fn = self.reduce_function
        return fn.reduce(a, b) if hasattr(fn, "reduce") else fn(a, b)


class AggregatingStateDescriptor(StateDescriptor):
    """An accumulator per key, fed by an ``AggregateFunction`` (``get_aggregating_state``)."""

    kind = "aggregating"

    def __init__(self, name: str, agg_function: Any, state_type_info: TypeInformation | None = None) -> None:
        super().__init__(name, state_type_info)
        from flowlab.datastream.functions import AggregateFunction
        if not isinstance(agg_function, AggregateFunction):
            raise TypeError("The input must be a flowlab.datastream.functions.AggregateFunction!")
        self.agg_function = agg_function

    def get_agg_function(self) -> Any:
        return self.agg_function


class State(ABC):
    @abstractmethod
    def clear(self) -> None:
        """Remove the value of the current key (and window)."""


class ValueState(State):
    @abstractmethod
    def value(self) -> Any: ...

    @abstractmethod
    def update(self, value: Any) -> None:
        """Set the value; ``update(None)`` removes it, as a null update does in Flink."""


class AppendingState(State):
    @abstractmethod
    def get(self) -> Any: ...

    @abstractmethod
    def add(self, value: Any) -> None: ...


class MergingState(AppendingState):
    """An appending state whose values of several windows can be merged (session windows)."""


class ListState(MergingState):
    @abstractmethod
    def update(self, values: list[Any]) -> None: ...

    @abstractmethod
    def add_all(self, values: list[Any]) -> None: ...

    def __iter__(self) -> Iterator[Any]:
        return iter(self.get())


class ReducingState(MergingState):
    pass


class AggregatingState(MergingState):
    pass


class MapState(State):
    @abstractmethod
    def get(self, key: Any) -> Any: ...

    @abstractmethod
    def put(self, key: Any, value: Any) -> None: ...

    @abstractmethod
    def put_all(self, dict_value: dict) -> None: ...

    @abstractmethod
    def remove(self, key: Any) -> None: ...

    @abstractmethod
    def contains(self, key: Any) -> bool: ...

    @abstractmethod
    def items(self) -> Iterable[tuple[Any, Any]]: ...

    @abstractmethod
    def keys(self) -> Iterable[Any]: ...

    @abstractmethod
    def values(self) -> Iterable[Any]: ...

    @abstractmethod
    def is_empty(self) -> bool: ...

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self.put(key, value)

    def __delitem__(self, key: Any) -> None:
        self.remove(key)

    def __contains__(self, key: Any) -> bool:
        return self.contains(key)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())


class ReadOnlyBroadcastState(State):
    """What the non-broadcast side sees of broadcast state: reads only."""

    @abstractmethod
    def get(self, key: Any) -> Any: ...

    @abstractmethod
    def contains(self, key: Any) -> bool: ...

    @abstractmethod
    def items(self) -> Iterable[tuple[Any, Any]]: ...

    @abstractmethod
    def keys(self) -> Iterable[Any]: ...

    @abstractmethod
    def values(self) -> Iterable[Any]: ...

    @abstractmethod
    def is_empty(self) -> bool: ...

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)

    def __contains__(self, key: Any) -> bool:
        return self.contains(key)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.keys())


class BroadcastState(ReadOnlyBroadcastState):
    """Broadcast state as the broadcast side sees it: every parallel instance holds its own copy, kept equal
    because every instance receives every broadcast element and must update its copy deterministically."""

    @abstractmethod
    def put(self, key: Any, value: Any) -> None: ...

    @abstractmethod
    def put_all(self, dict_value: dict) -> None: ...

    @abstractmethod
    def remove(self, key: Any) -> None: ...

    def __setitem__(self, key: Any, value: Any) -> None:
        self.put(key, value)

    def __delitem__(self, key: Any) -> None:
        self.remove(key)


class OperatorStateStore(ABC):
    """Operator (non-keyed) state of one parallel instance.

    PyFlink 2.3 offers only ``get_broadcast_state``; ``get_list_state`` and ``get_union_list_state`` are the
    Java API, available in flowlab as an extension through ``CheckpointedFunction`` (not in PyFlink 2.3).
    """

    @abstractmethod
    def get_broadcast_state(self, state_descriptor: MapStateDescriptor) -> BroadcastState: ...


__all__ = [
    "AggregatingState", "AggregatingStateDescriptor", "AppendingState", "BroadcastState", "ListState",
    "ListStateDescriptor", "MapState", "MapStateDescriptor", "MergingState", "OperatorStateStore",
    "ReadOnlyBroadcastState", "ReducingState", "ReducingStateDescriptor", "State", "StateDescriptor",
    "StateTtlConfig", "ValueState", "ValueStateDescriptor",
]
