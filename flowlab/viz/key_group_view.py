"""KeyGroupView (flowlab extension): a keyed operator's key groups per subtask, its keys in them, and where key
groups and keys go when the job is rescaled — computed (``rescale_to``) or seen in a restored job (``after``)."""
from __future__ import annotations

from html import escape
from typing import Any

import ipywidgets as widgets

from flowlab.trace import Steppable
from flowlab.viz import key_group_moves as kgm
from flowlab.viz.follow import Follower
from flowlab.viz.follow import follow as follow_sim
from flowlab.viz.render.key_groups_svg import render_key_groups, render_key_table
from flowlab.viz.view import Displayable

FONT = "font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:12px;color:#1f2933"


class KeyGroupView(Displayable):
    """Key groups of a keyed operator (flowlab extension; Flink computes them inside its runtime with
    ``KeyGroupRangeAssignment``): one box per subtask as wide as the contiguous range of key groups it owns at its
    parallelism and max parallelism, each key of the state snapshot as a dot at its key group, and — for a
    rescale — a second row at the new parallelism with a ribbon per run of key groups: grey where they stay on
    their subtask, orange where they (and the state of their keys) move to another one; a table lists every
    key's key group and subtask before and after.

    ``operator``: an operator id, operator name or vertex id (default: the first keyed operator).
    ``rescale_to``: the parallelism to compare with, computed with Flink's ``computeKeyGroupRangeForOperatorIndex``
    and ``computeOperatorIndexForKeyGroup`` (a box under the picture changes it). ``after``: a second Simulation,
    e.g. the job restored from ``sim``'s savepoint, drawn as it really placed its key groups and keys. A job that
    was itself restored from a checkpoint or savepoint (``snapshot["key_groups"]`` has the stored layout) is drawn
    against it by default: its key groups in the snapshot it started from, and now.
    Redraws whenever ``sim`` (or ``after``) moves (``follow=False``: only on ``refresh``).
    Simplification: the keys are those of the state snapshot (at most 100 per state and subtask).
    """

    def __init__(self, sim: Steppable | None = None, operator: str | None = None, rescale_to: int | None = None,
                 after: Steppable | None = None, follow: bool = True) -> None:
        if rescale_to is not None and after is not None:
            raise ValueError("KeyGroupView: give either rescale_to (a computed rescale) or after (a restored job), "
                             "not both")
        self.sim = sim
        self.after = after
        self.operator = operator
        self.summary = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.svg = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.table = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.rescale = widgets.BoundedIntText(value=rescale_to or 1, min=1, max=32768, description="rescale to",
                                              layout=widgets.Layout(width="190px",
                                                                    display="none" if after is not None else "flex"))
        self._wanted = rescale_to
        self._setting = False
        self.model: dict[str, Any] | None = None
        self._snapshot: dict[str, Any] | None = None
        self.widget = widgets.VBox([self.summary, self.rescale, self.svg, self.table])
        self.rescale.observe(self._on_rescale, names="value")
        self.follower = follow_sim(self, sim, follow)
        self.after_follower = None
        if after is not None and follow:
            self.after_follower = Follower(after, self.refresh, self.widget)
            self.widget._flowlab_after_follower = self.after_follower
        if sim is not None:
            self.refresh()

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None:
        """Redraw from ``snapshot`` (default: ``sim.snapshot()``) and, with ``after``, its current snapshot."""
        if snapshot is None:
            if self.sim is None:
                raise ValueError("KeyGroupView.refresh() needs a snapshot when the view has no simulation")
            snapshot = self.sim.snapshot()
        self._snapshot = snapshot
        self._draw()

    def _on_rescale(self, change: dict[str, Any]) -> None:
        if not self._setting:
            self._wanted = change["new"]
            self._draw()

    def _draw(self) -> None:
        snap = self._snapshot
        if snap is None:
            return
        op = kgm.resolve_operator(snap, self.operator)
        if op is None:
            self.model = None
            self.summary.value = (f'<div class="flowlab-kg-empty" style="{FONT};color:#5b6675">No keyed operator '
                                  "holds state yet: key groups appear once a keyed operator has opened.</div>")
            self.svg.value = self.table.value = ""
            return
        before = kgm.layout(snap, op)
        stored = (kgm.restored_layout(snap, before) if self.after is None and self._wanted is None else None)
        if stored is not None:                     # a restored job: where its key groups were in the snapshot
            before, after = stored, before
            what = stored["restored_from"].get("kind") or "checkpoint"
            labels = (f"in the {what} · parallelism {before['parallelism']}",
                      f"restored · parallelism {after['parallelism']}")
            self._show_parallelism(after)
            how = f"Restored from a {what} of parallelism {before['parallelism']} at parallelism {after['parallelism']}"
        else:
            after, labels = self._after(before, op)
            verb = "restored at" if self.after is not None else "rescaled to"
            how = (f"Parallelism {before['parallelism']} {verb} {after['parallelism']}" if after is not None
                   else "")
        model = kgm.moves(before, after) if after is not None else None
        self.model = {"before": before, "after": after, "moves": model}
        self.summary.value = _summary(before, after, model, how)
        self.svg.value = render_key_groups(before, after, model, labels)
        self.table.value = render_key_table(model or kgm.moves(before, before))

    def _after(self, before: dict[str, Any], op: str) -> tuple[dict[str, Any] | None, tuple[str, str]]:
        if self.after is not None:
            snap = self.after.snapshot()
            other = kgm.resolve_operator(snap, self.operator or before["name"])
            if other is None:
                return None, ("", "")
            lay = kgm.layout(snap, other)
            return lay, (f"before · parallelism {before['parallelism']}",
                         f"after (restored) · parallelism {lay['parallelism']}")
        p = self._wanted
        self._show_parallelism(before, p)
        if p is None or p == before["parallelism"]:
            return None, ("", "")
        if p > before["max_parallelism"]:
            raise ValueError(f"rescale_to={p} is larger than the max parallelism {before['max_parallelism']}: "
                             "a subtask needs at least one key group")
        return kgm.rescaled(before, p), (f"now · parallelism {before['parallelism']}",
                                         f"rescaled · parallelism {p}")

    def _show_parallelism(self, lay: dict[str, Any], p: int | None = None) -> None:
        """The box shows the parallelism drawn (``p``, else the layout's), without redrawing."""
        self._setting = True
        try:
            self.rescale.max = lay["max_parallelism"]
            self.rescale.value = lay["parallelism"] if p is None else min(p, lay["max_parallelism"])
        finally:
            self._setting = False


