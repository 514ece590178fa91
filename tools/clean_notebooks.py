#!/usr/bin/env python3
"""Strip outputs, execution counts and saved widget state from notebooks.

Notebooks are stored clean so that diffs stay readable and every run starts from the same state.

    python tools/clean_notebooks.py notebooks            # clean every notebooks/*.ipynb in place
    python tools/clean_notebooks.py --check notebooks    # exit 1 and list what is dirty

Also importable: ``problems(nb)`` lists why a notebook is not clean, ``clean(nb)`` cleans it in place.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

# Cell metadata written by front ends while running cells; not part of the lesson.
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
# Notebook metadata holding widget state saved by the front end.
VOLATILE_NB_METADATA = ("widgets",)


def problems(nb) -> list[str]:
    """Reasons why ``nb`` is not stored clean (empty list = clean)."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            if cell.get("outputs"):
                found.append(f"cell {index}: has {len(cell.outputs)} output(s)")
            if cell.get("execution_count") is not None:
                found.append(f"cell {index}: execution_count={cell.execution_count}")
        for key in VOLATILE_CELL_METADATA:
            if key in cell.get("metadata", {}):
                found.append(f"cell {index}: metadata.{key}")
    for key in VOLATILE_NB_METADATA:
        if key in nb.metadata:
            found.append(f"notebook metadata.{key} (saved widget state)")
    return found


def clean(nb) -> bool:
    """Clean ``nb`` in place; return True if anything changed."""
    changed = bool(problems(nb))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in VOLATILE_CELL_METADATA:
            cell.get("metadata", {}).pop(key, None)
    for key in VOLATILE_NB_METADATA:
        nb.metadata.pop(key, None)
    return changed


def _notebook_paths(args: list[str]) -> list[Path]:
    paths: list[Path] = []
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            paths.extend(sorted(q for q in p.glob("*.ipynb") if ".ipynb_checkpoints" not in q.parts))
        else:
            paths.append(p)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", default=["notebooks"], help="notebooks or folders of notebooks")
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if any notebook is dirty")
    args = parser.parse_args(argv)

    dirty = 0
    for path in _notebook_paths(args.paths):
        nb = nbformat.read(path, as_version=4)
        found = problems(nb)
        if not found:
            continue
        dirty += 1
        if args.check:
            print(f"{path}: not clean: " + "; ".join(found))
        else:
            clean(nb)
            nbformat.write(nb, path)
            print(f"{path}: cleaned")
    return 1 if (args.check and dirty) else 0


if __name__ == "__main__":
    sys.exit(main())
