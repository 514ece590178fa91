"""In a real IPython kernel, a view follows moves made from later code cells (redrawn once per cell)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[2]

CELLS = [
    """import flowlab
from flowlab.common import Types
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.viz import Dashboard
env = StreamExecutionEnvironment.get_execution_environment()
env.from_collection(list(range(20)), Types.INT()).map(lambda x: x + 1).print()
sim = flowlab.Simulation(env)
dash = Dashboard(sim)
display(dash)


def shown():
    return dash.status.value.split('flowlab-step-count">')[1].split('<')[0]""",
    "for _ in range(25):\n    sim.step()",
    "print(dash.redraws, shown())",
    "sim.back(5)\nprint(dash.redraws, shown())",
    "print(dash.redraws, shown())",
]


@pytest.mark.slow
def test_views_follow_moves_made_in_later_cells(monkeypatch) -> None:
    """25 sim.step() calls in one cell redraw the Dashboard once, after the cell; a back() in the next cell
    is shown after that cell."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    printed = [tuple("".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout").split())
               for cell in nb.cells[2:5]]
    # after the stepping cell: the first drawing + exactly one redraw, showing step 25;
    # inside the back() cell the redraw has not happened yet; after it, it has (step 20)
    assert printed == [("2", "25"), ("2", "25"), ("3", "20")]
