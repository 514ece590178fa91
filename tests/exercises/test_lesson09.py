"""The lesson 09 checker passes a job that is exactly once end to end through a TaskManager failure, and names
each typical mistake: a source that does not rewind, a sink that repeats, no checkpoints, no restarts."""
from __future__ import annotations

import pytest

from flowlab.common import Configuration, SimpleStringSchema, Types, WatermarkStrategy
from flowlab.datastream import CheckpointingMode
from flowlab.datastream.connectors.kafka import (
    DeliveryGuarantee,
    KafkaRecordSerializationSchema,
    KafkaSink,
    KafkaSource,
)
from flowlab.exercises import check_exactly_once
from flowlab.exercises.lesson09 import CLICKS, count_clicks, expected_counts, simulate


def kafka_source():
    return (KafkaSource.builder().set_bootstrap_servers("localhost:9092").set_topics("clicks")
            .set_group_id("click-counter").set_value_only_deserializer(SimpleStringSchema()).build())


def kafka_sink(guarantee=DeliveryGuarantee.EXACTLY_ONCE, timeout=True):
    builder = (KafkaSink.builder().set_bootstrap_servers("localhost:9092")
               .set_record_serializer(KafkaRecordSerializationSchema.builder().set_topic("counts")
                                      .set_value_serialization_schema(SimpleStringSchema()).build())
               .set_delivery_guarantee(guarantee).set_transactional_id_prefix("click-counter"))
    if timeout:
        builder = builder.set_property("transaction.timeout.ms", "60000")
    return builder.build()


def job(checkpoint_ms=50, mode=None, guarantee=DeliveryGuarantee.EXACTLY_ONCE, source="kafka", sink="kafka",
        restart=None, timeout=True):
    """A my_job(env) with the given choices; the defaults are a right answer."""
    def my_job(env):
        if checkpoint_ms:
            env.enable_checkpointing(checkpoint_ms, *([mode] if mode else []))
        if restart:
            conf = Configuration()
            for key, value in restart.items():
                conf.set_string(key, value)
            env.configure(conf)
        if source == "kafka":
            clicks = env.from_source(kafka_source(), WatermarkStrategy.no_watermarks(), "clicks")
        else:
            clicks = env.from_collection(CLICKS, type_info=Types.STRING())
        counts = count_clicks(clicks)
        if sink == "kafka":
            counts.sink_to(kafka_sink(guarantee, timeout))
        else:
            counts.print()
    return my_job


def test_without_the_failure_the_readers_get_every_count_once():
    """The checker's expectation is what the right job gives without a failure: 150 + 100 + 50 counts, each once."""
    _, kafka, sim = simulate(job(), fail=False)
    sim.run(until_ms=3000)
    got = sorted(r.value for r in kafka.read("counts", sim, "read_committed"))
    assert got == sorted(expected_counts().elements()) and len(got) == 300
    assert {"a=150", "b=100", "c=50"} <= set(got)


@pytest.mark.parametrize("right", [job(), job(checkpoint_ms=20),
                                   job(restart={"restart-strategy.type": "fixed-delay",
                                                "restart-strategy.fixed-delay.delay": "10 ms"})])
def test_an_exactly_once_job_passes(right):
    """Kafka source, EXACTLY_ONCE Kafka sink, checkpoints (default or fixed-delay restarts): each count once."""
    result = check_exactly_once(right)
    assert result.passed, result.messages
    assert result.messages[0] == ("the readers of 'counts' got each of the 300 running counts exactly once, as without "
                                  "the failure; the job restarted once after tm-2 died at 137 ms ✓")


