"""Every notebook in notebooks/ runs top to bottom headlessly and is stored without outputs."""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
from nbclient.exceptions import CellExecutionError, CellTimeoutError  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = ROOT / "notebooks"
CELL_TIMEOUT_S = 300
KERNEL_STARTUP_TIMEOUT_S = 120
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

pytestmark = pytest.mark.notebooks


def _notebooks() -> list:
    found = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
    if not found:
        return [pytest.param(None, id="no-notebooks", marks=pytest.mark.skip(reason="no notebooks/*.ipynb yet"))]
    return [pytest.param(p, id=p.name) for p in found]


def _load_cleaner():
    spec = importlib.util.spec_from_file_location("clean_notebooks", ROOT / "tools" / "clean_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def kernel_env(monkeypatch, tmp_path):
    """The kernel inherits this process's environment: make flowlab importable from the checkout, and give it its
    own temporary directory (lesson 08 writes checkpoints under tempfile.gettempdir())."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")


def _failing_cell(nb) -> tuple[int, str, str] | None:
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                tb = ANSI.sub("", "\n".join(out.get("traceback", [])))
                return index, cell.source, tb or f"{out.get('ename')}: {out.get('evalue')}"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("path", _notebooks())
def test_notebook_runs(path: Path, kernel_env) -> None:
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        startup_timeout=KERNEL_STARTUP_TIMEOUT_S,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    try:
        client.execute()
    except CellTimeoutError as exc:
        pytest.fail(f"{path.name}: a cell ran longer than {CELL_TIMEOUT_S} s\n{ANSI.sub('', str(exc))}", pytrace=False)
    except CellExecutionError as exc:
        where = _failing_cell(nb)
        if where is None:
            pytest.fail(f"{path.name}: {ANSI.sub('', str(exc))}", pytrace=False)
        index, source, tb = where
        pytest.fail(
            f"{path.name}: cell {index} failed\n"
            f"----- cell {index} source -----\n{source}\n"
            f"----- traceback -----\n{tb}",
            pytrace=False,
        )


@pytest.mark.parametrize("path", _notebooks())
def test_notebook_is_stored_clean(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    found = _load_cleaner().problems(nb)
    assert not found, (
        f"{path.name} is stored with outputs; run `python tools/clean_notebooks.py notebooks`:\n  "
        + "\n  ".join(found)
    )


def test_cleaner_strips_outputs() -> None:
    """Self-test of tools/clean_notebooks.py so the clean check is meaningful even without notebooks."""
    cleaner = _load_cleaner()
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(1)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    cell.execution_count = 3
    cell.metadata["execution"] = {"iopub.status.busy": "2024-01-01T00:00:00Z"}
    nb.cells = [nbformat.v4.new_markdown_cell("# t"), cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    assert len(cleaner.problems(nb)) == 4
    assert cleaner.clean(nb) is True
    assert cleaner.problems(nb) == []
    assert cleaner.clean(nb) is False
    nbformat.validate(nb)
