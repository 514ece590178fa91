"""Lesson 10 exercise: start version 2 of a job from a savepoint that version 1 took without uids.

The checker owns version 1: clicks ``(user, page)`` from two partitions, counted per page by ``CountViews`` at
parallelism 2, printed — with no ``uid`` anywhere. It runs version 1 for 300 ms of virtual time, stops it with
a savepoint (no drain) and calls the student's ``version_2(savepoint_path)``, which returns the environment of
version 2: the same clicks, a new keyed step ``DropReloads`` (a user's click on the page they clicked last is
dropped) before the count, at parallelism 3. It passes when version 2 starts from the savepoint, the count runs
on 3 subtasks, every page's count goes on from its count in the savepoint (no reload counted), and the new step
has a uid. The fix: ``set_uid_hash`` with the ID version 1 generated for the count (the restore error names it),
and a ``uid`` on the new step.
"""
from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from typing import Any

from flowlab.common import Types
from flowlab.datastream.functions import KeyedProcessFunction, RuntimeContext
from flowlab.datastream.state import ValueStateDescriptor
from flowlab.exercises.result import CheckResult

TITLE = "Exercise 10 — version 2 from version 1's savepoint, at parallelism 3"
PAGES = ["home", "search", "shop", "about", "help", "checkout"]
USERS = ["ann", "ben", "cai", "dee", "eve"]
CLICKS = 80
GAP_MS = 8                      # one click every 8 ms
STOP_MS = 300                   # version 1 runs this long, then stops with a savepoint
PARALLELISM = 3
RESTORE_KEY = "execution.state-recovery.path"
IGNORE_KEY = "execution.state-recovery.ignore-unclaimed-state"


def _click(i: int) -> tuple[str, str]:
    """The i-th click: user i % 5 on their own walk through the pages; every 4th click of a user is a reload
    (the page they clicked last)."""
    user, n = i % len(USERS), i // len(USERS)
    step = n - 1 if n % 4 == 3 else n
    return USERS[user], PAGES[(step + user) % len(PAGES)]


def partitions() -> list[list[tuple[int, tuple[str, str]]]]:
    """The clicks as ScriptedSource partitions, (arrival ms, (user, page)): like a Kafka topic keyed by user, all
    clicks of a user are in one partition (ann, cai, eve in 0; ben, dee in 1), so they stay in order."""
    parts: list[list[tuple[int, tuple[str, str]]]] = [[], []]
    for i in range(CLICKS):
        user, page = _click(i)
        parts[USERS.index(user) % 2].append((GAP_MS * i, (user, page)))
    return parts


def clicks_source() -> Any:
    """The clicks both versions read (a ScriptedSource with two partitions, a flowlab extension)."""
    from flowlab.sources import ScriptedSource
    return ScriptedSource(partitions=partitions())


class CountViews(KeyedProcessFunction):
    """The number of clicks on the current page, in the keyed ValueState "views" (as in the lesson)."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.views = runtime_context.get_state(ValueStateDescriptor("views", Types.LONG()))

    def process_element(self, click: Any, ctx: KeyedProcessFunction.Context) -> Any:
        n = (self.views.value() or 0) + 1
        self.views.update(n)
        yield ctx.get_current_key(), n


class DropReloads(KeyedProcessFunction):
    """Keyed by user: drops a click on the page the same user clicked last (a reload), as in the lesson."""

    def open(self, runtime_context: RuntimeContext) -> None:
        self.last = runtime_context.get_state(ValueStateDescriptor("last page", Types.STRING()))

    def process_element(self, click: Any, ctx: KeyedProcessFunction.Context) -> Any:
        if self.last.value() != click[1]:
            self.last.update(click[1])
            yield click


def version_1(config: dict[str, str] | None = None) -> Any:
    """Version 1 as it ran in production: no uid on any operator."""
    from flowlab.common import Configuration, WatermarkStrategy
    from flowlab.datastream import StreamExecutionEnvironment

    conf = Configuration()
    for key, value in (config or {}).items():
        conf.set_string(key, value)
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(2)
    click = Types.TUPLE([Types.STRING(), Types.STRING()])
    clicks = env.from_source(clicks_source(), WatermarkStrategy.no_watermarks(), "clicks", type_info=click)
    counts = clicks.key_by(lambda c: c[1], key_type=Types.STRING()).process(CountViews()).name("count")
    counts.print().name("views")
    return env


def take_savepoint(directory: str) -> tuple[str, dict[str, int]]:
    """Run version 1 for STOP_MS and stop it with a savepoint (no drain) into ``directory``: (its path, the
    views per page at the stop)."""
    from flowlab.runtime import Simulation

    sim = Simulation(version_1(), job_name="page views v1", record_trace=False)
    sim.run(until_ms=STOP_MS)
    path = sim.stop_with_savepoint(False, directory)
    return path, dict(sorted(dict(sim.outputs("views")).items()))


def expected() -> dict[str, int]:
    """Views per page at the end of a correct version 2: every click version 1 read before the stop (reloads
    included: version 1 counted them), then the later clicks without reloads — ``DropReloads`` starts empty, so
    a user's first click after the restore is never a reload."""
    clicks = sorted((arrival, p, value) for p, part in enumerate(partitions()) for arrival, value in part)
    views: dict[str, int] = {}
    last: dict[str, str] = {}
    for arrival, _, (user, page) in clicks:
        if arrival > STOP_MS:
            if last.get(user) == page:
                continue
            last[user] = page
        views[page] = views.get(page, 0) + 1
    return dict(sorted(views.items()))


