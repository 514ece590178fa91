"""Import layering and determinism rules for the flowlab package, checked statically with ``ast``.

Layers, bottom to top (a package may import those listed for it, and the standard library):

    kernel, trace      stdlib only
    common             trace
    graph              common, trace, kernel; networkx
    datastream/sources common, graph, trace (and each other); runtime only lazily, inside functions
    runtime            everything above this line; networkx, pandas.  Never viz, ipywidgets, matplotlib, IPython
    exercises          everything above this line; networkx, pandas, IPython.display
    viz                anything except exercises

* flowlab-internal rules apply to *module-level* imports (``if TYPE_CHECKING:`` blocks are exempt);
  imports inside functions may in addition use the ``lazy`` column of the table.
* third-party rules apply to every import, wherever it is written.
* the root ``flowlab/__init__.py`` (and any top-level ``flowlab/*.py``) runs whenever any subpackage is
  imported, so it may import only the standard library at module level; re-export lazily via a module
  ``__getattr__`` if needed.

Determinism (everywhere except ``flowlab/viz``): no wall clocks (``time.time``/``sleep``/``monotonic``/
``perf_counter`` and their ``_ns`` variants, ``datetime.now``/``utcnow``/``today``, ``date.today``), no
``threading``/``_thread``/``asyncio``/``concurrent.futures``/``multiprocessing``, no global ``random``
functions (use a seeded ``random.Random``), no ``os.urandom``/``uuid.uuid1``/``uuid.uuid4``, no builtin
``id(...)``.  Builtin ``hash(...)`` is banned everywhere, viz included (string hashes change per process;
use a stable hash such as ``zlib.crc32``), except inside a ``__hash__`` method; ``id()`` is allowed inside a
``__deepcopy__`` method, where the copy protocol's memo is keyed by it.

A new top-level package under flowlab/ must be added to ``LAYERS`` before it passes.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG_DIR = ROOT / "flowlab"
STDLIB = frozenset(sys.stdlib_module_names)

ANY = "*"


@dataclass(frozen=True)
class Layer:
    internal: frozenset[str]  # flowlab subpackages importable at module level ("" = root package)
    third_party: frozenset[str]  # dotted prefixes of allowed third-party modules, or {ANY}
    lazy: frozenset[str] = field(default_factory=frozenset)  # extra subpackages allowed inside functions
    forbidden: frozenset[str] = field(default_factory=frozenset)  # never, not even lazily


def _layer(internal=(), third_party=(), lazy=(), forbidden=()) -> Layer:
    return Layer(frozenset(internal), frozenset(third_party), frozenset(lazy), frozenset(forbidden))


ALL_INTERNAL = (
    "",
    "kernel",
    "trace",
    "common",
    "graph",
    "datastream",
    "sources",
    "runtime",
    "exercises",
    "viz",
)

LAYERS: dict[str, Layer] = {
    # "" is the root package flowlab/__init__.py and any top-level flowlab/*.py module.
    "": _layer(internal=[""], lazy=ALL_INTERNAL),
    "kernel": _layer(internal=["kernel"]),
    "trace": _layer(internal=["trace"]),
    "common": _layer(internal=["common", "trace"]),
    "graph": _layer(internal=["graph", "common", "trace", "kernel"], third_party=["networkx", "cloudpickle"]),
    "datastream": _layer(internal=["datastream", "sources", "common", "graph", "trace"], lazy=["runtime"]),
    "sources": _layer(internal=["sources", "datastream", "common", "graph", "trace"], lazy=["runtime"]),
    "runtime": _layer(
        internal=["runtime", "kernel", "trace", "common", "graph", "datastream", "sources"],
        third_party=["networkx", "pandas", "cloudpickle", "rocksdict"],
        forbidden=["viz", "exercises"],
    ),
    "exercises": _layer(
        internal=["exercises", "kernel", "trace", "common", "graph", "datastream", "sources", "runtime"],
        third_party=["networkx", "pandas", "IPython.display"],
    ),
    "viz": _layer(
        internal=[x for x in ALL_INTERNAL if x != "exercises"], third_party=[ANY], forbidden=["exercises"]
    ),
}

# Determinism rules ------------------------------------------------------------------------------
BANNED_CALLABLES = {
    **{
        f"time.{n}": "wall clock"
        for n in (
            "time",
            "time_ns",
            "monotonic",
            "monotonic_ns",
            "perf_counter",
            "perf_counter_ns",
            "sleep",
            "process_time",
            "process_time_ns",
        )
    },
    "datetime.datetime.now": "wall clock",
    "datetime.datetime.utcnow": "wall clock",
    "datetime.datetime.today": "wall clock",
    "datetime.date.today": "wall clock",
    "os.urandom": "unseeded randomness",
    "uuid.uuid1": "unseeded randomness",
    "uuid.uuid4": "unseeded randomness",
    **{
        f"random.{n}": "global (unseeded) random state; use a seeded random.Random"
        for n in (
            "random",
            "randint",
            "randrange",
            "choice",
            "choices",
            "shuffle",
            "sample",
            "uniform",
            "gauss",
            "normalvariate",
            "expovariate",
            "getrandbits",
            "seed",
            "randbytes",
            "triangular",
            "betavariate",
            "lognormvariate",
            "paretovariate",
            "vonmisesvariate",
            "weibullvariate",
        )
    },
}
BANNED_MODULES = {
    "threading": "threads",
    "_thread": "threads",
    "asyncio": "event loops",
    "concurrent": "threads/processes",
    "multiprocessing": "processes",
}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.detail}"


# Helpers -------------------------------------------------------------------------------------------
def module_name_for(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str, is_package: bool = False) -> str:
    """'flowlab.runtime.task' -> 'runtime'; 'flowlab' or a top-level module 'flowlab.util' -> ''."""
    parts = module.split(".")
    assert parts[0] == "flowlab", module
    if len(parts) == 1 or (len(parts) == 2 and not is_package):
        return ""
    return parts[1]


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str | None:
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 > len(package) - 1:
        return None
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _allowed_third_party(candidates: list[str], allowed: frozenset[str]) -> bool:
    if ANY in allowed:
        return True
    return any(c == a or c.startswith(a + ".") for c in candidates for a in allowed)


class _Checker(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, relpath: str, source: str):
        self.module = module
        self.is_package = is_package
        self.relpath = relpath
        self.layer_name = layer_of(module, is_package)
        self.layer = LAYERS.get(self.layer_name)
        self.in_viz = self.layer_name == "viz"
        self.violations: list[Violation] = []
        self.func_depth = 0
        self.type_checking_depth = 0
        self.function_names: list[str] = []
        self.aliases: dict[str, str] = {}  # local name -> dotted module/attribute path
        self.module_level_names: set[str] = set()
        self.source = source

    # -- bookkeeping ---------------------------------------------------------------------------
    def flag(self, node: ast.AST, rule: str, detail: str) -> None:
        self.violations.append(Violation(self.relpath, getattr(node, "lineno", 0), rule, detail))

    def visit_FunctionDef(self, node):  # noqa: N802
        if self.func_depth == 0:
            self.module_level_names.add(node.name)
        self.func_depth += 1
        self.function_names.append(node.name)
        self.generic_visit(node)
        self.function_names.pop()
        self.func_depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_Lambda(self, node):  # noqa: N802
        self.func_depth += 1
        self.generic_visit(node)
        self.func_depth -= 1

    def visit_If(self, node):  # noqa: N802
        test = node.test
        is_tc = (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        )
        if is_tc:
            self.type_checking_depth += 1
            for child in node.body:
                self.visit(child)
            self.type_checking_depth -= 1
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    # -- imports -------------------------------------------------------------------------------
    def visit_Import(self, node):  # noqa: N802
        for alias in node.names:
            self._check_import(node, alias.name, [alias.name])
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else alias.name.split(".")[0]
            if self.func_depth == 0:
                self.module_level_names.add(local)

    def visit_ImportFrom(self, node):  # noqa: N802
        if node.level:
            base = resolve_relative(self.module, self.is_package, node.level, node.module)
            if base is None:
                self.flag(
                    node, "relative-import", f"relative import beyond the top-level package in {self.module}"
                )
                return
        else:
            base = node.module or ""
        for alias in node.names:
            full = f"{base}.{alias.name}" if alias.name != "*" else base
            self._check_import(node, base, [base, full])
            local = alias.asname or alias.name
            self.aliases[local] = full
            if self.func_depth == 0:
                self.module_level_names.add(local)
            if not self.in_viz and full in BANNED_CALLABLES:
                self.flag(node, "determinism", f"imports {full} ({BANNED_CALLABLES[full]})")

    def _check_import(self, node, module: str, candidates: list[str]) -> None:
        top = module.split(".")[0]
        lazy = self.func_depth > 0
        if not self.in_viz and top in BANNED_MODULES:
            self.flag(node, "determinism", f"imports {module} ({BANNED_MODULES[top]}); only flowlab/viz may")
            return
        if self.type_checking_depth > 0:
            return  # type-only imports are never executed
        if top == "flowlab":
            self._check_internal(node, module, candidates, lazy)
        elif top in STDLIB or top == "__future__":
            return
        elif not _allowed_third_party(candidates, self.layer.third_party):
            allowed = ", ".join(sorted(self.layer.third_party)) or "none"
            self.flag(
                node,
                "layer-third-party",
                f"flowlab.{self.layer_name or '(root)'} may not import third-party module {candidates[-1]}"
                f" (allowed: {allowed})",
            )

    def _check_internal(self, node, module: str, candidates: list[str], lazy: bool) -> None:
        # `from flowlab import graph` imports flowlab.graph; `import flowlab.graph.x` imports flowlab.graph.
        targets = set()
        for c in candidates:
            parts = c.split(".")
            if len(parts) >= 2 and parts[1] in ALL_INTERNAL:
                targets.add(parts[1])
        if not targets:
            targets.add("")
        for target in sorted(targets):
            name = f"flowlab.{target}" if target else "flowlab (root)"
            me = f"flowlab.{self.layer_name}" if self.layer_name else "flowlab (root)"
            if target in self.layer.forbidden:
                self.flag(node, "layer-forbidden", f"{me} must never import {name}")
            elif target in self.layer.internal or (target == "" and self.layer_name == ""):
                continue
            elif target == "" and len(candidates) == 1 and module == "flowlab":
                # plain `import flowlab`: the root package is always loaded anyway
                continue
            elif lazy and target in self.layer.lazy:
                continue
            else:
                where = "inside a function" if lazy else "at module level"
                self.flag(node, "layer", f"{me} may not import {name} {where}")

    # -- determinism ---------------------------------------------------------------------------
    def _dotted(self, node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name) or node.id not in self.aliases:
            return None
        return ".".join([self.aliases[node.id], *reversed(parts)])

    def visit_Attribute(self, node):  # noqa: N802
        if not self.in_viz:
            dotted = self._dotted(node)
            if dotted in BANNED_CALLABLES:
                self.flag(node, "determinism", f"uses {dotted} ({BANNED_CALLABLES[dotted]})")
                return  # don't report the inner attribute again
        self.generic_visit(node)

    def visit_Call(self, node):  # noqa: N802
        func = node.func
        if (
            isinstance(func, ast.Name)
            and func.id in ("hash", "id")
            and func.id not in self.module_level_names
        ):
            if func.id == "hash" and "__hash__" not in self.function_names:
                self.flag(
                    node,
                    "determinism",
                    "builtin hash() differs between processes; use a stable hash (zlib.crc32)",
                )
            elif func.id == "id" and not self.in_viz and "__deepcopy__" not in self.function_names:
                self.flag(
                    node,
                    "determinism",
                    "builtin id() depends on memory addresses; only flowlab/viz may use it",
                )
        self.generic_visit(node)


def check_source(
    module: str, source: str, *, is_package: bool = False, relpath: str | None = None
) -> list[Violation]:
    relpath = relpath or module.replace(".", "/") + ("/__init__.py" if is_package else ".py")
    layer_name = layer_of(module, is_package)
    if layer_name not in LAYERS:
        return [
            Violation(
                relpath,
                1,
                "layer-unknown",
                f"flowlab.{layer_name} is not in LAYERS in tests/test_layers.py; add it with its allowed imports",
            )
        ]
    try:
        tree = ast.parse(source, filename=relpath)
    except SyntaxError as exc:
        return [Violation(relpath, exc.lineno or 0, "syntax", str(exc))]
    checker = _Checker(module, is_package, relpath, source)
    # first pass: collect module-level bindings so a locally defined `id`/`hash` is not mistaken for the builtin
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            checker.module_level_names.add(stmt.name)
        elif isinstance(stmt, ast.Assign):
            checker.module_level_names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
    checker.visit(tree)
    return checker.violations


def all_modules() -> list[Path]:
    if not PKG_DIR.is_dir():
        return []
    return sorted(
        p
        for p in PKG_DIR.rglob("*.py")
        if "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
    )


# The tree -------------------------------------------------------------------------------------------
def test_flowlab_tree_respects_layers_and_determinism() -> None:
    violations: list[Violation] = []
    modules = all_modules()
    for path in modules:
        violations += check_source(
            module_name_for(path),
            path.read_text(encoding="utf-8"),
            is_package=path.name == "__init__.py",
            relpath=str(path.relative_to(ROOT)),
        )
    assert not violations, (
        f"{len(violations)} layering/determinism violation(s) in {len(modules)} modules:\n"
        + "\n".join(str(v) for v in violations)
    )


STDLIB_ONLY_PACKAGES = ("flowlab.kernel", "flowlab.trace", "flowlab.common")
NO_UI_PACKAGES = ("flowlab.runtime", "flowlab.datastream", "flowlab.sources", "flowlab.graph")
UI_MODULES = ("ipywidgets", "matplotlib", "IPython", "flowlab.viz", "flowlab.exercises")


def _importable(pkg: str) -> bool:
    return (PKG_DIR / pkg.split(".")[1] / "__init__.py").is_file()


@pytest.mark.parametrize("pkg", STDLIB_ONLY_PACKAGES + NO_UI_PACKAGES)
def test_importing_a_layer_loads_nothing_above_it(pkg: str) -> None:
    """What actually gets loaded (this also catches a heavy flowlab/__init__.py)."""
    if not _importable(pkg):
        pytest.skip(f"{pkg} has no __init__.py yet")
    code = (
        f"import sys, json, importlib; importlib.import_module({pkg!r}); "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, (
        f"`import {pkg}` failed (an import error, not a layering problem):\n{out.stderr[-3000:]}"
    )

    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    layer = LAYERS[pkg.split(".")[1]]
    bad = []
    for name in loaded:
        top = name.split(".")[0]
        if name.startswith("flowlab."):
            sub = name.split(".")[1]
            if sub in ALL_INTERNAL and sub not in layer.internal:
                bad.append(name)
        elif top in STDLIB or top in ("flowlab", "__main__", "__future__") or top.startswith("_"):
            continue
        elif pkg in STDLIB_ONLY_PACKAGES or any(name == m or name.startswith(m + ".") for m in UI_MODULES):
            if not _allowed_third_party([name], layer.third_party):
                bad.append(name)
    assert not bad, f"`import {pkg}` also loaded modules outside its layer: {sorted(set(bad))[:30]}"


# Self-tests of the checker: they make the tree test meaningful while the tree is small. -----------------
def _rules(module: str, source: str, **kw) -> list[tuple[str, int]]:
    return [(v.rule, v.line) for v in check_source(module, source, **kw)]


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("flowlab.kernel.loop", "import heapq\nfrom dataclasses import dataclass\n", []),
        ("flowlab.kernel.loop", "import networkx\n", [("layer-third-party", 1)]),
        ("flowlab.kernel.loop", "\nfrom flowlab.common import x\n", [("layer", 2)]),
        ("flowlab.kernel.loop", "from ..trace import events\n", [("layer", 1)]),
        ("flowlab.trace.events", "from flowlab.kernel import Loop\n", [("layer", 1)]),
        ("flowlab.common.types", "from ..trace import events\nfrom . import other\n", []),
        (
            "flowlab.graph.stream_graph",
            "import networkx as nx\nfrom ..kernel import x\nfrom flowlab import common\n",
            [],
        ),
        ("flowlab.graph.stream_graph", "import pandas\n", [("layer-third-party", 1)]),
        ("flowlab.datastream.api", "from flowlab.runtime import Job\n", [("layer", 1)]),
        ("flowlab.datastream.api", "def execute():\n    from flowlab.runtime import Job\n", []),
        ("flowlab.datastream.api", "def execute():\n    from ..viz import x\n", [("layer", 2)]),
        (
            "flowlab.sources.collection",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from flowlab.runtime import T\n",
            [],
        ),
        ("flowlab.runtime.task", "import pandas as pd\nfrom ..graph import JobGraph\n", []),
        ("flowlab.runtime.task", "import ipywidgets\n", [("layer-third-party", 1)]),
        (
            "flowlab.runtime.task",
            "def f():\n    import matplotlib.pyplot as plt\n",
            [("layer-third-party", 2)],
        ),
        ("flowlab.runtime.task", "from flowlab.viz import dash\n", [("layer-forbidden", 1)]),
        ("flowlab.runtime.task", "def f():\n    from ..viz import dash\n", [("layer-forbidden", 2)]),
        (
            "flowlab.exercises.ex1",
            "from IPython.display import display\nfrom IPython import display as d\n",
            [],
        ),
        ("flowlab.exercises.ex1", "import IPython\n", [("layer-third-party", 1)]),
        ("flowlab.exercises.ex1", "from flowlab.viz import Dashboard\n", [("layer", 1)]),
        (
            "flowlab.viz.dashboard",
            "import ipywidgets\nimport matplotlib\nfrom ..runtime import x\nimport threading\n",
            [],
        ),
        ("flowlab.viz.dashboard", "from flowlab.exercises import e\n", [("layer-forbidden", 1)]),
        ("flowlab", "from importlib import import_module\n__version__ = '0.1.0'\n", []),
        ("flowlab", "from .datastream import StreamExecutionEnvironment\n", [("layer", 1)]),
        ("flowlab", "def __getattr__(n):\n    from . import datastream\n    return datastream\n", []),
        ("flowlab.mystery.x", "import os\n", [("layer-unknown", 1)]),
        # determinism
        ("flowlab.kernel.loop", "import time\nt = time.time()\n", [("determinism", 2)]),
        ("flowlab.kernel.loop", "import time as tm\ndef f():\n    tm.sleep(1)\n", [("determinism", 3)]),
        ("flowlab.kernel.loop", "from time import perf_counter\n", [("determinism", 1)]),
        ("flowlab.runtime.x", "from datetime import datetime\nnow = datetime.now()\n", [("determinism", 2)]),
        ("flowlab.runtime.x", "import datetime\nnow = datetime.datetime.now()\n", [("determinism", 2)]),
        ("flowlab.runtime.x", "import datetime\nd = datetime.timedelta(seconds=1)\n", []),
        ("flowlab.runtime.x", "import threading\n", [("determinism", 1)]),
        ("flowlab.runtime.x", "def f():\n    import asyncio\n", [("determinism", 2)]),
        ("flowlab.runtime.x", "from concurrent.futures import ThreadPoolExecutor\n", [("determinism", 1)]),
        ("flowlab.runtime.x", "x = hash('key') % 4\n", [("determinism", 1)]),
        ("flowlab.runtime.x", "x = id(object())\n", [("determinism", 1)]),
        ("flowlab.viz.x", "x = id(object())\nimport time\nt = time.perf_counter()\n", []),
        ("flowlab.viz.x", "x = hash('key')\n", [("determinism", 1)]),
        ("flowlab.common.k", "class K:\n    def __hash__(self):\n        return hash((self.a,))\n", []),
        ("flowlab.runtime.k", "class K:\n    def __deepcopy__(self, memo):\n        memo[id(self)] = 1\n", []),
        ("flowlab.common.k", "def id(x):\n    return x\ny = id(3)\n", []),
        ("flowlab.kernel.r", "import random\nr = random.Random(7)\nx = r.random()\n", []),
        ("flowlab.kernel.r", "import random\nx = random.random()\n", [("determinism", 2)]),
        ("flowlab.kernel.r", "from random import shuffle\n", [("determinism", 1)]),
        (
            "flowlab.kernel.r",
            "import uuid, os\na = uuid.uuid4()\nb = os.urandom(4)\n",
            [("determinism", 2), ("determinism", 3)],
        ),
    ],
)
def test_checker_self_test(module: str, source: str, expected: list[tuple[str, int]]) -> None:
    is_package = module == "flowlab"
    assert sorted(_rules(module, source, is_package=is_package)) == sorted(expected)


def test_violation_message_names_module_line_and_rule() -> None:
    (v,) = check_source("flowlab.runtime.task", "import os\n\nimport ipywidgets\n")
    assert str(v).startswith("flowlab/runtime/task.py:3: [layer-third-party]")
    assert "ipywidgets" in str(v)


# The runtime's own sub-packages -------------------------------------------------------------------
# Each part of flowlab/runtime may import (at module level, lazily, or for type hints alike) only the parts
# listed for it: the arrows point one way, from the Simulation handle down to the stream elements. The
# network talks to its tasks through ``network.interfaces``; tasks reach the job through
# ``tasks.environment``; operators reach their task through ``operators.host``.
RUNTIME_BASE = ("deferred_copy", "elements", "keys", "phases", "recorder", "records", "shared_log")
RUNTIME_PARTS: dict[str, tuple[str, ...]] = {
    "deferred_copy": (),
    "elements": (),
    "keys": (),
    "records": (),
    "phases": (),
    "recorder": (),
    "shared_log": (),
    "state": RUNTIME_BASE,
    "network": RUNTIME_BASE,
    "operators": (*RUNTIME_BASE, "state"),
    "batch": (*RUNTIME_BASE, "state", "network", "operators"),        # BATCH: sorted inputs, stages, failover
    "tasks": (*RUNTIME_BASE, "state", "network", "operators", "batch"),
    "checkpointing": (*RUNTIME_BASE, "state", "network", "operators", "tasks"),
    "cluster": (*RUNTIME_BASE, "tasks", "checkpointing", "batch"),
    "job_runtime": (*RUNTIME_BASE, "state", "network", "operators", "tasks", "checkpointing", "cluster", "batch"),
    "metrics": (*RUNTIME_BASE, "tasks", "job_runtime"),
    "snapshots": (*RUNTIME_BASE, "tasks", "checkpointing", "job_runtime", "metrics", "batch"),
    "simulation": (*RUNTIME_BASE, "tasks", "checkpointing", "job_runtime", "metrics", "snapshots", "cluster",
                   "batch"),
    "": ("simulation",),                      # flowlab/runtime/__init__.py re-exports the handle
}


def _runtime_part(module: str) -> str:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else ""


def runtime_arrow_violations(module: str, source: str) -> list[str]:
    """Imports of ``module`` (in flowlab.runtime) that point at a runtime part it may not use."""
    me = _runtime_part(module)
    allowed = RUNTIME_PARTS.get(me)
    if allowed is None:
        return [f"{module}: flowlab.runtime.{me} is not in RUNTIME_PARTS; add it with its allowed arrows"]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            continue
        for target in targets:
            if not target.startswith("flowlab.runtime."):
                continue
            part = _runtime_part(target)
            if part in RUNTIME_PARTS and part != me and part not in allowed:
                found.append(f"{module}:{node.lineno}: flowlab.runtime.{me or '(package)'} may not import "
                             f"flowlab.runtime.{part}")
                break
    return found


def test_runtime_subpackages_import_one_way() -> None:
    """Runtime parts import only the parts below them, type-hint imports included."""
    problems = []
    for path in sorted((PKG_DIR / "runtime").rglob("*.py")):
        problems += runtime_arrow_violations(module_name_for(path), path.read_text())
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("module", "source", "bad"),
    [
        ("flowlab.runtime.network.service", "from flowlab.runtime.tasks.stream_task import StreamTask\n", 1),
        (
            "flowlab.runtime.operators.base",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from flowlab.runtime.tasks import outputs\n",
            1,
        ),
        ("flowlab.runtime.tasks.stream_task", "def f():\n    from flowlab.runtime.job_runtime import JobRuntime\n", 1),
        ("flowlab.runtime.tasks.stream_task", "from flowlab.runtime.network.buffer import Buffer\n", 0),
        ("flowlab.runtime.simulation.simulation", "from flowlab.runtime import job_runtime\n", 0),
        ("flowlab.runtime.state.heap_backend", "from flowlab.runtime.keys import state_key\n", 0),
    ],
)
def test_runtime_arrow_checker_self_test(module: str, source: str, bad: int) -> None:
    assert len(runtime_arrow_violations(module, source)) == bad
