"""The simulated Flink runtime and the Simulation handle.

Sub-packages, one subsystem each (dependencies point down this list; ``tests/test_layers.py`` checks it):
``simulation`` (the handle notebooks and views use) and ``snapshots`` (plain data for the views) on top;
``job_runtime`` (the root of one run); ``cluster`` (JobMaster, ResourceManager, TaskManagers, faults);
``metrics``; ``tasks`` (the mailbox loop, outputs, watermark valves); ``operators``; ``network``
(partitions, gates, credits, debloating, partitioners); ``state``; and at the bottom ``elements``,
``phases`` and ``recorder``.
"""
from flowlab.runtime.simulation import Breakpoint, JobExecutionException, JobNotBoundedError, Simulation

__all__ = ["Breakpoint", "JobExecutionException", "JobNotBoundedError", "Simulation"]
