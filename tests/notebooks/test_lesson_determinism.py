"""Every simulation a lesson builds produces the same trace in fresh processes with different hash seeds.

The lessons' code cells run as one plain script (no kernel); every ``flowlab.Simulation`` created is
recorded, and at the end the trace digest of each is printed. Two runs with different
``PYTHONHASHSEED`` must print identical digests — the determinism promise, checked on real lessons.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

pytestmark = pytest.mark.notebooks

PRELUDE = """\
import flowlab.runtime.simulation as _fs
from IPython.display import display  # noqa: F401 - lessons call display(...)
_sims = []
_orig_init = _fs.Simulation.__init__
def _init(self, *a, **k):
    _orig_init(self, *a, **k)
    _sims.append(self)
_fs.Simulation.__init__ = _init
"""

EPILOGUE = """
print("DIGESTS", [(s.step_count, s.trace_digest()) for s in _sims if s._record])
"""


def _script(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    return PRELUDE + "\n\n".join(cells) + EPILOGUE


def _digests(notebook: Path, hash_seed: str, tmp: Path) -> list:
    # the same temporary directory for both runs: a lesson that writes checkpoints under tempfile.gettempdir()
    # names the same paths in its trace, and no other run of the lesson writes there at the same time
    env = dict(os.environ, PYTHONHASHSEED=hash_seed, MPLBACKEND="Agg", TMPDIR=str(tmp))
    proc = subprocess.run([sys.executable, "-c", _script(notebook)], cwd=notebook.parent, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{notebook.name} failed as a script:\n{proc.stderr[-3000:]}"
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("DIGESTS "))
    return eval(line[len("DIGESTS "):])  # noqa: S307 - our own printed literal


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_lesson_traces_do_not_depend_on_the_process(notebook: Path, tmp_path: Path) -> None:
    """Same lesson, two processes, PYTHONHASHSEED 1 and 2: identical (step count, trace digest) per simulation."""
    first = _digests(notebook, "1", tmp_path)
    assert first, f"{notebook.name} builds no Simulation with a trace"
    assert _digests(notebook, "2", tmp_path) == first