def operator_ids(env: Any) -> dict[str, str]:
    """{operator name: operator ID} of the job ``env`` describes (what its state is stored under)."""
    return {n.name: n.operator_hash for v in env.get_job_graph().vertices for n in v.operators}


def _restore_hints(message: str, nodes: dict[str, Any], v1_ids: dict[str, str]) -> list[str]:
    """Hints for a restore that failed, from Flink's message and the student's operators."""
    from flowlab.graph.operator_ids import uid_operator_id

    count_id, source_id = v1_ids["count"], v1_ids["Source: clicks"]
    count = nodes.get("count")
    if "Max parallelism mismatch" in message or "maximum parallelism" in message:
        return ["hint: version 1 ran with the max parallelism Flink derived, 128 (128 key groups). The key groups "
                "of every key depend on it, so it must stay: remove set_max_parallelism / pipeline.max-parallelism "
                "(unset, Flink takes the stored one over) or set it to 128"]
    if f"operator {count_id} " in message and count is not None:
        if count.uid_hash is not None:
            return [f"hint: set_uid_hash({count.uid_hash!r}) gives the count that ID, but the savepoint keeps the "
                    f"views under {count_id}: copy the ID from the error message"]
        if count.uid is not None:
            return [f"hint: uid({count.uid!r}) gives the count the ID {uid_operator_id(count.uid)} (a hash of the "
                    f"string), but version 1 had no uid: the savepoint keeps the views under the ID Flink generated "
                    f"from the graph, {count_id}. No uid hashes to a generated ID — pin it as it is: "
                    f".set_uid_hash({count_id!r}) on the count"]
        return [f"hint: without a uid the count's ID is generated from its place in the graph; the new step before "
                f"it moved it, so the ID changed and the views stored under {count_id} (the error names it) have no "
                f"operator. Give the count that ID back: .set_uid_hash({count_id!r})"]
    if f"operator {source_id} " in message:
        source = nodes.get("Source: clicks")
        what = (f"uid({source.uid!r})" if source is not None and source.uid is not None
                else "set_uid_hash(...)" if source is not None and source.uid_hash is not None
                else "your change")
        return [f"hint: the source's state (where it stopped reading each partition) is stored under {source_id}, the "
                f"ID version 1 generated for it, and {what} gave the source another one. Leave the source's ID as it "
                f"was, or pin it: .set_uid_hash({source_id!r}) on the source"]
    return []


