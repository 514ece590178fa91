"""The Simulation handle: stepping, breakpoints, time travel, faults and metrics of one simulated job."""
from flowlab.runtime.simulation.breakpoints import Breakpoint
from flowlab.runtime.simulation.copy_check import SnapshotCopyError
from flowlab.runtime.simulation.horizon import Horizon
from flowlab.runtime.simulation.replay_check import ReplayDivergenceWarning
from flowlab.runtime.simulation.simulation import (
    Events,
    JobExecutionException,
    JobNotBoundedError,
    Simulation,
    UnfiredWindowsWarning,
)

__all__ = ["Breakpoint", "Events", "Horizon", "JobExecutionException", "JobNotBoundedError", "ReplayDivergenceWarning",
           "Simulation", "SnapshotCopyError", "UnfiredWindowsWarning"]
