"""Lesson 06 checker: the starting job fails with a pointer at the bottleneck; real fixes pass; cheats fail."""
from __future__ import annotations

from flowlab.exercises import lesson06 as L
from flowlab.exercises.lesson06 import enrich


def _keyed(parallelism: int, cost: float, fn=enrich):
    def build(env, purchases):
        (purchases.key_by(lambda p: p[0]).map(fn).name("enrich").set_parallelism(parallelism)
         .set_processing_cost(cost).add_sink(lambda v: None).name("sink"))
    return build


def test_starting_job_fails_and_names_the_bottleneck():
    """The handed-over job is back-pressured; the result names 'enrich' as the likely bottleneck."""
    res = L.check_bottleneck_fix(L.starting_job)
    assert not res.passed
    assert any("likely bottleneck: enrich" in m for m in res.messages)
    assert any(m.startswith("hint:") for m in res.messages)


def test_more_parallelism_passes():
    """Parallelism 8 for enrich: every vertex OK, ~4000 records/s."""
    assert L.check_bottleneck_fix(_keyed(8, 1.0)).passed


def test_cheaper_operator_passes():
    """0.3 ms per record at parallelism 2 (capacity ~6600/s) also fixes it."""
    assert L.check_bottleneck_fix(_keyed(2, 0.3)).passed


def test_dropping_the_enrichment_fails():
    """Fast but wrong: the sink must still receive enriched records."""
    res = L.check_bottleneck_fix(_keyed(8, 1.0, fn=lambda p: p))
    assert not res.passed and any("enriched" in m for m in res.messages)


def test_a_broken_build_is_reported_not_raised():
    def broken(env, purchases):
        raise RuntimeError("oops")
    res = L.check_bottleneck_fix(broken)
    assert not res.passed and "oops" in res.messages[0]
