"""The lesson 11 checker accepts the BATCH rows of both programs and names the BATCH rule each mistake misses."""
from __future__ import annotations

import pytest

from flowlab.exercises import check_batch_prediction
from flowlab.exercises.lesson11 import clicks_per_window, printed, word_count

WORDS = [("be", 2), ("is", 1), ("or", 1), ("to", 2), ("not", 1), ("the", 1), ("that", 1), ("question", 1)]
CLICKS = [("bo", 0, 3), ("bo", 20, 1), ("cy", 10, 1), ("cy", 20, 1), ("ann", 0, 1), ("ann", 10, 2)]
STREAMING_WORDS = [("to", 1), ("be", 1), ("or", 1), ("not", 1), ("to", 2), ("be", 2), ("that", 1), ("is", 1),
                   ("the", 1), ("question", 1)]
STREAMING_CLICKS = [("bo", 0, 2), ("ann", 0, 1), ("cy", 10, 1), ("ann", 10, 2), ("cy", 20, 1), ("bo", 20, 1)]


def messages(words=WORDS, clicks=CLICKS) -> tuple[bool, str]:
    result = check_batch_prediction(words, clicks)
    return result.passed, "\n".join(result.messages)


def test_the_programs_print_what_the_lesson_shows() -> None:
    """STREAMING: an update per word and the late click dropped; BATCH: final counts, keys sorted, the click kept."""
    assert printed(word_count, "STREAMING") == [str(r) for r in STREAMING_WORDS]
    assert printed(word_count, "BATCH") == [str(r) for r in WORDS]
    assert printed(clicks_per_window, "STREAMING") == [str(r) for r in STREAMING_CLICKS]
    assert printed(clicks_per_window, "BATCH") == [str(r) for r in CLICKS]


def test_the_right_rows_pass() -> None:
    """The BATCH rows of both programs pass, each part confirmed."""
    passed, text = messages()
    assert passed
    assert "word count: the 8 rows BATCH prints, in its order ✓" in text
    assert "clicks per window: the 6 window counts BATCH prints, in its order ✓ — the late click ('bo', 9) counts" \
        in text


def test_printed_lines_are_read_as_rows() -> None:
    """The lines as print() shows them ("('be', 2)", with or without a subtask prefix) are accepted too."""
    passed, _ = messages([str(r) for r in WORDS], [f"1> {r}" for r in CLICKS])
    assert passed


@pytest.mark.parametrize(("words", "expected"), [
    (STREAMING_WORDS, "word count: that is what STREAMING prints, an update per word (10 rows). In BATCH sum() is "
                      "not rolling: it emits one row per key, its final value, when the key ends"),
    (sorted(WORDS), "word count: your keys are in Python's string order (be, is, not, or, question, that, the, to). "
                    "BATCH sorts the serialized keys: a string is written as its length, then its characters"),
    ([("to", 2), ("be", 2), ("or", 1), ("not", 1), ("that", 1), ("is", 1), ("the", 1), ("question", 1)],
     "word count: your keys are in the order they first arrived (to, be, or, not, that, is, the, question). BATCH "
     "reads the whole input first and sorts it by key"),
    ([("be", 1), ("be", 2), *WORDS[1:]], "word count: 'be' appear(s) in more than one row. In BATCH sum() emits "
                                         "only the final count of each word, once"),
    ([*WORDS[:3], ("to", 1), *WORDS[4:]], "word count: ('to', 1) — 'to' occurs 2 time(s) in the input, and BATCH "
                                          "prints the final count"),
    (WORDS[:-1], "word count: no row for 'question': every word gets its final count"),
    ([*WORDS, ("hamlet", 1)], "word count: 'hamlet' is not a word of the input"),
    ([(w,) for w, _ in WORDS], "word count: each row is (word, count) with a whole number as count, like ('word', 1)"),
    ([(w, str(n)) for w, n in WORDS], "word count: each row is (word, count) with a whole number as count"),
    ({"be": 2}, "word count: give a list of rows, e.g. [('word', 1), ...]"),
    ("('be', 2)", "word count: give a list of rows, e.g. [('word', 1), ...]"),
    ([], "word count: no rows yet — write the rows BATCH prints, in order, e.g. [('word', 1), ...]"),
    (["be: 2"], "word count: cannot read 'be: 2' as a row: write tuples like ('word', 1)"),
])
def test_each_word_count_mistake_names_its_rule(words, expected) -> None:
    """Rolling rows, Python's or arrival key order, a repeated, wrong, missing or unknown word: a specific message."""
    passed, text = messages(words=words)
    assert not passed
    assert expected in text
    assert "clicks per window: the 6 window counts BATCH prints" in text       # the other part is judged alone