def check_upgrade(version_2: Callable[[str], Any]) -> CheckResult:
    """Take version 1's savepoint, start ``version_2(path)`` from it, run it to the end; say what is right and
    what is not, with a hint for each typical mistake."""
    result = CheckResult(TITLE)
    if not callable(version_2):
        return result.fail("pass a function version_2(savepoint_path) that builds version 2 and returns its "
                           "environment, e.g. check_upgrade(version_2)")
    directory = tempfile.mkdtemp(prefix="flowlab-lesson10-")
    try:
        return _check(version_2, "file://" + directory, result)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _check(version_2: Callable[[str], Any], directory: str, result: CheckResult) -> CheckResult:
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.runtime import Simulation
    from flowlab.runtime.checkpointing.restore import StateRestoreError

    path, at_stop = take_savepoint(directory)
    v1_ids = operator_ids(version_1())
    try:
        env = version_2(path)
    except Exception as exc:  # the student's code: report, do not crash the checker
        return result.fail(f"version_2(savepoint_path) raised {type(exc).__name__}: {exc}")
    if not isinstance(env, StreamExecutionEnvironment):
        return result.fail(f"version_2 returned {env!r}: return the StreamExecutionEnvironment it built (return env)")
    try:
        graph = env.get_job_graph()
    except Exception as exc:  # the student's job: report, do not crash the checker
        return result.fail(f"version 2's job could not be built: {type(exc).__name__}: {exc}")
    config = graph.settings.get("configuration", {})
    if not any(config.get(k) for k in (RESTORE_KEY, "execution.savepoint.path")):
        return result.fail("version 2 starts with no state: every page would be counted from 0 again. Put the "
                           f"savepoint's path into the configuration: conf.set_string(\"{RESTORE_KEY}\", "
                           "savepoint_path)")
    nodes = {n.name: n for v in graph.vertices for n in v.operators}
    if "count" not in nodes:
        return result.fail("version 2 has no operator named 'count': keep .name(\"count\") on the counting step")
    try:
        sim = Simulation(env, job_name="page views v2", record_trace=False)
    except StateRestoreError as exc:
        message = str(exc)
        result.fail(f"version 2 does not start: {message.split(' (The state was written')[0]}")
        for hint in _restore_hints(message, nodes, v1_ids):
            result.note(hint)
        return result
    sim.run()
    if sim.job_status != "FINISHED":
        lines = (sim.failure or "").strip().splitlines()
        return result.fail(f"version 2 did not finish: {sim.job_status} {lines[-1] if lines else ''}".rstrip())
    final = dict(sorted(dict(sim.outputs("views")).items())) if "views" in nodes else {}
    mapped = sim.runtime.state_assignment.mapped if sim.runtime.state_assignment is not None else {}
    count, drop = nodes["count"], nodes.get("drop reloads")
    want = expected()
    if v1_ids["count"] not in mapped:
        page = next(iter(want))
        result.fail(f"the views version 1 counted were dropped: {page!r} ends at {final.get(page)} instead of "
                    f"{want[page]}. {IGNORE_KEY} throws away the state no operator "
                    "claims — here the count's; it is for state you mean to lose")
        result.note(f"hint: give the count the ID the savepoint keeps its state under, .set_uid_hash("
                    f"{v1_ids['count']!r}), and remove ignore-unclaimed-state")
    elif mapped[v1_ids["count"]] != count.operator_id:
        owner = next((n.name for n in nodes.values() if n.operator_id == mapped[v1_ids["count"]]), "?")
        result.fail(f"the views version 1 counted went to {owner!r}, not to the count: the ID "
                    f"{v1_ids['count']} (set_uid_hash) is on the wrong operator; the count started from 0")
    if count.parallelism != PARALLELISM:
        result.fail(f"the count runs on {count.parallelism} subtask(s): version 2 must run it on {PARALLELISM} "
                    "(env.set_parallelism(3))")
    if drop is None:
        result.fail("version 2 has no step named 'drop reloads': reloads are counted. Keep "
                    ".process(DropReloads(), ...).name(\"drop reloads\") before the count")
    elif drop.uid is None and drop.uid_hash is None:
        result.fail("'drop reloads' has no uid: its ID is generated, and the next change of the graph breaks the "
                    "restore again. A new operator can take any uid: .uid(\"drop reloads\")")
    if result.passed and final != want:
        wrong = {p: (final.get(p), n) for p, n in want.items() if final.get(p) != n}
        result.fail("the final views differ from the expected ones (page: yours, expected): "
                    + ", ".join(f"{p}: {a}, {b}" for p, (a, b) in wrong.items()))
    if not result.passed:
        return result
    moved = sum(1 for kg in range(128) if kg * 2 // 128 != kg * PARALLELISM // 128)
    result.note(f"version 2 started from the savepoint: the views of {len(at_stop)} pages went on from "
                f"{sum(at_stop.values())} clicks to {sum(final.values())}, on {PARALLELISM} subtasks ✓")
    result.note(f"{moved} of 128 key groups moved to another subtask, each with its pages' views ✓")
    return result.note("Well done! The count and the new step now have fixed IDs. The source still has a generated "
                       f"one ({v1_ids['Source: clicks']}): pin it too with set_uid_hash before the next change.")