@pytest.mark.parametrize("wrong, expected_messages", [
    (job(source="collection", sink="print", checkpoint_ms=None),
     ["the job FINISHED at 3.25 ms, before tm-2 died at 137 ms: it emitted the whole collection at once",
      "the job writes nothing to the topic 'counts', which the readers read",
      "hint: the job reads env.from_collection(...), not the topic 'clicks'. env.from_collection is not replayable",
      "hint: print() is not transactional"]),
    (job(source="collection"),
     ["the job FINISHED at 57.006 ms, before tm-2 died at 137 ms: it emitted the whole collection at once",
      "hint: the job reads env.from_collection(...), not the topic 'clicks'"]),
    (job(sink="print"),
     ["the job writes nothing to the topic 'counts'", "print() got 35 count(s) more than once, e.g. 'a=52', "
      "'a=53', 'a=54', 'a=55', ...", "hint: print() is not transactional: what it printed after the checkpoint it "
      "printed again after the restore — state exactly once, output at least once"]),
    (job(guarantee=DeliveryGuarantee.AT_LEAST_ONCE),
     ["the readers of 'counts' (read_committed) got 35 count(s) more than once",
      "hint: the KafkaSink's delivery guarantee is AT_LEAST_ONCE: it sends each count at once"]),
    (job(guarantee=DeliveryGuarantee.NONE), ["hint: the KafkaSink's delivery guarantee is NONE"]),
    (job(checkpoint_ms=None),
     ["the job FAILED: JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy",
      "the readers of 'counts' (read_committed) never got 300 of the 300 counts",
      "hint: without checkpointing Flink's default restart strategy is none: the first failure fails the job"]),
    (job(checkpoint_ms=None, restart={"restart-strategy.type": "fixed-delay",
                                      "restart-strategy.fixed-delay.delay": "10 ms"}),
     ["the readers of 'counts' (read_committed) never got 300 of the 300 counts",
      "hint: without checkpointing a restart starts from scratch — sources from the beginning, state empty — and an "
      "EXACTLY_ONCE sink commits only when a checkpoint completes"]),
    (job(restart={"restart-strategy.type": "none"}),
     ["the job FAILED: JobException: Recovery is suppressed by NoRestartBackoffTimeStrategy",
      "never got 199 of the 300 counts, e.g. 'a=52', 'a=53', 'a=54', 'a=55', ...",
      "hint: restart-strategy.type is none: the first failure fails the job"]),
    (job(restart={"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.attempts": "0"}),
     ["the job FAILED: JobException: Recovery is suppressed by FixedDelayRestartBackoffTimeStrategy("
      "maxNumberRestartAttempts=0, backoffTimeMS=1000)", "hint: the restart strategy gave up"]),
    (job(restart={"restart-strategy.type": "fixed-delay", "restart-strategy.fixed-delay.delay": "10 min"}),
     ["at 3000 ms the job is still RESTARTING: it has not recovered from the failure",
      "hint: the restart waits longer than the 2863 ms left"]),
    (job(checkpoint_ms=5000),
     ["never got 300 of the 300 counts", "hint: a checkpoint every 5000 ms commits the output that rarely"]),
    (job(mode=CheckpointingMode.AT_LEAST_ONCE),
     ["the checkpointing mode is AT_LEAST_ONCE: keep EXACTLY_ONCE (the default)"]),
    (job(timeout=False),
     ["a subtask of your job failed 2 time(s) by itself, first with RuntimeError: "
      "org.apache.kafka.common.errors.InvalidTxnTimeoutException: The transaction timeout is larger than the maximum "
      "value allowed by the broker", "hint: fix what fails first"]),
    (None, ["pass a function my_job(env) that builds the job"]),
])
def test_typical_mistakes_get_a_specific_hint(wrong, expected_messages):
    """Each mistake fails with what happened (status, counts missing or read twice) and what to change."""
    result = check_exactly_once(wrong)
    assert not result.passed
    for expected_message in expected_messages:
        assert any(expected_message in m for m in result.messages), (expected_message, result.messages)


def test_a_broken_job_is_reported_not_raised():
    """An exception while building the job is reported by the check."""
    def broken(env):
        raise RuntimeError("oops")
    result = check_exactly_once(broken)
    assert not result.passed and result.messages == ["building the job raised RuntimeError: oops"]
