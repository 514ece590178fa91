"""The lessons' text agrees with what they compute and with PyFlink, and points nowhere outside the repository."""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]


def _cells(path: Path, kind: str | None = None) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if kind is None or c["cell_type"] == kind]


def _lesson(number: str) -> Path:
    return next(p for p in NOTEBOOKS if p.name.startswith(number))


def _setup(number: str) -> dict[str, Any]:
    """Run a lesson's first code cell (its imports and helpers) and return its namespace."""
    namespace: dict[str, Any] = {}
    exec(compile(_cells(_lesson(number), "code")[0], f"lesson {number} setup", "exec"), namespace)  # noqa: S102
    return namespace


# -- nothing points outside the repository --------------------------------------------------------
OUTSIDE = re.compile(r"\.\./shared|shared/reference|shared/oracle|flink-semantics|§\s*\d|oracle case")


def _project_texts() -> list[tuple[str, str]]:
    texts = [(p.name, "\n".join(_cells(p))) for p in NOTEBOOKS]
    texts += [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8"))
              for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
                        *sorted((ROOT / "flowlab").rglob("*.py"))]]
    return texts


def test_nothing_points_outside_the_repository() -> None:
    """No lesson, README line, doc or flowlab docstring names ../shared, the reference's sections or oracle cases."""
    found = [(name, m.group(0)) for name, text in _project_texts() for m in OUTSIDE.finditer(text)]
    assert found == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_lesson_promises_a_lesson_that_does_not_exist(path: Path) -> None:
    """'a later lesson' is not promised, and every 'lesson NN' named is one of the notebooks."""
    text = "\n".join(_cells(path, "markdown"))
    assert re.findall(r"(?:later|next|coming|future) lesson", text, re.I) == []
    existing = {int(p.name[:2]) for p in NOTEBOOKS}
    named = {int(n) for n in re.findall(r"[Ll]esson (\d\d)", text)}
    assert named <= existing


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_solution_cell_is_hidden(path: Path) -> None:
    """A cell that holds the exercise's solution runs it only after SHOW_SOLUTION = True, as Run All must not."""
    for source in _cells(path, "code"):
        if re.search(r"\bdef solution\b|\bclass Solution\b", source):
            assert source.startswith("SHOW_SOLUTION = False\n"), source[:80]
            assert "\nif SHOW_SOLUTION:\n" in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_paragraph_appears_twice(path: Path) -> None:
    """Every markdown paragraph of a lesson is said once."""
    paragraphs = [p.strip() for cell in _cells(path, "markdown") for p in cell.split("\n\n") if len(p.strip()) > 60]
    repeated = sorted({p[:60] for p in paragraphs if paragraphs.count(p) > 1})
    assert repeated == []


# -- lesson 04 ---------------------------------------------------------------------------------------
def test_lesson04_count_window_tables_name_the_windows_as_pyflink_does() -> None:
    """The count-window table rows read CountWindow(id=0), (id=1), as PyFlink prints them, not 'global window'."""
    ns = _setup("04")
    records = [("a", v, v * 100) for v in range(1, 8)]
    table = ns["windows"](records, lambda k: k.count_window(3).process(ns["Show"]()))
    assert list(table["window"]) == ["CountWindow(id=0)", "CountWindow(id=1)"]
    assert "global window" not in "\n".join(_cells(_lesson("04"), "code"))


def test_lesson04_session_text_names_the_record_dropped_as_late() -> None:
    """The session example drops ("b", 6, 150) as late, and the text right after it says so."""
    ns = _setup("04")
    records = [("a", 1, 0), ("a", 2, 300), ("a", 3, 600), ("a", 4, 901), ("a", 5, 1200), ("b", 6, 150)]
    table = ns["windows"](records, lambda k: k.window(ns["EventTimeSessionWindows"].with_gap(ns["ms"](300)))
                          .process(ns["Show"]()))
    assert list(table["key"]) == ["a", "a"]
    text = next(c for c in _cells(_lesson("04"), "markdown") if "touch and fuse into `[0, 900)`" in c)
    assert 'its only record, `("b", 6, 150)`' in text and "**late and dropped**" in text


def test_lesson04_window_all_cell_shows_what_its_text_says() -> None:
    """The window_all cell prints one subtask doing all the work at parallelism 3; the text contrasts it with Java."""
    ns = _setup("04")
    cell = next(c for c in _cells(_lesson("04"), "code") if ".window_all(" in c)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(cell, "lesson 04 window_all", "exec"), ns)  # noqa: S102
    assert out.getvalue().splitlines() == [
        "printed: ['1> 7', '1> 8']",
        "AllWindow(TumblingEventTimeWindows(1000)) -> Print to Std. Out: parallelism 3, records in per subtask "
        "[4, 0, 0]"]
    text = "\n".join(_cells(_lesson("04"), "markdown"))
    assert "**Java's `windowAll`** runs the window operator at **parallelism 1**." in text
    assert "runs the window operator at the **default parallelism**" in text


# -- lesson 05 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("heading, call", [("## Window join", ".join("), ("## coGroup", ".co_group("),
                                           ("## Interval join", ".interval_join(")])
def test_lesson05_each_join_heading_is_followed_by_its_own_code(heading: str, call: str) -> None:
    """The first code cell after each join heading uses that join (no window-join view under 'coGroup')."""
    nb = json.loads(_lesson("05").read_text(encoding="utf-8"))
    cells = [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]
    start = next(i for i, (kind, src) in enumerate(cells) if kind == "markdown" and heading in src)
    first_code = next(src for kind, src in cells[start:] if kind == "code")
    assert call in first_code


