"""Lesson 02 exercise: shape a job's chains and slots.

The student gets a pipeline ``Source -> parse -> valid -> shout -> print`` at parallelism 2 (which Flink
chains into 2 tasks) and must change it so that it runs as exactly 3 tasks,
``[Source] [parse -> valid] [shout -> Print to Std. Out]``, with ``shout -> print`` in a slot sharing
group of its own named "io" (so the job needs 4 slots), and still prints the same records.
``check_chaining(build_job)`` explains, edge by edge, which operators are chained and why (not).
"""
from __future__ import annotations

from collections.abc import Callable

from flowlab.exercises.result import CheckResult

TITLE = "Exercise 02 — three tasks, four slots"
LINES = ["hello flink", "", "chains and slots", "bye"]
SOURCE, PRINT = "Source: Collection Source", "Print to Std. Out"
WANTED_TASKS = [[SOURCE], ["parse", "valid"], ["shout", PRINT]]
WANTED_SLOTS = 4
PARALLELISM = 2


def expected_output() -> list[str]:
    return sorted(line.upper() + "!" for line in LINES if line.strip())


def check_chaining(build_job: Callable) -> CheckResult:
    """Build ``build_job(env, lines)`` at parallelism 2; check tasks, slot sharing and output."""
    from flowlab.datastream import StreamExecutionEnvironment
    from flowlab.graph.job_graph import chaining_verdict
    from flowlab.runtime import Simulation

    result = CheckResult(TITLE)
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(PARALLELISM)
    try:
        build_job(env, list(LINES))
        jg = env.get_job_graph()
    except Exception as exc:  # the student's code: report, do not crash the checker
        return result.fail(f"building the job raised {type(exc).__name__}: {exc}")
    names = [n.name for n in jg.stream_graph.nodes]
    for want in ("parse", "valid", "shout"):
        if want not in names:
            return result.fail(f"no operator named {want!r}: keep the .name(...) calls of the starting code "
                               f"(operators now: {names})")
    tasks = [[op.name for op in v.operators] for v in jg.vertices]
    shown = " | ".join(" -> ".join(t) for t in tasks)
    chain_enabled = jg.settings.get("chaining_enabled", True)
    if tasks != WANTED_TASKS:
        result.fail(f"your job runs as {len(tasks)} task(s): {shown}; wanted 3: "
                    + " | ".join(" -> ".join(t) for t in WANTED_TASKS))
        wanted_pairs = {("parse", "valid"), ("shout", PRINT)}
        for e in jg.stream_graph.edges:
            a, b = e.source.name, e.target.name
            reason = chaining_verdict(e, chain_enabled)
            if (a, b) in wanted_pairs and reason is not None:
                result.note(f"'{a}' and '{b}' should be one task but are not chained: {reason}")
            elif (a, b) == ("valid", "shout") and reason is None:
                result.note("'valid' and 'shout' are chained into one task: break the chain in front of 'shout' "
                            "(shout.start_new_chain(), or give 'shout' its own slot sharing group)")
        if any("disable_chaining" in m for m in result.messages):
            result.note("hint: disable_chaining() cuts an operator off on BOTH sides; start_new_chain() only "
                        "cuts in front of it")
        odd = [n.name for n in jg.stream_graph.nodes if not n.is_source and n.parallelism != PARALLELISM]
        if odd:
            result.note(f"hint: {', '.join(map(repr, odd))} run(s) at a parallelism other than {PARALLELISM}; "
                        "operators chain only at equal parallelism (a change of parallelism means a "
                        "REBALANCE edge), so leave every operator at parallelism 2")
        return result
    result.note(f"tasks: {shown} ✓")
    groups = {v.name: v.slot_sharing_group for v in jg.vertices}
    if jg.slots_needed != WANTED_SLOTS:
        desc = ", ".join(f"'{n}' in '{g}'" for n, g in groups.items())
        result.fail(f"the job needs {jg.slots_needed} slot(s), wanted {WANTED_SLOTS}. Slots needed = sum over slot "
                    f"sharing groups of the highest parallelism in the group; yours: {desc}")
        if len(set(groups.values())) == 1:
            result.note("hint: put 'shout' into its own group with .slot_sharing_group(\"io\"); the print sink "
                        "inherits its input's group")
        return result
    shout_group = groups["shout -> " + PRINT]
    if shout_group != "io":
        return result.fail(f"'shout -> {PRINT}' is in slot sharing group '{shout_group}'; name it \"io\"")
    result.note(f"slots needed: {jg.slots_needed} (group 'default' x2 + group 'io' x2) ✓")
    sim = Simulation(jg, seed=0, record_trace=False)
    sim.run()
    if sim.job_status != "FINISHED":
        return result.fail(f"the job did not finish ({sim.job_status}): {sim.failure}")
    printed = sorted(line.split("> ", 1)[-1] for line in sim.printed_lines())
    if printed != expected_output():
        return result.fail(f"the job prints {printed}, but should still print {expected_output()}: only change "
                           "how it is chained and placed, not what it computes")
    return result.note("the output is unchanged ✓ Well done!")
