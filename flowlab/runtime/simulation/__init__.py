"""The Simulation handle: stepping, breakpoints, time travel, faults and metrics of one simulated job."""
from flowlab.runtime.simulation.breakpoints import Breakpoint
from flowlab.runtime.simulation.simulation import JobExecutionException, JobNotBoundedError, Simulation

__all__ = ["Breakpoint", "JobExecutionException", "JobNotBoundedError", "Simulation"]
