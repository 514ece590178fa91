"""Take the README's dashboard screenshot: JupyterLab in Debian's Chromium, a job stepped mid-run.

usage: .venv/bin/python tools/readme_screenshot.py [docs/dashboard.png]
Reuses the browser test's JupyterLab launcher (no browser download; /usr/bin/chromium).
"""
from __future__ import annotations

import importlib.util
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("lab", ROOT / "tests" / "browser" / "test_lab_browser.py")
lab = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lab)

CODE = """\
from flowlab.common import Types
from flowlab.datastream import StreamExecutionEnvironment
import flowlab
from flowlab.viz import Dashboard

env = StreamExecutionEnvironment.get_execution_environment()
env.set_parallelism(2)
ds = env.from_collection([(k, i) for i in range(40) for k in "abcd"],
                         type_info=Types.TUPLE([Types.STRING(), Types.INT()]))
totals = (ds.map(lambda t: (t[0], t[1] * 10), output_type=Types.TUPLE([Types.STRING(), Types.INT()]))
            .key_by(lambda t: t[0], key_type=Types.STRING()).sum(1))
totals.print().set_processing_cost(0.5)
sim = flowlab.Simulation(env, seed=7)
sim.goto(360)          # mid-run: buffers arrive at the keyed task, the sink prints
Dashboard(sim)
"""


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        root, work = tmp_path / "root", tmp_path / "work"
        root.mkdir()
        work.mkdir()
        nb = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                         "source": CODE}],
              "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                          "language": "python"}},
              "nbformat": 4, "nbformat_minor": 5}
        (root / "shot.ipynb").write_text(json.dumps(nb))
        with lab.jupyterlab(root, work) as (base, token, _log), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(lab.CHROMIUM), headless=True, args=lab.CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1300, "height": 1100})
            lab.open_and_run_all(page, base, token, "shot.ipynb")
            out_area = page.locator(".jp-OutputArea-output").first
            out_area.locator("svg.flowlab-jobgraph").first.wait_for(state="visible")
            out.parent.mkdir(parents=True, exist_ok=True)
            out_area.screenshot(path=str(out))
            browser.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "dashboard.png")
