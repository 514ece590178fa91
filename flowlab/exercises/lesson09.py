"""Lesson 09 exercise: exactly once end to end, through a TaskManager failure.

Clicks on pages ``a``, ``b`` and ``c`` arrive in the Kafka topic ``clicks`` (2 partitions, one click a
virtual ms for 300 ms) of the simulated Kafka at ``localhost:9092``. The student writes ``my_job(env)``: a
source, ``count_clicks(clicks)`` (given: a running count per page as ``"page=count"`` strings), a sink,
checkpointing and a restart strategy. The checker runs it at parallelism 2 on two TaskManagers of one slot
each, kills ``tm-2`` at 137 ms and runs on to 3000 ms. It passes when what the downstream readers of the topic
``counts`` (``isolation.level=read_committed``) get is exactly what a run without the failure gives: every
running count once, none missing, none twice.

``check_exactly_once(my_job)`` reports what happened — the job's status, the restart, each count missing or
read twice — and the typical mistakes get a specific hint: ``from_collection`` (not replayable), ``print()``
(at least once), a ``KafkaSink`` with ``NONE``/``AT_LEAST_ONCE`` delivery, no checkpointing (no restart, or a
restart from scratch with nothing committed), ``restart-strategy.type: none``, a restart delay or a checkpoint
interval too long for the output to arrive, ``AT_LEAST_ONCE`` checkpoints, a job that fails by itself (e.g. a
``KafkaSink`` asking for a longer transaction timeout than the broker allows).
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from flowlab.exercises.result import CheckResult

TITLE = "Exercise 09 — exactly once, end to end"
SERVERS = "localhost:9092"
CLICKS_TOPIC = "clicks"
COUNTS_TOPIC = "counts"
PAGES = ["a", "b", "a", "c", "a", "b"]      # click t is on page PAGES[t % 6]: a 150, b 100, c 50 clicks
N_CLICKS = 300                              # one a virtual ms, partition t % 2
PARALLELISM = 2
TASKMANAGER = "tm-2"
FAIL_AT_MS = 137
RUN_MS = 3000
PRINTED = re.compile(r"^\d+> ")


def click(t: int) -> str:
    """The page of the click arriving at ``t`` ms."""
    return PAGES[t % len(PAGES)]


def clicks_kafka() -> Any:
    """The simulated Kafka at ``localhost:9092``: topic ``clicks`` (2 partitions) with the 300 clicks, and an
    empty topic ``counts`` (2 partitions) for the job's output. Replaces any cluster created there before."""
    from flowlab.datastream.connectors.kafka import SimulatedKafka

    kafka = SimulatedKafka(SERVERS).create_topic(CLICKS_TOPIC, 2).create_topic(COUNTS_TOPIC, 2)
    for t in range(N_CLICKS):
        kafka.produce(CLICKS_TOPIC, click(t), partition=t % 2, at_ms=t)
    return kafka


#: the same clicks as a Python list (what ``env.from_collection(CLICKS)`` would read)
CLICKS = [click(t) for t in range(N_CLICKS)]


def count_clicks(clicks: Any) -> Any:
    """A running count per page of a stream of page names, as ``"page=count"`` strings (``Types.STRING()``,
    so a ``KafkaSink`` with ``SimpleStringSchema`` can write them)."""
    from flowlab.common import Types

    pair = Types.TUPLE([Types.STRING(), Types.INT()])
    return (clicks.map(lambda page: (page, 1), output_type=pair).name("to pairs")
            .key_by(lambda c: c[0], key_type=Types.STRING()).sum(1).name("count")
            .map(lambda c: f"{c[0]}={c[1]}", output_type=Types.STRING()).name("format"))


def expected_counts() -> Counter:
    """What the readers get from a run without the failure: every running count of every page, once."""
    totals = Counter(CLICKS)
    return Counter(f"{page}={n}" for page, total in totals.items() for n in range(1, total + 1))


def environment() -> Any:
    """The checker's environment: parallelism 2 on two TaskManagers with one slot each; network buffers sent after
    1 ms at most (as in the lesson), so the counts reach the sink at once."""
    from flowlab.common import Configuration
    from flowlab.datastream import StreamExecutionEnvironment

    conf = Configuration()
    conf.set_string("minicluster.number-of-taskmanagers", "2")
    conf.set_string("taskmanager.numberOfTaskSlots", "1")
    env = StreamExecutionEnvironment.get_execution_environment(conf)
    env.set_parallelism(PARALLELISM)
    env.set_buffer_timeout(1)
    return env


def simulate(my_job: Callable[[Any], Any], fail: bool = True, seed: int = 0) -> tuple[Any, Any, Any]:
    """(environment, simulated Kafka, Simulation) of ``my_job`` with the checker's cluster and clicks, ``tm-2``
    killed at 137 ms unless ``fail`` is False; not yet run."""
    from flowlab.runtime import Simulation

    kafka = clicks_kafka()
    env = environment()
    my_job(env)
    sim = Simulation(env, seed=seed)
    if fail:
        sim.kill_taskmanager(TASKMANAGER, at_ms=FAIL_AT_MS)
    return env, kafka, sim


