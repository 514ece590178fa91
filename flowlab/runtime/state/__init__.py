"""State: keyed state backends (heap and RocksDB), operator and broadcast state, TTL, serializers."""
from flowlab.runtime.state.backend import KeyedStateBackend, KeyGroupError, StateNameError
from flowlab.runtime.state.factory import StateBackends, UnknownStateBackendError, configured_backend
from flowlab.runtime.state.handles import VOID, StateTypeError
from flowlab.runtime.state.heap_backend import HeapKeyedStateBackend

__all__ = ["HeapKeyedStateBackend", "KeyGroupError", "KeyedStateBackend", "StateBackends", "StateNameError",
           "StateTypeError", "UnknownStateBackendError", "VOID", "configured_backend"]
