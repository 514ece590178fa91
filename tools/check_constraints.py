#!/usr/bin/env python3
"""Check that every installed dependency of flowlab[test] is pinned, at its installed version, in
requirements/constraints.txt — so a fresh machine resolves to exactly the tested environment.

Run by `make venv`; on failure run `make constraints` and commit the result.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def read_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def dependency_closure(root: str, extras: set[str]) -> dict[str, str]:
    """Installed distributions reachable from ``root[extras]`` (canonical name -> version)."""
    seen: dict[str, str] = {}
    todo: list[tuple[str, set[str]]] = [(root, extras)]
    while todo:
        name, want_extras = todo.pop()
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency whose marker did not apply at install time
        key = canonicalize_name(dist.metadata["Name"])
        if key in seen and not want_extras:
            continue
        seen[key] = dist.version
        for spec in dist.requires or []:
            req = Requirement(spec)
            envs = [{"extra": e} for e in (want_extras or {""})]
            if req.marker is None or any(req.marker.evaluate(env) for env in envs):
                todo.append((req.name, set(req.extras)))
    return seen


def main() -> int:
    pins = read_pins(ROOT / "requirements" / "constraints.txt")
    closure = dependency_closure("flowlab", {"test"})
    closure.pop("flowlab", None)
    problems = []
    for name, version in sorted(closure.items()):
        if name not in pins:
            problems.append(f"{name}=={version} is installed but not pinned")
        elif pins[name] != version:
            problems.append(f"{name}: installed {version}, pinned {pins[name]}")
    if problems:
        print("requirements/constraints.txt is out of date with pyproject.toml:", *problems, sep="\n  ")
        print("Run `make constraints` and commit requirements/constraints.txt.")
        return 1
    print(f"constraints ok: {len(closure)} dependencies of flowlab[test] pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