LATE = ("clicks per window: in STREAMING the click ('bo', 9) arrived when the watermark was already 12 and was "
        "dropped as late, so ('bo', 0, ...) counted one click less. BATCH has no watermark while it processes "
        "records (current_watermark() is Long.MIN_VALUE): nothing is ever late, every click counts")


@pytest.mark.parametrize(("clicks", "expected"), [
    (STREAMING_CLICKS, "clicks per window: that is what STREAMING prints. Two things change in BATCH"),
    (STREAMING_CLICKS, LATE),
    (STREAMING_CLICKS, "clicks per window: and the order: BATCH fires all windows of a key when the key ends, "
                       "grouped by key in serialized-key order"),
    ([("bo", 0, 2), *CLICKS[1:]], LATE),
    ([("bo", 0, 3), ("ann", 0, 1), ("cy", 10, 1), ("ann", 10, 2), ("cy", 20, 1), ("bo", 20, 1)],
     "clicks per window: the counts are right, in STREAMING's order, where each window fired when the watermark "
     "passed its end"),
    (sorted(CLICKS), "clicks per window: your keys are in Python's string order (ann, bo, cy)"),
    ([*CLICKS[:2], *CLICKS[4:], *CLICKS[2:4]], "clicks per window: your keys are in the order they first arrived "
                                               "(bo, ann, cy)"),
    ([CLICKS[1], CLICKS[0], *CLICKS[2:]], "clicks per window: the keys are in the right order, but not each key's "
                                          "rows: within a key BATCH sorts the records by timestamp"),
    ([CLICKS[0], CLICKS[2], CLICKS[1], *CLICKS[3:]], "clicks per window: the rows of one key are not together"),
    ([*CLICKS[:-1], ("ann", 10, 3)], "clicks per window: 'ann''s window [10, 20) gets 3; count the clicks with "
                                     "10 <= time < 20, all of them"),
    (CLICKS[1:], "clicks per window: no row for the window(s) (user, start) ('bo', 0): each has clicks, and every "
                 "window fires when its key ends"),
    ([*CLICKS, ("ann", 10, 2)], "clicks per window: a window appears twice; without allowed lateness each window "
                                "fires once"),
    ([*CLICKS, ("cy", 30, 1)], "clicks per window: ('cy', 30, ...) is not a window with clicks"),
    ([(u, s) for u, s, _ in CLICKS], "clicks per window: each row is (user, window start, clicks), like "
                                     "('cy', 10, 1)"),
])
def test_each_clicks_mistake_names_its_rule(clicks, expected) -> None:
    """STREAMING's rows, the late click dropped, firing or key order, a wrong, missing or unknown window."""
    passed, text = messages(clicks=clicks)
    assert not passed
    assert expected in text, text


def test_a_failed_check_ends_with_the_rules_to_apply() -> None:
    """A failed check closes with a hint listing the BATCH rules at play."""
    result = check_batch_prediction(STREAMING_WORDS, CLICKS)
    assert result.messages[-1] == ("hint: BATCH sorts each keyed input by key (serialized bytes: a string's length "
                                   "first), then runs one key at a time; rolling aggregations emit only the final "
                                   "value; no record is late")
