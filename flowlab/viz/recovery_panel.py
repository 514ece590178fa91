"""The Dashboard's end-to-end tabs (flowlab extension): "Recovery" once something failed, "Kafka" when the job
uses the simulated Kafka, "Files" when it has a FileSink."""
from __future__ import annotations

from flowlab.trace import Steppable
from flowlab.viz.file_sink_view import FileSinkView, has_file_sinks
from flowlab.viz.kafka_view import KafkaTopicView, has_kafka
from flowlab.viz.recovery_timeline import has_failures
from flowlab.viz.recovery_view import RecoveryTimelineView
from flowlab.viz.tab_panel import TabPanel


class RecoveryPanel(TabPanel):
    """Tabs "Recovery" (``RecoveryTimelineView``), "Kafka" (``KafkaTopicView``) and "Files" (``FileSinkView``) for
    the Dashboard (flowlab extension): Recovery appears when a task fails, Kafka when the job has opened a
    simulated Kafka cluster, Files when it has a FileSink; the panel stays hidden while none holds. Only the
    selected tab redraws on a step (the others catch up when selected).
    """

    def __init__(self, sim: Steppable | None = None, follow: bool = False) -> None:
        self.recovery = RecoveryTimelineView()
        self.recovery.sim = sim            # reads the trace; drawn only when selected
        self.kafka = KafkaTopicView()
        self.files = FileSinkView()
        super().__init__(sim, [("Recovery", self.recovery, has_failures), ("Kafka", self.kafka, has_kafka),
                               ("Files", self.files, has_file_sinks)], follow)