# -- lesson 06 ---------------------------------------------------------------------------------------
def test_lesson06_defaults_row_uses_flinks_default_segments() -> None:
    """The row called 'defaults' uses Flink's 32 KiB segments; nothing uses segments below Flink's 4 KiB minimum."""
    code = "\n".join(_cells(_lesson("06"), "code"))
    assert '"Flink\'s defaults (2 + 8 buffers of 32 KiB)": buffers_experiment(2, 8, "32kb")' in code
    sources = [code, (ROOT / "flowlab" / "exercises" / "lesson06.py").read_text(encoding="utf-8")]
    sizes = [int(n) for text in sources for n in re.findall(r'"(\d+)kb"', text)]
    assert sizes and min(sizes) >= 4


def test_lesson06_tables_print_whole_numbers_plainly() -> None:
    """1.0 shows as 1 (not 1e+00), 0.35 as 0.35, 999.4 as 999: the lesson's number format."""
    ns = _setup("06")
    number = ns["number"]
    assert [number(1.0), number(0.35), number(999.4), number(0.0), number(12.5)] == ["1", "0.35", "999", "0", "12.50"]
    assert "display.precision" not in "\n".join(_cells(_lesson("06"), "code"))


# -- non-PyFlink names are marked where a lesson first uses them ------------------------------------
SCAN = """\
import json, sys
from IPython.display import display  # noqa: F401 - lessons call display(...)
from flowlab.datastream.pyflink_compat import recording
cells = json.loads(sys.argv[1])
with recording() as names:
    for source in cells:
        exec(compile(source, "cell", "exec"), globals())
print("NON_PYFLINK", json.dumps(sorted(set(names))))
"""

# what a lesson's text must name, in backticks, for each recorded call
TOKENS = {"DataStream.join": "join", "DataStream.co_group": "co_group", "KeyedStream.interval_join": "interval_join",
          "WindowedStream.evictor": "evictor", "DataStream.set_processing_cost": "set_processing_cost",
          "DataStream.add_sink": "add_sink", "StreamExecutionEnvironment.get_job_graph": "get_job_graph",
          "ScriptedSource": "ScriptedSource", "GeneratorSource": "GeneratorSource", "JobClient.run_until": "run_until",
          "JobClient.simulation": "simulation",
          "UpsertSink": "UpsertSink"}
SAYS_NOT_PYFLINK = ("not in PyFlink", "flowlab extension", "PyFlink 2.3 has none", "PyFlink lacks", "Java API only")


def _non_pyflink_calls(path: Path) -> list[str]:
    env = dict(os.environ, MPLBACKEND="Agg", TMPDIR=tempfile.mkdtemp(prefix="lesson-scan-"))   # lesson 08 writes there
    proc = subprocess.run([sys.executable, "-c", SCAN, json.dumps(_cells(path, "code"))], cwd=path.parent, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("NON_PYFLINK "))
    return json.loads(line[len("NON_PYFLINK "):])


@pytest.fixture(scope="module")
def calls_per_lesson() -> dict[str, list[str]]:
    return {p.name: _non_pyflink_calls(p) for p in NOTEBOOKS}


@pytest.mark.slow
@pytest.mark.notebooks
def test_lessons_use_exactly_these_non_pyflink_calls(calls_per_lesson: dict[str, list[str]]) -> None:
    """Running every lesson records which non-PyFlink calls it makes (strict mode would refuse these)."""
    assert {name[:2]: calls for name, calls in calls_per_lesson.items()} == {
        "01": [],
        "02": ["StreamExecutionEnvironment.get_job_graph"],
        "03": ["ScriptedSource"],
        "04": ["ScriptedSource", "WindowedStream.evictor"],
        "05": ["DataStream.co_group", "DataStream.join", "KeyedStream.interval_join", "ScriptedSource"],
        "06": ["DataStream.add_sink", "DataStream.set_processing_cost", "GeneratorSource"],
        "07": ["GeneratorSource", "ScriptedSource"],
        "08": ["DataStream.add_sink", "DataStream.set_processing_cost", "GeneratorSource", "ScriptedSource"],
        "09": ["DataStream.set_processing_cost", "ScriptedSource", "UpsertSink"],
        "10": ["JobClient.run_until", "JobClient.simulation", "ScriptedSource"],
        "11": ["GeneratorSource", "ScriptedSource"],
    }


@pytest.mark.slow
@pytest.mark.notebooks
def test_each_non_pyflink_call_is_marked_in_the_lesson_that_first_uses_it(
        calls_per_lesson: dict[str, list[str]]) -> None:
    """The lesson that first uses a non-PyFlink call names it in backticks in a cell that says it is not PyFlink."""
    seen: set[str] = set()
    unmarked = []
    for path in NOTEBOOKS:
        markdown = _cells(path, "markdown")
        for call in calls_per_lesson[path.name]:
            if call in seen:
                continue
            seen.add(call)
            token = TOKENS[call]
            if not any(re.search(rf"`[\w.]*{token}\b", cell) and any(s in cell for s in SAYS_NOT_PYFLINK)
                       for cell in markdown):
                unmarked.append((path.name, call))
    assert unmarked == []
