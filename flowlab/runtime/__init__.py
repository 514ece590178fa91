"""The simulated Flink runtime: cluster, tasks, network, operators, state; the Simulation handle."""
from flowlab.runtime.simulation import Breakpoint, JobExecutionException, JobNotBoundedError, Simulation

__all__ = ["Breakpoint", "JobExecutionException", "JobNotBoundedError", "Simulation"]
