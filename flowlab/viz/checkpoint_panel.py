"""The Dashboard's fault-tolerance tabs (flowlab extension): "Checkpoints" and "Consistent cut" when the job
takes checkpoints, "State" and "Key groups" when an operator keeps (keyed) state."""
from __future__ import annotations

from flowlab.trace import Steppable
from flowlab.viz.checkpoint_view import CheckpointView, checkpointing_enabled
from flowlab.viz.cut_view import ConsistentCutView
from flowlab.viz.key_group_view import KeyGroupView, has_keyed_state
from flowlab.viz.state_view import StateView, has_state
from flowlab.viz.tab_panel import TabPanel


class CheckpointPanel(TabPanel):
    """Tabs "Checkpoints" (``CheckpointView``), "Consistent cut" (``ConsistentCutView``), "State"
    (``StateView``) and "Key groups" (``KeyGroupView``) for the Dashboard (flowlab extension). The checkpoint
    tabs appear when checkpointing is enabled, the State tab when some operator keeps state, the Key groups tab
    when it is keyed state; the panel stays hidden while none holds. Only the selected tab redraws on a step
    (the others catch up when selected).
    """

    def __init__(self, sim: Steppable | None = None, follow: bool = False) -> None:
        self.checkpoints = CheckpointView()
        self.cut = ConsistentCutView()
        self.cut.sim = sim                 # reads the trace and retained checkpoints; drawn only when selected
        self.state = StateView()
        self.key_groups = KeyGroupView()
        super().__init__(sim, [("Checkpoints", self.checkpoints, checkpointing_enabled),
                               ("Consistent cut", self.cut, checkpointing_enabled),
                               ("State", self.state, has_state),
                               ("Key groups", self.key_groups, has_keyed_state)], follow)
