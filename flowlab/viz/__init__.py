"""flowlab.viz: live views of a Simulation in JupyterLab (ipywidgets) and the pure renderers behind them.

``Dashboard(sim)`` gives controls (step, play, time travel, chunked runs with Stop), a status line, the job
graph, the stages of a BATCH job (``StagesView``), the event-time tabs (``WatermarkView``, ``EventTimeView``,
``WindowView``; no watermark tab in BATCH), the backpressure view, the checkpoint and state tabs
(``CheckpointView``, ``ConsistentCutView``, ``StateView``, ``KeyGroupView``), the end-to-end tabs
(``RecoveryTimelineView``, ``KafkaTopicView``, ``FileSinkView``; all seven flowlab extensions) and the recent
events; every drawing is a pure function from a snapshot dict to SVG/HTML (``flowlab.viz.render``), testable without Jupyter. Every view follows its Simulation (``follow.py``): it
redraws whenever the Simulation moves, whoever moved it.
"""
from flowlab.viz.backpressure_view import BackpressureView
from flowlab.viz.checkpoint_panel import CheckpointPanel
from flowlab.viz.checkpoint_view import CheckpointView
from flowlab.viz.cut_view import ConsistentCutView
from flowlab.viz.dashboard import Dashboard
from flowlab.viz.event_time_view import EventTimePanel, EventTimeView
from flowlab.viz.file_sink_view import FileSinkView
from flowlab.viz.job_graph_view import JobGraphView
from flowlab.viz.kafka_view import KafkaTopicView
from flowlab.viz.key_group_view import KeyGroupView
from flowlab.viz.recovery_panel import RecoveryPanel
from flowlab.viz.recovery_view import RecoveryTimelineView
from flowlab.viz.render import compute_layout, render_event_log, render_job_graph, render_status
from flowlab.viz.stages_view import StagesView
from flowlab.viz.state_view import StateView
from flowlab.viz.view import View
from flowlab.viz.watermark_view import WatermarkView
from flowlab.viz.window_view import WindowView

__all__ = ["BackpressureView", "CheckpointPanel", "CheckpointView", "ConsistentCutView", "Dashboard",
           "EventTimePanel", "EventTimeView", "FileSinkView", "JobGraphView", "KafkaTopicView", "KeyGroupView",
           "RecoveryPanel", "RecoveryTimelineView", "StagesView", "StateView", "View", "WatermarkView", "WindowView",
           "compute_layout", "render_event_log", "render_job_graph", "render_status"]
