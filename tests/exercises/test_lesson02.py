"""The lesson 02 checker accepts the 3-task / 4-slot job and explains each typical mistake."""
from __future__ import annotations

import pytest

from flowlab.common import Types
from flowlab.exercises import check_chaining

S = Types.STRING()


def job(change=None):
    def build_job(env, lines):
        ds = env.from_collection(lines, type_info=S)
        parsed = ds.map(lambda line: line.strip(), output_type=S).name("parse")
        valid = parsed.filter(lambda line: line != "").name("valid")
        shout = valid.map(lambda line: line.upper() + "!", output_type=S).name("shout")
        if change:
            change(shout, env)
        shout.print()
    return build_job


@pytest.mark.parametrize("change", [
    lambda s, e: s.slot_sharing_group("io"),
    lambda s, e: s.start_new_chain().slot_sharing_group("io"),
])
def test_correct_solutions_pass(change):
    """A new slot sharing group for 'shout' (with or without start_new_chain) passes."""
    result = check_chaining(job(change))
    assert result.passed, result.messages
    assert any("slots needed: 4" in m for m in result.messages)


@pytest.mark.parametrize("change, expected", [
    (None, "'valid' and 'shout' are chained into one task"),
    (lambda s, e: s.start_new_chain(), "the job needs 2 slot(s), wanted 4"),
    (lambda s, e: s.disable_chaining().slot_sharing_group("io"), "'shout' has chaining disabled"),
    (lambda s, e: s.set_parallelism(1), "operators chain only at equal parallelism"),
    (lambda s, e: e.disable_operator_chaining(), "operator chaining is disabled for the whole job"),
    (lambda s, e: s.slot_sharing_group("other"), "name it \"io\""),
    (lambda s, e: s.name("SHOUT"), "no operator named 'shout'"),
])
def test_typical_mistakes_get_a_specific_hint(change, expected):
    """Each typical mistake fails with the reason Flink would give."""
    result = check_chaining(job(change))
    assert not result.passed
    assert any(expected in m for m in result.messages), result.messages


def test_changed_output_is_caught():
    """Right shape but a different computation fails."""
    def build_job(env, lines):
        ds = env.from_collection(lines, type_info=S)
        parsed = ds.map(lambda line: line.strip(), output_type=S).name("parse")
        valid = parsed.filter(lambda line: True).name("valid")
        valid.map(lambda line: line + "!", output_type=S).name("shout").slot_sharing_group("io").print()
    result = check_chaining(build_job)
    assert not result.passed and "should still print" in result.messages[-1]
