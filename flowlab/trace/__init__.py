"""Typed trace events and the Steppable protocol: the one record that views, tests and notebooks read."""
from flowlab.trace.events import EventKind, Trace, TraceEvent
from flowlab.trace.steppable import Steppable

__all__ = ["EventKind", "Trace", "TraceEvent", "Steppable"]
