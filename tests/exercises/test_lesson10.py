"""The lesson 10 checker passes version 2 with the count's old ID pinned and a uid on the new step, and explains
each typical mistake: no restore path, a uid (or a wrong hash) where the generated ID was, the ID on the wrong
operator, dropped state, the wrong parallelism, a changed max parallelism, a source with a new ID."""
from __future__ import annotations

import pytest

import flowlab
from flowlab.common import Configuration, Types, WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.exercises import CheckResult, check_upgrade
from flowlab.exercises.lesson10 import (
    CountViews,
    DropReloads,
    clicks_source,
    expected,
    operator_ids,
    take_savepoint,
    version_1,
)

CLICK = Types.TUPLE([Types.STRING(), Types.STRING()])
COUNT_ID = "20ba6b65f97481d5570070de90e4e791"        # what version 1 generated for its count
SOURCE_ID = "bc764cd8ddf7a0cff126f51c16239658"
CANNOT_MAP = ("Cannot map checkpoint/savepoint state for operator {} to the new program, because the operator is not "
              "available in the new program. If you want to allow to skip this, you can set the "
              "--allowNonRestoredState option on the CLI.")


def version_2(restore=True, parallelism=3, count=lambda s: s.set_uid_hash(COUNT_ID),
              drop=lambda s: s.uid("drop reloads"), source=lambda s: s, with_drop=True, config=None):
    """A version 2 for the checker: by default the right one; each argument makes one mistake."""
    def build(path):
        conf = Configuration()
        if restore:
            conf.set_string("execution.state-recovery.path", path)
        for key, value in (config or {}).items():
            conf.set_string(key, value)
        env = StreamExecutionEnvironment.get_execution_environment(conf)
        env.set_parallelism(parallelism)
        clicks = source(env.from_source(clicks_source(), WatermarkStrategy.no_watermarks(), "clicks",
                                        type_info=CLICK))
        if with_drop:
            clicks = drop(clicks.key_by(lambda c: c[0], key_type=Types.STRING())
                          .process(DropReloads(), output_type=CLICK).name("drop reloads"))
        counts = count(clicks.key_by(lambda c: c[1], key_type=Types.STRING()).process(CountViews()).name("count"))
        counts.print().name("views")
        return env
    return build


def test_version_1_generates_the_ids_the_checker_names():
    """Version 1 has no uid: its source and count have the generated IDs the hints quote."""
    assert operator_ids(version_1()) == {"Source: clicks": SOURCE_ID, "count": COUNT_ID,
                                         "views": "c09dc291fad93d575e015871097bfc60"}


def test_expected_views_are_what_the_right_version_2_computes(tmp_path):
    """Version 1 counted 38 clicks (reloads too) by 300 ms; the right version 2 ends at the pure-Python expectation:
    70 views of 80 clicks, the 10 reloads after the stop dropped."""
    path, at_stop = take_savepoint("file://" + str(tmp_path))
    assert at_stop == {"about": 6, "checkout": 5, "help": 6, "home": 7, "search": 6, "shop": 8}
    sim = flowlab.Simulation(version_2()(path), record_trace=False)
    sim.run()
    assert dict(sorted(dict(sim.outputs("views")).items())) == expected() == {
        "about": 12, "checkout": 10, "help": 13, "home": 12, "search": 10, "shop": 13}


def test_the_right_version_2_passes():
    result = check_upgrade(version_2())
    assert result.passed, result.messages
    assert result.messages == [
        "version 2 started from the savepoint: the views of 6 pages went on from 38 clicks to 70, on 3 subtasks ✓",
        "63 of 128 key groups moved to another subtask, each with its pages' views ✓",
        "Well done! The count and the new step now have fixed IDs. The source still has a generated one "
        f"({SOURCE_ID}): pin it too with set_uid_hash before the next change."]


def test_pinning_the_source_too_passes():
    """set_uid_hash on the source with its generated ID changes nothing: also right."""
    assert check_upgrade(version_2(source=lambda s: s.set_uid_hash(SOURCE_ID))).passed


