"""JobGraphView: an HTML widget holding the SVG, and a chained/unchained toggle."""
from __future__ import annotations

from flowlab.viz import JobGraphView
from flowlab.viz.job_graph_view import CHAINED, UNCHAINED


def test_view_renders_the_sims_snapshot(fake_sim):
    """On creation the view draws sim.snapshot() as the chained job graph."""
    view = JobGraphView(fake_sim)
    assert 'class="flowlab-jobgraph" data-view="chained"' in view.html.value
    assert view.toggle._options_labels == (CHAINED, UNCHAINED)
    assert view.toggle.label == "Chained (tasks)"


def test_toggle_redraws_unchained_without_a_new_snapshot(fake_sim):
    """Switching the toggle re-renders the last snapshot; it does not query the simulation again."""
    view = JobGraphView(fake_sim)
    taken = fake_sim.snapshots_taken
    view.toggle.value = False
    assert 'data-view="unchained"' in view.html.value and 'class="flowlab-operator"' in view.html.value
    assert fake_sim.snapshots_taken == taken
    assert view.toggle.label == "Unchained (operators)"


def test_refresh_uses_a_given_snapshot(snapshot_factory):
    """refresh(snapshot) draws that snapshot; a view needs no simulation for it."""
    view = JobGraphView()
    assert view.html.value == ""
    view.refresh(snapshot_factory(step=5))
    assert "step 5" in view.html.value


def test_view_is_displayable(fake_sim):
    """display(view) shows its widget (a widget-view mime bundle)."""
    bundle = JobGraphView(fake_sim)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