# -- what the student built ------------------------------------------------------------------------------------
def _job_parts(env: Any) -> tuple[list[Any], list[Any]]:
    """(sources, sinks) of the job: each source object, and each sink ("print", "collect", or the Sink object or
    function given to sink_to / add_sink)."""
    nodes = env._stream_graph().nodes
    sources = [n.params.get("source") for n in nodes if n.kind == "source"]
    sinks = [n.params.get("function") if n.params.get("sink") == "sink" else n.params.get("sink")
             for n in nodes if n.kind == "sink"]
    return sources, sinks


def _reads_clicks(source: Any) -> bool:
    from flowlab.datastream.connectors.kafka import KafkaSource
    return isinstance(source, KafkaSource) and CLICKS_TOPIC in (source.topics or [])


def _writes_counts(sink: Any) -> bool:
    from flowlab.datastream.connectors.kafka import KafkaSink
    if not isinstance(sink, KafkaSink):
        return False
    topic = getattr(sink.serializer, "topic", None)
    return topic in (None, COUNTS_TOPIC)


def _source_name(source: Any) -> str:
    from flowlab.sources.collection import CollectionSource
    if isinstance(source, CollectionSource):
        return "env.from_collection(...)"
    return type(source).__name__


# -- the check ----------------------------------------------------------------------------------------------------
def check_exactly_once(my_job: Callable[[Any], Any]) -> CheckResult:
    """Run ``my_job(env)`` with ``tm-2`` killed at 137 ms; check that the readers of ``counts`` get each running
    count exactly once, as without the failure."""
    from flowlab.datastream import CheckpointingMode

    result = CheckResult(TITLE)
    if not callable(my_job):
        return result.fail("pass a function my_job(env) that builds the job, e.g. check_exactly_once(my_job)")
    try:
        env, kafka, sim = simulate(my_job)
    except Exception as exc:  # the student's code: report, do not crash the checker
        return result.fail(f"building the job raised {type(exc).__name__}: {exc}")
    try:
        sim.run(until_ms=RUN_MS)
    except Exception as exc:
        return result.fail(f"the job could not run: {type(exc).__name__}: {exc}")

    sources, sinks = _job_parts(env)
    to_counts = [s for s in sinks if _writes_counts(s)]
    interval = env.get_checkpoint_interval()
    checkpointing = interval is not None and interval > 0
    mode = env.get_checkpoint_config().get_checkpointing_mode() if checkpointing else None
    own = _own_failures(sim)
    collection = not any(_reads_clicks(s) for s in sources)

    # what happened to the job
    status = sim.job_status
    if status == "FAILED":
        lines = (sim.failure or "").strip().splitlines()
        result.fail(f"the job FAILED: {lines[0] if lines else ''}")
    elif status == "FINISHED" and sim.now_ms < FAIL_AT_MS:
        result.fail(f"the job FINISHED at {sim.now_ms:g} ms, before {TASKMANAGER} died at {FAIL_AT_MS} ms: "
                    + ("it emitted the whole collection at once" if collection else "it read nothing"))
    elif status not in ("RUNNING", "FINISHED"):
        result.fail(f"at {RUN_MS} ms the job is still {status}: it has not recovered from the failure")
    if own:
        result.fail(f"a subtask of your job failed {len(own)} time(s) by itself, first with {own[0]}")

    # what the readers got
    want = expected_counts()
    if to_counts:
        _compare(result, f"the readers of '{COUNTS_TOPIC}' (read_committed)",
                 Counter(r.value for r in kafka.read(COUNTS_TOPIC, sim, "read_committed")), want)
    else:
        result.fail(f"the job writes nothing to the topic '{COUNTS_TOPIC}', which the readers read: write the counts "
                    f"there with a KafkaSink to {SERVERS} (set_topic('{COUNTS_TOPIC}') in its record serializer)")
        if "print" in sinks:
            _compare(result, "print()", Counter(PRINTED.sub("", line) for line in sim.printed_lines()), want)
    if checkpointing and mode != CheckpointingMode.EXACTLY_ONCE:
        result.fail(f"the checkpointing mode is {mode.name}: keep EXACTLY_ONCE (the default). At-least-once "
                    "checkpoints do not align the barriers, so a record after a barrier can be counted in the "
                    "snapshot and again after the restore — whether it happens depends on timing")

    if result.passed:
        restarts = _restarts(sim)
        return result.note(
            f"the readers of '{COUNTS_TOPIC}' got each of the {sum(want.values())} running counts exactly once, as "
            f"without the failure; the job restarted {_times(restarts)} after {TASKMANAGER} died at {FAIL_AT_MS} ms "
            "✓").note(
            "Well done! The price: a count becomes visible only when the checkpoint after it completes — up to one "
            f"checkpoint interval ({interval} ms here) after its click.")
    for hint in _hints(sources, sinks, to_counts, checkpointing, status, own, interval, _strategy(env)):
        result.note(hint)
    return result


