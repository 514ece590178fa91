"""flowlab: Apache Flink's runtime, simulated deterministically, for learning in Jupyter.

``flowlab.Simulation(env, seed=0)`` builds a job for stepping; ``flowlab.common`` and
``flowlab.datastream`` mirror PyFlink's API.
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["Simulation", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "Simulation":
        from flowlab.runtime import Simulation
        return Simulation
    raise AttributeError(f"module 'flowlab' has no attribute {name!r}")
