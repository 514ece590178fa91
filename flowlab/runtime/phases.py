"""Phases: the order of kernel calls that fall on the same virtual microsecond (lower runs first).

Injected faults and stalls come first (so re-scheduling them after time travel keeps the order), then
cluster control, then network deliveries and credits, then task work; the metrics sampler runs last so
that a sample sees the settled state.
"""
PHASE_FAULT = -1
PHASE_CONTROL = 0
PHASE_NETWORK = 1
PHASE_TASK = 2
PHASE_METRICS = 9