def _compare(result: CheckResult, where: str, got: Counter, want: Counter) -> None:
    twice = sorted((got - want).elements(), key=_order)
    missing = sorted((want - got).elements(), key=_order)
    if twice:
        result.fail(f"{where} got {len(twice)} count(s) more than once, e.g. {_some(twice)}")
    if missing:
        result.fail(f"{where} never got {len(missing)} of the {sum(want.values())} counts, e.g. {_some(missing)}")


def _hints(sources: list[Any], sinks: list[Any], to_counts: list[Any], checkpointing: bool, status: str,
           own: list[str], interval: int | None, strategy: str | None) -> list[str]:
    """What to change, from what the student built and what happened."""
    from flowlab.datastream.connectors.kafka import DeliveryGuarantee

    hints = []
    if not any(_reads_clicks(s) for s in sources):
        used = ", ".join(_source_name(s) for s in sources) or "no source"
        hints.append(f"hint: the job reads {used}, not the topic '{CLICKS_TOPIC}'. env.from_collection is not "
                     "replayable: after a restore it emits every element again while the counts come back from the "
                     "checkpoint, so they end too high (section 4). Read the clicks with a KafkaSource "
                     f"(set_topics('{CLICKS_TOPIC}')): its partition offsets are in every checkpoint, and it rewinds "
                     "to them")
    if "print" in sinks and not to_counts:
        hints.append("hint: print() is not transactional: what it printed after the checkpoint it printed again after "
                     "the restore — state exactly once, output at least once. Write the counts to the topic "
                     f"'{COUNTS_TOPIC}' with a KafkaSink (DeliveryGuarantee.EXACTLY_ONCE)")
    for s in to_counts:
        if s.delivery_guarantee != DeliveryGuarantee.EXACTLY_ONCE:
            hints.append(f"hint: the KafkaSink's delivery guarantee is {s.delivery_guarantee.name}: it sends each "
                         "count at once, so after the restore the replayed counts are sent again and every reader "
                         "sees them twice. DeliveryGuarantee.EXACTLY_ONCE writes them in one transaction per "
                         "checkpoint, which read_committed readers see only once it is committed "
                         "(set_transactional_id_prefix(...) and the transaction.timeout.ms property too)")
    if own:
        hints.append("hint: fix what fails first — the restart strategy restarts the job, and it fails again the same "
                     "way")
    elif not checkpointing and status == "FAILED":
        hints.append("hint: without checkpointing Flink's default restart strategy is none: the first failure fails "
                     "the job. Enable checkpointing (env.enable_checkpointing(...)): then the default is "
                     "exponential-delay, and the job restarts from the latest completed checkpoint")
    elif not checkpointing:
        hints.append("hint: without checkpointing a restart starts from scratch — sources from the beginning, state "
                     "empty — and an EXACTLY_ONCE sink commits only when a checkpoint completes. Enable "
                     "checkpointing: env.enable_checkpointing(...)")
    elif status == "FAILED" and strategy == "none":
        hints.append("hint: restart-strategy.type is none: the first failure fails the job. Leave it out (with "
                     "checkpointing the default is exponential-delay) or use fixed-delay")
    elif status == "FAILED":
        hints.append("hint: the restart strategy gave up: allow more restarts (restart-strategy.fixed-delay.attempts) "
                     "or leave it out (with checkpointing the default, exponential-delay, always restarts)")
    elif status not in ("FINISHED", "RUNNING"):
        hints.append(f"hint: the restart waits longer than the {RUN_MS - FAIL_AT_MS} ms left: shorten "
                     "restart-strategy.fixed-delay.delay (or exponential-delay's initial-backoff)")
    elif interval is not None and interval >= (RUN_MS - N_CLICKS) // 2:
        hints.append(f"hint: a checkpoint every {interval} ms commits the output that rarely: a count is visible "
                     "only after the checkpoint that follows it. Checkpoint more often (e.g. every 50 ms)")
    return hints


def _own_failures(sim: Any) -> list[str]:
    """The causes of the subtask failures that were not the TaskManager the checker killed."""
    return [e.detail.split("FAILED: ", 1)[-1] for e in sim.events()
            if e.kind == "task_failed" and "InjectedFailure" not in e.detail]


def _strategy(env: Any) -> str | None:
    conf = env._configuration
    raw = conf.get_string("restart-strategy.type", None) or conf.get_string("restart-strategy", None)
    if raw is None:
        return None
    return {"off": "none", "disable": "none"}.get(raw.strip().lower(), raw.strip().lower())


def _restarts(sim: Any) -> int:
    return sum(1 for e in sim.events() if e.kind == "job_status" and (e.data or {}).get("to") == "RESTARTING")


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _order(count: str) -> tuple[str, int]:
    page, _, n = count.partition("=")
    return page, int(n) if n.isdigit() else -1


def _some(counts: list[str], n: int = 4) -> str:
    shown = ", ".join(repr(c) for c in counts[:n])
    return shown + (", ..." if len(counts) > n else "")
