"""Keyed state backends: all operator state lives behind this interface."""
from flowlab.runtime.state.heap_backend import HeapKeyedStateBackend

__all__ = ["HeapKeyedStateBackend"]
