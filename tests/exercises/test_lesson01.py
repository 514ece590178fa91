"""The lesson 01 checker accepts running word counts and explains each typical mistake."""
from __future__ import annotations

import pytest

from flowlab.common import Types
from flowlab.datastream import MapFunction
from flowlab.exercises import CheckResult, check_word_count
from flowlab.exercises.lesson01 import expected_counts

PAIR = Types.TUPLE([Types.STRING(), Types.INT()])


def pairs(env, sentences):
    return env.from_collection(sentences, type_info=Types.STRING()).flat_map(
        lambda line: [(w, 1) for w in line.split()], output_type=PAIR)


def good(env, sentences):
    return pairs(env, sentences).key_by(lambda t: t[0], key_type=Types.STRING()).sum(1)


def good_untyped(env, sentences):
    return env.from_collection(sentences).flat_map(lambda s: ((w, 1) for w in s.split())) \
        .key_by(lambda t: t[0]).sum(1)


class Counting(MapFunction):
    def __init__(self):
        self.counts = {}

    def map(self, word):
        self.counts[word] = self.counts.get(word, 0) + 1
        return word, self.counts[word]


WRONG = {
    "words_not_pairs": (lambda env, s: env.from_collection(s).flat_map(lambda line: line.split())
                        .key_by(lambda w: w).sum(1), "you emitted words, not (word, 1) pairs"),
    "typed_words_not_pairs": (lambda env, s: env.from_collection(s, type_info=Types.STRING())
                              .flat_map(lambda line: line.split(), output_type=Types.STRING())
                              .key_by(lambda w: w, key_type=Types.STRING()).sum(1),
                              "You emitted words, not (word, 1) pairs"),
    "no_aggregation": (lambda env, s: pairs(env, s), "the 4th 'to' must read ('to', 4)"),
    "keyed_stream_returned": (lambda env, s: pairs(env, s).key_by(lambda t: t[0]), "returned the KeyedStream"),
    "wrong_key": (lambda env, s: pairs(env, s).key_by(lambda t: t[1]).sum(1), "all records went to one key"),
    "sum_field_0": (lambda env, s: pairs(env, s).key_by(lambda t: t[0]).sum(0), "use sum(1)"),
    "map_not_flat_map": (lambda env, s: env.from_collection(s).map(lambda line: [(w, 1) for w in line.split()]),
                         "Use flat_map"),
    "no_return": (lambda env, s: good(env, s).print() and None, "returned None"),
    "python_counter": (lambda env, s: env.from_collection(s).flat_map(lambda line: line.split()).rebalance()
                       .map(Counting()), "correct at parallelism 1, but wrong at parallelism 3"),
    "final_counts_only": (lambda env, s: env.from_collection(
        sorted({w: c for w, c in expected_counts(s)}.items())), "not only the final count"),
    "lower_cased": (lambda env, s: env.from_collection(s, type_info=Types.STRING())
                    .flat_map(lambda line: [(w.lower(), 1) for w in line.split()], output_type=PAIR)
                    .key_by(lambda t: t[0], key_type=Types.STRING()).sum(1),
                    "'Flink' is missing: words are case-sensitive, so 'Flink' and 'flink' are two different words"),
}


def test_expected_counts_are_running_totals():
    """The reference answer: one running (word, count) per occurrence."""
    assert expected_counts(["a b a", "a"]) == [("a", 1), ("b", 1), ("a", 2), ("a", 3)]


@pytest.mark.parametrize("build_job", [good, good_untyped])
def test_correct_solutions_pass(build_job):
    """flat_map -> key_by -> sum(1) passes, typed or not."""
    result = check_word_count(build_job)
    assert isinstance(result, CheckResult)
    assert result.passed, result.messages
    assert "Well done" in result.messages[-1]
    assert "Passed" in result._repr_html_()


@pytest.mark.parametrize("name", sorted(WRONG))
def test_typical_mistakes_get_a_specific_hint(name):
    """Each typical mistake fails with a message that names the mistake."""
    build_job, expected = WRONG[name]
    result = check_word_count(build_job)
    assert not result.passed
    assert any(expected in m for m in result.messages), result.messages
    assert "Not yet" in result._repr_html_()


def test_passing_the_result_instead_of_the_function():
    """Calling build_job yourself is caught."""
    assert "pass your function itself" in check_word_count(None).messages[0]


def test_exception_in_build_job_is_reported():
    """An error in the student's code is a message, not a crash."""
    def broken(env, sentences):
        raise ValueError("oops")
    result = check_word_count(broken)
    assert not result.passed and "ValueError: oops" in result.messages[0]


def test_hidden_inputs_contain_words_that_differ_only_in_case():
    """The task says words are case-sensitive: some hidden input has 'Flink' and 'flink' as different words."""
    from flowlab.exercises.lesson01 import HIDDEN_INPUTS
    words = {w for sentences in HIDDEN_INPUTS for s in sentences for w in s.split()}
    assert {"Flink", "flink", "FLINK"} <= words


def test_lower_casing_solution_is_rejected_with_the_exact_hint():
    """A solution that lower-cases the words fails on the capitalised hidden input, saying why."""
    build_job, _ = WRONG["lower_cased"]
    result = check_word_count(build_job)
    assert result.messages == [
        "input ['Flink keeps state', 'flink Flink FLINK', 'State state']: 'Flink' is missing: words are "
        "case-sensitive, so 'Flink' and 'flink' are two different words. Do not change the words (no lower()): "
        "split each sentence with sentence.split() only"]
