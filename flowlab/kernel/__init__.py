"""Deterministic discrete-event kernel: virtual clock, ordered event queue, seeded random streams.

Nothing Flink-specific lives here (see ``docs`` / architecture, "Kernel").
"""
from flowlab.kernel.loop import Kernel, ScheduledCall
from flowlab.kernel.random_streams import RandomStreams

__all__ = ["Kernel", "ScheduledCall", "RandomStreams"]