@pytest.mark.parametrize("mistake, messages", [
    (version_2(count=lambda s: s),
     ["version 2 does not start: Failed to rollback to checkpoint/savepoint ",
      "hint: without a uid the count's ID is generated from its place in the graph; the new step before it moved "
      f"it, so the ID changed and the views stored under {COUNT_ID} (the error names it) have no operator. Give the "
      f"count that ID back: .set_uid_hash('{COUNT_ID}')"]),
    (version_2(count=lambda s: s.uid("count")),
     ["hint: uid('count') gives the count the ID b71731f1c0df9c3076c4a455334d0ad6 (a hash of the string), but "
      "version 1 had no uid: the savepoint keeps the views under the ID Flink generated from the graph, "
      f"{COUNT_ID}. No uid hashes to a generated ID — pin it as it is: .set_uid_hash('{COUNT_ID}') on the count"]),
    (version_2(count=lambda s: s.set_uid_hash("0" * 32)),
     [f"hint: set_uid_hash('{'0' * 32}') gives the count that ID, but the savepoint keeps the views under "
      f"{COUNT_ID}: copy the ID from the error message"]),
    (version_2(source=lambda s: s.uid("clicks")),
     [CANNOT_MAP.format(SOURCE_ID),
      f"hint: the source's state (where it stopped reading each partition) is stored under {SOURCE_ID}, the ID "
      "version 1 generated for it, and uid('clicks') gave the source another one. Leave the source's ID as it was, "
      f"or pin it: .set_uid_hash('{SOURCE_ID}') on the source"]),
    (version_2(config={"pipeline.max-parallelism": "256"}),
     ["Max parallelism mismatch between checkpoint/savepoint state and new program. Cannot map operator "
      f"{SOURCE_ID} with max parallelism 128 to new program with max parallelism 256.",
      "hint: version 1 ran with the max parallelism Flink derived, 128 (128 key groups)"]),
    (version_2(restore=False),
     ["version 2 starts with no state: every page would be counted from 0 again. Put the savepoint's path into the "
      'configuration: conf.set_string("execution.state-recovery.path", savepoint_path)']),
    (version_2(count=lambda s: s, config={"execution.state-recovery.ignore-unclaimed-state": "true"}),
     ["the views version 1 counted were dropped: 'about' ends at 6 instead of 12. "
      "execution.state-recovery.ignore-unclaimed-state throws away the state no operator claims — here the "
      "count's; it is for state you mean to lose",
      f"hint: give the count the ID the savepoint keeps its state under, .set_uid_hash('{COUNT_ID}'), and remove "
      "ignore-unclaimed-state"]),
    (version_2(count=lambda s: s, drop=lambda s: s.set_uid_hash(COUNT_ID)),
     [f"the views version 1 counted went to 'drop reloads', not to the count: the ID {COUNT_ID} (set_uid_hash) is "
      "on the wrong operator; the count started from 0"]),
    (version_2(parallelism=2),
     ["the count runs on 2 subtask(s): version 2 must run it on 3 (env.set_parallelism(3))"]),
    (version_2(drop=lambda s: s),
     ["'drop reloads' has no uid: its ID is generated, and the next change of the graph breaks the restore again. "
      'A new operator can take any uid: .uid("drop reloads")']),
    (version_2(with_drop=False),
     ["version 2 has no step named 'drop reloads': reloads are counted. Keep .process(DropReloads(), ...)"
      '.name("drop reloads") before the count']),
])
def test_typical_mistakes_get_a_specific_message(mistake, messages):
    result = check_upgrade(mistake)
    assert isinstance(result, CheckResult) and not result.passed
    for message in messages:
        assert any(message in m for m in result.messages), (message, result.messages)


def test_the_restore_error_is_flinks_without_flowlabs_addition():
    """The check quotes Flink's message and leaves out flowlab's sentence in parentheses (the hint replaces it)."""
    result = check_upgrade(version_2(count=lambda s: s))
    assert result.messages[0].endswith(CANNOT_MAP.format(COUNT_ID))


@pytest.mark.parametrize("bad, message", [
    (3, "pass a function version_2(savepoint_path) that builds version 2 and returns its environment, e.g. "
        "check_upgrade(version_2)"),
    (lambda path: None, "version_2 returned None: return the StreamExecutionEnvironment it built (return env)"),
    (lambda path: 1 / 0, "version_2(savepoint_path) raised ZeroDivisionError: division by zero"),
])
def test_wrong_shapes_are_reported_not_raised(bad, message):
    assert check_upgrade(bad).messages == [message]
