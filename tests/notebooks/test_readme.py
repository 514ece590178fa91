"""The README's first example prints what the README says it prints, and the README points only inside the repo."""
from __future__ import annotations

import re
from pathlib import Path

import flowlab

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _first_example() -> str:
    block = README.split("<!-- example -->", 1)[1]
    return re.search(r"```python\n(.*?)```", block, re.S).group(1)


def test_readme_example_prints_java_tuples_as_the_text_promises() -> None:
    """Run the example (without the widget): the print sink prints `2> (a,40)`, Java's tuple format."""
    code = _first_example().replace("Dashboard(sim)", "")
    namespace: dict = {}
    exec(compile(code, "README.md example", "exec"), namespace)   # noqa: S102 - our own README
    sim = namespace["sim"]
    assert isinstance(sim, flowlab.Simulation)
    sim.run()
    assert sim.printed_lines() == ["2> (b,20)", "2> (a,10)", "2> (a,40)"]
    assert "`2> (a,40)`" in README


def test_readme_links_point_inside_the_repository() -> None:
    """Every relative link or path the README names exists in the checkout (nothing under ../)."""
    assert "../" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
