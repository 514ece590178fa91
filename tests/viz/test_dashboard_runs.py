"""Long runs on the Dashboard never block the kernel: chunks per tick, progress, Stop, Reset, Run to … ms."""
from __future__ import annotations

import re

import flowlab
from flowlab.common import WatermarkStrategy
from flowlab.datastream import StreamExecutionEnvironment
from flowlab.sources import GeneratorSource
from flowlab.viz import Dashboard
from flowlab.viz.long_run import FIRST_CHUNK, LongRun, thousands
from tests.viz.helpers import finish


def endless(horizon_ms: float = 2000) -> flowlab.Simulation:
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_source(GeneratorSource(count=None, records_per_second=100), WatermarkStrategy.no_watermarks(),
                    "Gen").print()
    return flowlab.Simulation(env, horizon_ms=horizon_ms)


class Clock:
    """A wall clock the test moves: every call advances it by ``per_call`` seconds."""

    def __init__(self, per_call: float = 0.0) -> None:
        self.now = 0.0
        self.per_call = per_call

    def __call__(self) -> float:
        self.now += self.per_call
        return self.now


def test_run_to_end_goes_in_chunks_one_per_tick():
    """Run to end takes FIRST_CHUNK steps on the first tick and returns; the kernel is free in between."""
    sim = endless()
    dash = Dashboard(sim)
    dash.run_button.click()
    assert dash.runner.active and sim.step_count == 0          # started, nothing run yet
    dash.runner.tick()
    assert sim.step_count == FIRST_CHUNK and dash.runner.active


def test_progress_shows_time_steps_and_records_while_running():
    """While running, the progress line names the target, virtual time, steps and records; Stop is enabled."""
    sim = endless()
    dash = Dashboard(sim)
    dash.run_to_end()
    dash.runner.tick()
    text = re.sub(r"<[^>]+>", "", dash.progress.value)
    assert text == (f"⏳ Running to t = 2 000 ms (the horizon of an endless job): t = {thousands(sim.now_ms)} virtual ms · "
                    f"step {sim.step_count} · {len(sim.printed_lines())} records · 1 chunk")
    assert not dash.stop_button.disabled
    assert dash.step_button.disabled and dash.run_button.disabled and dash.play_button.disabled


def test_run_to_end_of_an_endless_job_stops_at_the_horizon_and_says_so():
    """An unbounded source: the run ends at now + horizon_ms with a message how to go further."""
    sim = endless(horizon_ms=500)
    dash = Dashboard(sim)
    dash.run_to_end()
    finish(dash)
    assert sim.now_ms == 500 and not dash.runner.active
    assert dash.runner.message == ("The source 'Source: Gen' is unbounded: stopped at 500 virtual ms "
                                   f"(step {sim.step_count}), 500 ms after the start of the run; use Run to … ms "
                                   "(or sim.run(until_ms=...)) to go further.")
    assert dash.stop_button.disabled and not dash.step_button.disabled


def test_stop_interrupts_the_run_where_it_is():
    """Stop ends the run after the chunk in progress; no further tick steps."""
    sim = endless()
    dash = Dashboard(sim)
    dash.run_to_end()
    dash.runner.tick()
    at = sim.step_count
    dash.stop_button.click()
    dash.runner.tick()
    dash.runner.ticker.value += 1                               # a tick still in flight from the browser
    assert sim.step_count == at and not dash.runner.active
    assert dash.runner.message == f"Stopped at t = {thousands(sim.now_ms)} virtual ms (step {at})."
    assert dash.stop_button.disabled and not dash.run_button.disabled


def test_reset_during_a_run_interrupts_it():
    """Reset stops the run and goes back to step 0."""
    sim = endless()
    dash = Dashboard(sim)
    dash.run_to_end()
    dash.runner.tick()
    dash.reset_button.click()
    dash.runner.tick()
    assert sim.step_count == 0 and not dash.runner.active and dash.runner.message == "Reset: back to step 0."


def test_run_to_ms_reaches_exactly_that_virtual_time():
    """Run to 1234.5 ms ends at t = 1234.5 virtual ms and says so."""
    sim = endless()
    dash = Dashboard(sim)
    dash.run_to_input.value = 1234.5
    dash.run_to_button.click()
    finish(dash)
    assert sim.now_ms == 1234.5
    assert dash.runner.message == f"Reached t = 1 234.5 virtual ms (step {sim.step_count})."


def test_chunks_grow_or_shrink_to_the_time_budget():
    """A chunk that took twice the budget halves the next one; a fast one grows it."""
    sim = endless(horizon_ms=100_000)
    clock = Clock()
    run = LongRun(sim, lambda: None, clock=clock, budget_s=0.1)
    run.start(None)
    clock.per_call = 0.2                     # the chunk took 0.2 s
    run.tick()
    assert run.chunk == FIRST_CHUNK // 2
    clock.per_call = 0.02                    # 0.02 s: five times faster than the budget
    run.tick()
    assert run.chunk == FIRST_CHUNK // 2 * 5


def test_ticks_that_queued_up_behind_a_chunk_are_skipped():
    """A tick right after a chunk ended waited in the queue: skipped; a later one runs the next chunk."""
    sim = endless()
    clock = Clock()
    dash = Dashboard(sim)
    dash.runner.clock = clock
    dash.run_to_end()
    dash.runner.ticker.value += 1            # runs a chunk
    dash.runner.ticker.value += 1            # queued: same instant
    assert dash.runner.chunks == 1 and dash.runner.skipped == 1
    clock.now += 0.1
    dash.runner.ticker.value += 1
    assert dash.runner.chunks == 2


def test_a_bounded_job_runs_to_its_end():
    """Run to end on a bounded job ends when the job is FINISHED."""
    env = StreamExecutionEnvironment.get_execution_environment()
    env.from_collection(list(range(40))).print()
    sim = flowlab.Simulation(env)
    dash = Dashboard(sim)
    dash.run_to_end()
    finish(dash)
    assert sim.job_status == "FINISHED"
    assert dash.runner.message == f"The job is FINISHED at t = {thousands(sim.now_ms)} virtual ms (step {sim.step_count})."
