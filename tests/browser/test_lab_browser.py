"""Real-browser test: JupyterLab in Debian's headless Chromium, driven by Playwright (Python).

Element contract the flowlab dashboard must render (inside one notebook cell's output):
  * ``button.jupyter-button`` with text exactly "Step" and one with text exactly "Back"
  * ``.flowlab-step-count``     — text contains the current step number (first integer is used)
  * ``.flowlab-records-total``  — text contains the total records processed so far (first integer)
  * ``svg.flowlab-jobgraph``    — the job graph (optional; if present, Back must restore it exactly,
                                  compared after renumbering ``id="..."`` attributes)

Scenario: open the notebook, wait for an idle kernel, run all cells, then click Step 5 times (each click
must raise the step count; records never decrease), then Back once (the step count drops by exactly one and
records total + job graph equal what they were at that step before). Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "harness_selftest.ipynb"
FIRST_JOB = ROOT / "notebooks" / "01_first_job.ipynb"
ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

SERVER_START_TIMEOUT_S = 90
PAGE_LOAD_TIMEOUT_MS = 90_000
KERNEL_IDLE_TIMEOUT_MS = 120_000
RUN_ALL_TIMEOUT_MS = 300_000
WIDGET_TIMEOUT_MS = 60_000
CLICK_TIMEOUT_MS = 30_000
STEPS = 5

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def _require_browser() -> None:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian chromium not installed at /usr/bin/chromium "
            "(`make test` installs it with apt-get when run as root: apt-get install chromium)"
        )
    pytest.importorskip("playwright.sync_api", reason="playwright (Python) is not installed")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _copy_notebook(src: Path, dst: Path) -> None:
    """Copy, making sure Lab starts the python3 kernel without asking (no kernel-picker dialog)."""
    nb = json.loads(src.read_text(encoding="utf-8"))
    nb.setdefault("metadata", {})["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    dst.write_text(json.dumps(nb, indent=1), encoding="utf-8")


@contextmanager
def jupyterlab(root_dir: Path, work: Path):
    """Start JupyterLab on a free loopback port; yield (base_url, token, log_path); always stop it."""
    port, token = _free_port(), secrets.token_hex(16)
    settings = work / "settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    # No news / update checks: the machine has no internet.
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        JUPYTER_CONFIG_DIR=str(work / "config"),
        JUPYTER_RUNTIME_DIR=str(work / "runtime"),
        IPYTHONDIR=str(work / "ipython"),
        JUPYTER_PLATFORM_DIRS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        MPLBACKEND="Agg",
        TMPDIR=str(work),             # lesson 08 writes checkpoints under tempfile.gettempdir(): its own place
    )
    cmd = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
        f"--ServerApp.root_dir={root_dir}", f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={work / 'workspaces'}", "--LabApp.news_url=",
    ]  # fmt: skip
    log_path = work / "jupyterlab.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        cmd, cwd=root_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n{_tail(log_path)}")
            try:
                req = urllib.request.Request(
                    f"{base}/api/status", headers={"Authorization": f"token {token}"}
                )
                with urllib.request.urlopen(req, timeout=5) as resp:
                    if resp.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"JupyterLab did not answer within {SERVER_START_TIMEOUT_S} s:\n{_tail(log_path)}"
                )
            time.sleep(0.5)
        yield base, token, log_path
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # the server shuts its kernels down on SIGTERM
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        log.close()


def _tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no log)"


def _first_int(text: str, what: str) -> int:
    m = re.search(r"-?\d[\d,_ ]*", text)
    assert m, f"{what}: no number in {text!r}"
    return int(re.sub(r"[,_ ]", "", m.group(0)))


def _normalize_svg(svg: str) -> str:
    """Renumber id="..." attributes (and their #references) in order of appearance."""
    ids = list(dict.fromkeys(re.findall(r'\bid="([^"]+)"', svg)))
    for n, old in enumerate(ids):
        svg = re.sub(rf'(?<=["#(]){re.escape(old)}(?=["\)])', f"__id{n}", svg)
    return svg


JS_KERNEL_IDLE = """(path) => {
  const app = window.jupyterapp; if (!app || !app.shell) return false;
  const w = app.shell.currentWidget;
  if (!w || !w.context || !w.context.path || !w.context.path.endsWith(path)) return false;
  const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""

JS_RUN_ALL = """() => {
  window.__flowlabRunAll = null;
  window.jupyterapp.commands.execute('notebook:run-all-cells').then(
    (r) => { window.__flowlabRunAll = {ok: r}; },
    (e) => { window.__flowlabRunAll = {error: String(e)}; });
}"""

JS_ALL_CELLS_DONE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!window.__flowlabRunAll || !k || k.status !== 'idle') return false;
  const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'));
  return prompts.every((p) => !p.textContent.includes('*'));
}"""

JS_ERRORS = """() => {
  const w = window.jupyterapp.shell.currentWidget; const out = [];
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    for (let j = 0; j < c.outputs.length; j++) {
      const o = c.outputs.get(j).toJSON();
      if (o.output_type === 'error') out.push({cell: i, ename: o.ename, evalue: o.evalue,
                                              source: c.sharedModel.getSource()});
    }
  }
  return out;
}"""


def open_and_run_all(page, base: str, token: str, name: str) -> None:
    """Open notebook ``name`` in JupyterLab, wait for an idle kernel, run all cells and wait until they finish.

    Raises Playwright's TimeoutError when a wait runs out."""
    page.set_default_timeout(WIDGET_TIMEOUT_MS)
    page.goto(f"{base}/lab/tree/{name}?token={token}", timeout=PAGE_LOAD_TIMEOUT_MS)
    page.wait_for_function("() => !!window.jupyterapp", timeout=PAGE_LOAD_TIMEOUT_MS)
    # Running cells before the kernel is idle fails silently: wait for it.
    page.wait_for_function(JS_KERNEL_IDLE, arg=name, timeout=KERNEL_IDLE_TIMEOUT_MS)
    page.evaluate(JS_RUN_ALL)
    page.wait_for_function(JS_ALL_CELLS_DONE, timeout=RUN_ALL_TIMEOUT_MS, polling=250)


def run_step_back_scenario(notebook: Path, tmp_path: Path, label: str) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import expect, sync_playwright

    root_dir, work = tmp_path / "lab_root", tmp_path / "lab_work"
    root_dir.mkdir()
    work.mkdir()
    _copy_notebook(notebook, root_dir / notebook.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = lambda page, name: page.screenshot(path=str(ARTIFACTS / f"{label}-{name}.png"), full_page=True)  # noqa: E731

    with jupyterlab(root_dir, work) as (base, token, log_path), sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        page = None
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                open_and_run_all(page, base, token, notebook.name)
            except PlaywrightTimeoutError:
                shot(page, "99-run-all-timeout")
                pytest.fail(
                    f"{notebook.name}: run-all did not finish within {RUN_ALL_TIMEOUT_MS} ms", pytrace=False
                )
            run_all = page.evaluate("() => window.__flowlabRunAll")
            errors = page.evaluate(JS_ERRORS)
            shot(page, "01-after-run-all")
            assert not errors, f"{notebook.name}: cells raised errors in the browser: {errors}"
            assert "error" not in run_all, f"run-all-cells failed: {run_all}"

            # The dashboard: the first code cell whose output holds both a Step button and a step counter.
            step_re, back_re = re.compile(r"^\s*Step\s*$"), re.compile(r"^\s*Back\s*$")
            cell = (
                page.locator(".jp-CodeCell")
                .filter(has=page.locator(".flowlab-step-count"))
                .filter(has=page.locator("button.jupyter-button", has_text=step_re))
                .first
            )
            try:
                cell.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
            except PlaywrightTimeoutError:
                pytest.fail(
                    f"{notebook.name}: after run-all no cell output holds both a button.jupyter-button "
                    f"with text 'Step' and a .flowlab-step-count element (waited {WIDGET_TIMEOUT_MS} ms); "
                    "see the module docstring of tests/browser/test_lab_browser.py for the element contract",
                    pytrace=False,
                )
            cell.scroll_into_view_if_needed()
            step_btn = cell.locator("button.jupyter-button").filter(has_text=step_re).first
            back_btn = cell.locator("button.jupyter-button").filter(has_text=back_re).first
            step_el = cell.locator(".flowlab-step-count").first
            records_el = cell.locator(".flowlab-records-total").first
            svg_el = cell.locator("svg.flowlab-jobgraph").first
            expect(records_el).to_be_attached(timeout=WIDGET_TIMEOUT_MS)
            # the widget can be attached before its first value arrives: wait for the numbers, then read them
            expect(step_el).to_have_text(re.compile(r"\d"), timeout=WIDGET_TIMEOUT_MS)
            expect(records_el).to_have_text(re.compile(r"\d"), timeout=WIDGET_TIMEOUT_MS)
            expect(back_btn).to_be_visible(timeout=WIDGET_TIMEOUT_MS)

            def read() -> tuple[int, int, str | None, str]:
                step_text = step_el.inner_text(timeout=CLICK_TIMEOUT_MS)
                records = _first_int(
                    records_el.inner_text(timeout=CLICK_TIMEOUT_MS), ".flowlab-records-total"
                )
                svg = _normalize_svg(svg_el.evaluate("e => e.outerHTML")) if svg_el.count() else None
                return _first_int(step_text, ".flowlab-step-count"), records, svg, step_text

            def click_and_wait(button, before_text: str) -> None:
                button.click(timeout=CLICK_TIMEOUT_MS)
                expect(step_el).not_to_have_text(before_text, timeout=CLICK_TIMEOUT_MS)
                page.wait_for_function(JS_KERNEL_IDLE, arg=notebook.name, timeout=CLICK_TIMEOUT_MS)

            history = [read()]
            for i in range(STEPS):
                click_and_wait(step_btn, history[-1][3])
                history.append(read())
                (s0, r0, _, _), (s1, r1, _, _) = history[-2], history[-1]
                assert s1 > s0, f"Step click {i + 1}: step count did not increase ({s0} -> {s1})"
                assert r1 >= r0, f"Step click {i + 1}: records total decreased ({r0} -> {r1})"
            shot(page, "02-after-steps")

            click_and_wait(back_btn, history[-1][3])
            back = read()
            shot(page, "03-after-back")
            s_last, s_prev = history[-1][0], history[-2][0]
            assert back[0] == s_last - 1, (
                f"Back: step count went {s_last} -> {back[0]}, expected {s_last - 1}"
            )
            if s_prev == s_last - 1:  # the last Step advanced by one: Back must restore that exact state
                assert back[1] == history[-2][1], (
                    f"Back: records total {back[1]} != {history[-2][1]} shown at step {s_prev} before"
                )
                if back[2] is not None:
                    assert back[2] == history[-2][2], f"Back: svg.flowlab-jobgraph differs from step {s_prev}"
            return {"history": [h[:2] for h in history], "back": back[:2], "svg": back[2] is not None}
        except BaseException:  # includes pytest.fail(); re-raised below
            if page is not None:
                try:
                    shot(page, "99-failure")
                except Exception:  # noqa: BLE001 - best effort
                    pass
            shutil.copy(log_path, ARTIFACTS / f"{label}-jupyterlab.log")
            raise
        finally:
            browser.close()


def test_harness_selftest_fixture(tmp_path: Path) -> None:
    """Proves the harness end to end against a tiny widget notebook with the dashboard's element contract."""
    _require_browser()
    result = run_step_back_scenario(FIXTURE, tmp_path, "selftest")
    assert result["history"][0] == (0, 0)
    assert result["history"][-1] == (STEPS, 3 * STEPS)
    assert result["back"] == (STEPS - 1, 3 * (STEPS - 1))
    assert result["svg"]


def test_first_job_notebook_step_and_back(tmp_path: Path) -> None:
    _require_browser()
    if not FIRST_JOB.exists():
        pytest.skip("notebooks/01_first_job.ipynb does not exist yet")
    run_step_back_scenario(FIRST_JOB, tmp_path, "01_first_job")


def run_all_and_find(notebook: Path, tmp_path: Path, label: str, selectors: list[str],
                     texts: dict[str, str] | None = None) -> dict[str, int]:
    """Run every cell of a lesson in JupyterLab; return how many elements match each selector, and for each
    ``texts`` item (selector -> text) how many elements matching the selector contain that text."""
    from playwright.sync_api import sync_playwright

    root_dir, work = tmp_path / "lab_root", tmp_path / "lab_work"
    root_dir.mkdir()
    work.mkdir()
    _copy_notebook(notebook, root_dir / notebook.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with jupyterlab(root_dir, work) as (base, token, log_path), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                                    timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_and_run_all(page, base, token, notebook.name)
            errors = page.evaluate(JS_ERRORS)
            assert not errors, f"{notebook.name}: cells raised errors in the browser: {errors}"
            counts = {}
            for sel in selectors:
                loc = page.locator(sel)
                try:
                    loc.first.wait_for(state="attached", timeout=WIDGET_TIMEOUT_MS)
                except Exception:  # noqa: BLE001 - reported as a zero count below
                    pass
                counts[sel] = loc.count()
            for sel, text in (texts or {}).items():
                counts[f"{sel} containing {text!r}"] = page.locator(sel, has_text=text).count()
            page.screenshot(path=str(ARTIFACTS / f"{label}-after-run-all.png"), full_page=True)
            return counts
        except BaseException:
            shutil.copy(log_path, ARTIFACTS / f"{label}-jupyterlab.log")
            raise
        finally:
            browser.close()


# What a student must see on the page, not only that a view is there: the late-record marker of the
# event-time plot (a ring per late record), the allowed-lateness band and its legend entry, a window's contents.
LATE_MARKER = "svg g.flowlab-late-marker use"
# Lessons 07 and 08: a state card per subtask with its entries and a broadcast state; barrier marks in channels, a
# channel blocked for alignment, the channel state of an unaligned checkpoint.
STATE_CARD = ".flowlab-state .flowlab-state-subtask"
STATE_ENTRY = ".flowlab-state tr.flowlab-state-entry"
BROADCAST_STATE = '.flowlab-state .flowlab-state-name[data-state="rules"]'
BARRIER_MARK = "svg.flowlab-barrier-graph g.flowlab-barrier"
BLOCKED_CHANNEL = "svg.flowlab-barrier-graph g.flowlab-channel-blocked"
CHANNEL_STATE = "svg.flowlab-barrier-graph g.flowlab-channel-state"
LATENESS_BAND = "svg.flowlab-windows rect.flowlab-lateness"
LATENESS_LEGEND = "svg.flowlab-windows .flowlab-lateness-legend"
WINDOW_ROW = ".flowlab-window-contents tr.flowlab-window-row"
# Lesson 09: the recovery timeline with a failure and the restore arrow back to checkpoint 2; an aborted Kafka
# transaction and the read_committed line; an in-progress, a pending and a finished part file.
RT_FAILURE = "svg.flowlab-recovery-timeline g.flowlab-rt-failure"
RT_RESTORE = 'svg.flowlab-recovery-timeline g.flowlab-rt-restore[data-checkpoint="2"]'
KAFKA_ABORTED = '.flowlab-kafka tr.flowlab-kafka-txn[data-state="ABORTED"]'
KAFKA_COMMITTED_READS = '.flowlab-kafka .flowlab-kafka-reads[data-isolation="read_committed"]'
PENDING_FILE = '.flowlab-file-sinks tr.flowlab-part-file[data-state="pending"]'
IN_PROGRESS_FILE = '.flowlab-file-sinks tr.flowlab-part-file[data-state="in-progress"]'
FINISHED_FILE = '.flowlab-file-sinks tr.flowlab-part-file[data-state="finished"]'
# BATCH: the stages table with a finished and a running stage
STAGE_FINISHED = '.flowlab-stages tr.flowlab-stage[data-status="finished"]'
STAGE_RUNNING = '.flowlab-stages tr.flowlab-stage[data-status="running"]'


@pytest.mark.parametrize(("lesson", "selectors", "texts"), [
    ("03_event_time_and_watermarks.ipynb", [".flowlab-watermarks", ".flowlab-wm-holding", "svg.flowlab-jobgraph",
                                            LATE_MARKER], {"svg": "late record (event time ≤ watermark on arrival)"}),
    ("04_windows_and_late_data.ipynb", [".flowlab-windows", ".flowlab-late", LATE_MARKER, LATENESS_BAND,
                                        LATENESS_LEGEND, WINDOW_ROW],
     {WINDOW_ROW: "('a', 1, 100), ('a', 2, 900), ('a', 4, 500), ('a', 5, 950)"}),
    ("05_joins_and_timers.ipynb", [".flowlab-windows", ".flowlab-watermarks", WINDOW_ROW], {}),
    ("06_backpressure.ipynb", [".flowlab-bp-table", ".flowlab-bottleneck", "svg.flowlab-jobgraph"], {}),
    ("07_state_and_backends.ipynb", [STATE_CARD, STATE_ENTRY, BROADCAST_STATE],
     {STATE_ENTRY: "'alice'", ".flowlab-state-name": 'ListState "amounts"'}),
    ("08_checkpoints.ipynb", [BARRIER_MARK, BLOCKED_CHANNEL, CHANNEL_STATE, "svg.flowlab-cut", "svg.flowlab-jobgraph"],
     {BLOCKED_CHANNEL: "waiting"}),
    ("09_recovery_and_exactly_once.ipynb", [RT_FAILURE, RT_RESTORE, KAFKA_ABORTED, KAFKA_COMMITTED_READS,
                                            IN_PROGRESS_FILE, PENDING_FILE, FINISHED_FILE, "svg.flowlab-jobgraph"],
     {".flowlab-rt-summary": "checkpoint 2", KAFKA_ABORTED: "click-counter-1-3"}),
    ("11_batch_vs_streaming.ipynb", [STAGE_FINISHED, STAGE_RUNNING, "svg.flowlab-jobgraph"],
     {".flowlab-stages": "sorted input:", "svg.flowlab-jobgraph": "· blocking"}),
])
def test_lessons_draw_their_views(tmp_path: Path, lesson: str, selectors: list[str], texts: dict[str, str]) -> None:
    """Lessons 03 to 09 and 11 run in a real browser; their views, late-record marks, lateness bands, window
    contents, state cards (07), barrier marks, a blocked channel and channel state (08), the recovery timeline,
    Kafka transactions and part files (09) and BATCH stages (11) appear on the page."""
    _require_browser()
    notebook = ROOT / "notebooks" / lesson
    counts = run_all_and_find(notebook, tmp_path, lesson.split("_")[0], selectors, texts)
    missing = [sel for sel, n in counts.items() if n == 0]
    assert not missing, f"{lesson}: no element matches {missing} after run-all (counts: {counts})"


# Lesson 10: the key groups of the counting operator before (p=2) and after (p=3) the restore, the two runs of key
# groups that move (43–63 from subtask 0 to 1, 86–127 from 1 to 2) and the three pages that move with them; the
# exercise's check.
KG_SUBTASK = "svg.flowlab-key-groups g.flowlab-kg-subtask"
KG_MOVED = "svg.flowlab-key-groups g.flowlab-kg-segment.flowlab-kg-moved"
KG_MOVED_KEY = '.flowlab-kg-keys tr.flowlab-kg-key-row[data-moved="1"]'


def test_lesson10_draws_the_key_groups_that_move_on_a_rescale(tmp_path: Path) -> None:
    """Lesson 10 in a real browser: 2 + 3 subtask boxes with Flink's ranges, exactly the moved runs 43–63 (0 → 1)
    and 86–127 (1 → 2), the moved pages shop, help and checkout, the summary's 63 of 128, and the exercise's
    check rendered as not yet passed."""
    _require_browser()
    notebook = ROOT / "notebooks" / "10_savepoints_and_rescaling.ipynb"
    ranges = [f'{KG_SUBTASK}[data-first="{a}"][data-last="{b}"]'
              for a, b in ((0, 63), (64, 127), (0, 42), (43, 85), (86, 127))]
    moved = [f'{KG_MOVED}[data-first="43"][data-last="63"][data-from="0"][data-to="1"]',
             f'{KG_MOVED}[data-first="86"][data-last="127"][data-from="1"][data-to="2"]']
    counts = run_all_and_find(notebook, tmp_path, "10", [KG_SUBTASK, KG_MOVED, KG_MOVED_KEY, *ranges, *moved,
                                                         ".flowlab-check"],
                              {".flowlab-kg-moves": "63 of 128", ".flowlab-check": "Not yet"})
    assert (counts[KG_SUBTASK], counts[KG_MOVED], counts[KG_MOVED_KEY]) == (5, 2, 3), counts
    assert all(counts[sel] == 1 for sel in ranges + moved), counts
    assert counts[".flowlab-kg-moves containing '63 of 128'"] == 1, counts
    assert counts[".flowlab-check containing 'Not yet'"] == 2, counts


ENDLESS = """\
import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import GeneratorSource
from flowlab.viz import Dashboard

env = StreamExecutionEnvironment.get_execution_environment()
env.from_source(GeneratorSource(count=None, records_per_second=1000), WatermarkStrategy.no_watermarks(), "Gen").print()
sim = flowlab.Simulation(env, horizon_ms=10_000_000)
Dashboard(sim)
"""


def test_run_to_end_runs_in_chunks_and_stop_interrupts_it(tmp_path: Path) -> None:
    """In the browser, Run to end on an endless job shows growing progress while it runs (the kernel stays
    free between chunks), and Stop ends it with a message."""
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    root_dir, work = tmp_path / "lab_root", tmp_path / "lab_work"
    root_dir.mkdir()
    work.mkdir()
    nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                     "source": ENDLESS}],
          "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                      "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    (root_dir / "endless.ipynb").write_text(json.dumps(nb))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with jupyterlab(root_dir, work) as (base, token, log_path), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                                    timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_and_run_all(page, base, token, "endless.ipynb")
            button = lambda text: page.locator("button.jupyter-button", has_text=re.compile(rf"^\s*{text}\s*$"))  # noqa: E731
            button("Run to end").first.click(timeout=CLICK_TIMEOUT_MS)
            progress = page.locator(".flowlab-progress[data-running='1']")
            expect(progress).to_contain_text("Running to t = 10 000 000 ms", timeout=WIDGET_TIMEOUT_MS)
            first = _first_int(page.locator(".flowlab-step-count").first.inner_text(), "step count")
            page.wait_for_function(
                "(n) => parseInt(document.querySelector('.flowlab-step-count').textContent) > n",
                arg=first, timeout=WIDGET_TIMEOUT_MS)
            button("Stop").first.click(timeout=CLICK_TIMEOUT_MS)
            stopped = page.locator(".flowlab-progress[data-running='0']")
            expect(stopped).to_contain_text("Stopped at t =", timeout=CLICK_TIMEOUT_MS)
            page.screenshot(path=str(ARTIFACTS / "run-stop.png"), full_page=True)
            at = page.locator(".flowlab-step-count").first.inner_text()
            page.wait_for_timeout(1500)
            assert page.locator(".flowlab-step-count").first.inner_text() == at, "the run went on after Stop"
        except BaseException:
            shutil.copy(log_path, ARTIFACTS / "run-stop-jupyterlab.log")
            raise
        finally:
            browser.close()


CHECKPOINT_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "checkpoint_views.ipynb"


def test_checkpoint_and_state_views_in_the_browser(tmp_path: Path) -> None:
    """Checkpointing on, stopped at the first blocked channel: the barrier still in its channel and the blocked
    channel are visible in the CheckpointView, the StateView shows key 'a' with its value, the cut is drawn."""
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    root_dir, work = tmp_path / "lab_root", tmp_path / "lab_work"
    root_dir.mkdir()
    work.mkdir()
    _copy_notebook(CHECKPOINT_FIXTURE, root_dir / CHECKPOINT_FIXTURE.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with jupyterlab(root_dir, work) as (base, token, log_path), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                                    timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_and_run_all(page, base, token, CHECKPOINT_FIXTURE.name)
            assert not page.evaluate(JS_ERRORS)
            barrier = page.locator(BARRIER_MARK)
            expect(barrier).to_have_count(1, timeout=WIDGET_TIMEOUT_MS)
            barrier.scroll_into_view_if_needed()
            expect(barrier).to_be_visible()
            assert (barrier.get_attribute("data-checkpoint"), barrier.get_attribute("data-ahead")) == ("1", "241")
            blocked = page.locator(BLOCKED_CHANNEL)
            expect(blocked).to_have_count(1)
            expect(blocked).to_be_visible()
            expect(blocked).to_contain_text("3 waiting")
            page.locator("svg.flowlab-barrier-graph").screenshot(path=str(ARTIFACTS / "checkpoint-view.png"))
            entry = page.locator(STATE_ENTRY, has_text="('a', 51)")
            expect(entry).to_be_visible()
            expect(entry).to_contain_text("'a'")
            page.locator(".flowlab-state").screenshot(path=str(ARTIFACTS / "state-view.png"))
            cut = page.locator("svg.flowlab-cut")
            expect(cut).to_be_visible()
            expect(cut.locator("rect.flowlab-cut-barrier")).to_have_count(4)
            cut.screenshot(path=str(ARTIFACTS / "consistent-cut.png"))
            page.screenshot(path=str(ARTIFACTS / "checkpoint-views-page.png"), full_page=True)
        except BaseException:
            shutil.copy(log_path, ARTIFACTS / "checkpoint-views-jupyterlab.log")
            raise
        finally:
            browser.close()


END_TO_END_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "end_to_end_views.ipynb"
# What a student must see of each end-to-end view, not only that it is there:
OPEN_RECORD = '.flowlab-kafka-partition[data-topic="out"] .flowlab-kafka-record[data-kind="ONGOING"]'
LSO_MARK = '.flowlab-kafka-partition[data-topic="out"] .flowlab-kafka-mark[data-marks~="lso"]'
COMMITTED_READS = '.flowlab-kafka-partition[data-topic="out"] .flowlab-kafka-reads[data-isolation="read_committed"]'
MOVED_KEY_GROUPS = "svg.flowlab-key-groups g.flowlab-kg-segment.flowlab-kg-moved"
MOVED_KEY = '.flowlab-kg-keys tr.flowlab-kg-key-row[data-moved="1"]'
FINISHED_PART = '.flowlab-file-sinks tr.flowlab-part-file[data-state="finished"]'
PENDING_PART = '.flowlab-file-sinks tr.flowlab-part-file[data-state="pending"]'
FAILURE_MARK = 'svg.flowlab-recovery-timeline g.flowlab-rt-lane[data-vertex="v1"][data-subtask="1"] g.flowlab-rt-failure'
RESTORE_ARC = "svg.flowlab-recovery-timeline g.flowlab-rt-restore"


def test_end_to_end_views_in_the_browser(tmp_path: Path) -> None:
    """The Kafka topic with its open transaction (three records, the last stable offset, what read_committed
    reads), the key groups of a 2 -> 3 rescale (two runs of moving key groups), a FileSink's finished and pending
    part files, and on the recovery timeline a task failure and a lost TaskManager with the checkpoints their
    restarts restored are drawn on the page."""
    _require_browser()
    from playwright.sync_api import expect, sync_playwright

    root_dir, work = tmp_path / "lab_root", tmp_path / "lab_work"
    root_dir.mkdir()
    work.mkdir()
    _copy_notebook(END_TO_END_FIXTURE, root_dir / END_TO_END_FIXTURE.name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with jupyterlab(root_dir, work) as (base, token, log_path), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
                                    timeout=60_000)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_and_run_all(page, base, token, END_TO_END_FIXTURE.name)
            assert not page.evaluate(JS_ERRORS)
            expect(page.locator(OPEN_RECORD)).to_have_count(3, timeout=WIDGET_TIMEOUT_MS)
            lso = page.locator(LSO_MARK)
            expect(lso).to_have_count(1)
            lso.scroll_into_view_if_needed()
            expect(lso).to_be_visible()
            expect(lso).to_contain_text("LSO 3")
            expect(page.locator(COMMITTED_READS)).to_contain_text("reads 3 record(s): V0, V1, V2")
            page.locator(".flowlab-kafka").screenshot(path=str(ARTIFACTS / "kafka-topic-view.png"))
            moved = page.locator(MOVED_KEY_GROUPS)
            expect(moved).to_have_count(2)
            assert [moved.nth(i).get_attribute("data-first") for i in range(2)] == ["43", "86"]
            expect(page.locator(MOVED_KEY).first).to_be_visible()
            page.locator("svg.flowlab-key-groups").screenshot(path=str(ARTIFACTS / "key-group-view.png"))
            expect(page.locator(FINISHED_PART)).to_have_count(1)
            expect(page.locator(PENDING_PART)).to_have_count(1)
            expect(page.locator(".flowlab-file-readers")).to_contain_text("A reader sees 1 finished file(s), 3 line(s).")
            failure = page.locator(FAILURE_MARK)
            expect(failure).to_have_count(2)             # the task failure, then the lost TaskManager
            failure.first.scroll_into_view_if_needed()
            expect(failure.first).to_be_visible()
            assert [failure.nth(i).get_attribute("data-at") for i in range(2)] == ["50", "120"]
            restores = page.locator(RESTORE_ARC)
            expect(restores).to_have_count(2)
            assert [restores.nth(i).get_attribute("data-checkpoint") for i in range(2)] == ["2", "4"]
            page.locator("svg.flowlab-recovery-timeline").screenshot(path=str(ARTIFACTS / "recovery-timeline.png"))
            page.screenshot(path=str(ARTIFACTS / "end-to-end-views-page.png"), full_page=True)
        except BaseException:
            shutil.copy(log_path, ARTIFACTS / "end-to-end-views-jupyterlab.log")
            raise
        finally:
            browser.close()