def _summary(before: dict[str, Any], after: dict[str, Any] | None, model: dict[str, Any] | None, how: str) -> str:
    m = before["max_parallelism"]
    head = (f'<b>{escape(before["name"])}</b> <span style="color:#8a94a3">({escape(before["operator"])} in task '
            f'{escape(str(before["vertex"]))})</span> · max parallelism {m} = {m} key groups; a key\'s key group '
            f'never changes (murmurHash(hashCode(key)) % {m}), each subtask owns a contiguous range of them')
    lines = [head]
    if after is not None and after["max_parallelism"] != m:
        lines.append(f'<span class="flowlab-kg-max-changed" style="color:#b91c1c">The max parallelism changed from '
                     f'{m} to {after["max_parallelism"]}: every key would fall into another key group, so Flink '
                     "cannot restore keyed state into it (keep pipeline.max-parallelism when rescaling).</span>")
    elif after is not None and model is not None:
        keys = [k for k in model["keys"] if k["from"] is not None and k["to"] is not None]
        moved = sum(1 for k in keys if k["from"] != k["to"])
        lines.append(f'<span class="flowlab-kg-moves" data-moved="{model["moved_key_groups"]}">'
                     f'{how}: '
                     f'<b>{model["moved_key_groups"]} of {m}</b> key groups move to another subtask; '
                     f'{moved} of {len(keys)} key(s) move with them.</span>')
    if before.get("truncated"):
        lines.append('<span style="color:#8a94a3">Keys: the first 100 per state and subtask of the snapshot.</span>')
    return f'<div class="flowlab-kg-summary" style="{FONT};line-height:1.5">' + "<br>".join(lines) + "</div>"


def has_keyed_state(snapshot: dict[str, Any]) -> bool:
    """True when some operator has keyed state (then the Dashboard shows the Key groups tab)."""
    return bool(kgm.keyed_operators(snapshot))
