"""Text helpers behind every renderer: escaping, number formats, name wrapping."""
from __future__ import annotations

from flowlab.viz.render.svg import count, esc, ms, num, wrap


def test_esc_escapes_markup_and_drops_characters_xml_forbids():
    """<&>"' are escaped; control characters become U+FFFD."""
    assert esc("<a & 'b'>\"") == "&lt;a &amp; &#x27;b&#x27;&gt;&quot;"
    assert esc("x\x00y\x1f") == "x\ufffdy\ufffd"
    assert esc("tab\tnew\nline") == "tab\tnew\nline"


def test_count_fits_a_narrow_column():
    """Counts stay short: exact up to 9,999, then k, M, G."""
    assert [count(n) for n in (0, 987, 9876, 98_765, 1_234_567, 2_000_000_000)] == [
        "0", "987", "9,876", "98.8k", "1.23M", "2.00G"]
    assert count(None) == "–"


def test_ms_and_num_are_fixed_formats():
    """Milliseconds with up to µs precision; coordinates with at most one decimal."""
    assert [ms(v) for v in (0, 0.0, 1.5, 123.4567, None)] == ["0", "0", "1.5", "123.457", "0"]
    assert [num(v) for v in (3, 3.0, 3.04, 3.25, -0.04)] == ["3", "3", "3", "3.2", "0"]


def test_wrap_prefers_breaks_after_chain_arrows():
    """Operator chains break after an arrow; long words break after punctuation; overflow is marked."""
    assert wrap("Source: Collection → Map", 30) == ["Source: Collection → Map"]
    assert wrap("Source: Collection → Map → Filter", 26) == ["Source: Collection → Map →", "Filter"]
    assert wrap("TumblingEventTimeWindows(5000)", 26) == ["TumblingEventTimeWindows", "(5000)"]
    assert wrap("TumblingEventTimeWindows(5000)", 20) == ["TumblingEventTime", "Windows(5000)"]
    lines = wrap("a → " * 40, 10, max_lines=2)
    assert len(lines) == 2 and lines[-1].endswith("…") and all(len(x) <= 10 for x in lines)
