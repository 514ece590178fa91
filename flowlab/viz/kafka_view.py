"""KafkaTopicView (flowlab extension): the simulated Kafka's topics, live — records per partition tinted by their
transaction's state, markers, the last stable offset, consumer group offsets, what each isolation level reads."""
from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.kafka_html import kafka_topics, render_kafka
from flowlab.viz.view import Displayable


class KafkaTopicView(Displayable):
    """The topics of the run's ``SimulatedKafka`` clusters (flowlab extension; a real cluster has its own
    tools): per partition its records (offset, key, value) tinted by the transaction that wrote them — none,
    committed, open, aborted — and the COMMIT/ABORT markers that take offsets; the last stable offset, each
    consumer group's committed offset and where each of the job's Kafka readers reads next; one line each for
    what a ``read_committed`` and a ``read_uncommitted`` consumer read now; the transactions (id, producer id
    and epoch, state, records, partitions, times, why it ended). ``topic`` / ``servers`` pick one topic or
    cluster. Redraws whenever ``sim`` moves (``follow=False``: only on ``refresh``).
    Simplification: the newest 48 records of a partition are drawn (the readers' lines count the snapshot's
    newest 500).
    """

    def __init__(self, sim: Steppable | None = None, topic: str | None = None, servers: str | None = None,
                 follow: bool = True) -> None:
        self.sim = sim
        self.topic = topic
        self.servers = servers
        self.html = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.widget = widgets.VBox([self.html])
        self.follower = follow_sim(self, sim, follow)
        if sim is not None:
            self.refresh()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``)."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("KafkaTopicView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        self.html.value = render_kafka(snapshot, self.topic, self.servers)


def has_kafka(snapshot: dict[str, Any]) -> bool:
    """True once the job has opened a simulated Kafka cluster with a topic (then the Dashboard shows the tab)."""
    return bool(kafka_topics(snapshot))
