"""``StatusWatermarkValve``: min over channels, forward-only channels, idleness and re-alignment."""
from __future__ import annotations

from flowlab.runtime.elements import LONG_MIN
from flowlab.runtime.network.input_gate import InputChannel
from flowlab.runtime.tasks.watermark_valve import StatusWatermarkValve


def _valve(n: int = 2) -> tuple[StatusWatermarkValve, list[InputChannel]]:
    channels = [InputChannel(None, i, i, 2) for i in range(n)]
    return StatusWatermarkValve(channels), channels


def test_channels_start_at_long_min_and_active() -> None:
    """A new valve sets every channel to watermark Long.MIN, active and aligned; last output Long.MIN."""
    valve, chs = _valve(3)
    assert [(c.watermark, c.idle, c.aligned) for c in chs] == [(LONG_MIN, False, True)] * 3
    assert (valve.last_output, valve.idle) == (LONG_MIN, False)


def test_output_is_the_minimum_over_channels() -> None:
    """Nothing is output while one channel is still at Long.MIN; then the minimum of both."""
    valve, (a, b) = _valve()
    assert valve.input_watermark(5, a) == []
    assert valve.input_watermark(3, b) == [("watermark", 3)]
    assert valve.input_watermark(10, b) == [("watermark", 5)]
    assert valve.last_output == 5


def test_channel_watermark_only_moves_forward() -> None:
    """A lower or equal watermark on a channel is ignored and leaves the channel's watermark."""
    valve, (a, b) = _valve()
    valve.input_watermark(10, a)
    valve.input_watermark(10, b)
    assert valve.input_watermark(7, a) == []
    assert valve.input_watermark(10, a) == []
    assert (a.watermark, valve.last_output) == (10, 10)


def test_output_only_when_the_minimum_rises() -> None:
    """Raising the non-minimum channel outputs nothing; raising the minimum one outputs the new min."""
    valve, (a, b) = _valve()
    valve.input_watermark(4, a)
    valve.input_watermark(8, b)
    assert valve.input_watermark(20, b) == []
    assert valve.input_watermark(6, a) == [("watermark", 6)]


def test_idle_channel_is_excluded_from_the_minimum() -> None:
    """With one channel idle, the other channel alone drives the output."""
    valve, (a, b) = _valve()
    assert valve.input_status(True, a) == []
    assert valve.input_watermark(5, b) == [("watermark", 5)]
    assert valve.input_watermark(9, b) == [("watermark", 9)]


def test_idle_channel_ignores_its_watermarks() -> None:
    """A watermark arriving on an idle channel is ignored (the channel keeps its old watermark)."""
    valve, (a, b) = _valve()
    valve.input_status(True, a)
    assert valve.input_watermark(50, a) == []
    assert a.watermark == LONG_MIN


def test_idle_minimum_channel_releases_the_other() -> None:
    """When the channel holding the minimum goes idle, the minimum of the rest is output."""
    valve, (a, b) = _valve()
    valve.input_watermark(5, a)
    valve.input_watermark(8, b)
    assert valve.input_status(True, a) == [("watermark", 8)]


def test_all_idle_flushes_the_maximum_then_reports_idle() -> None:
    """The last channel going idle while holding the output flushes max over channels, then IDLE."""
    valve, (a, b, c) = _valve(3)
    valve.input_watermark(5, a)
    valve.input_watermark(8, b)
    valve.input_watermark(12, c)
    assert valve.input_status(True, b) == []
    assert valve.input_status(True, c) == []
    assert valve.input_status(True, a) == [("watermark", 12), ("status", True)]
    assert (valve.last_output, valve.idle) == (12, True)


def test_all_idle_without_flush_when_output_is_already_the_maximum() -> None:
    """Going all idle when the output already equals the maximum reports only IDLE."""
    valve, (a, b) = _valve()
    valve.input_watermark(5, a)
    valve.input_watermark(8, b)
    assert valve.input_status(True, a) == [("watermark", 8)]
    assert valve.input_status(True, b) == [("status", True)]


def test_idle_valve_ignores_watermarks_until_a_channel_is_active() -> None:
    """An idle valve ignores watermarks; the first ACTIVE channel reports ACTIVE."""
    valve, (a, b) = _valve()
    valve.input_status(True, a)
    valve.input_status(True, b)
    assert valve.input_watermark(100, a) == []
    assert valve.input_status(False, a) == [("status", False)]
    assert valve.idle is False


def test_reactivated_channel_rejoins_only_when_caught_up() -> None:
    """A re-activated channel behind the last output stays out of the min until its wm >= last output."""
    valve, (a, b) = _valve()
    valve.input_watermark(5, a)
    valve.input_watermark(8, b)
    valve.input_status(True, a)              # output 8
    assert valve.input_status(False, a) == []
    assert a.aligned is False
    assert valve.input_watermark(6, a) == []
    assert valve.input_watermark(20, b) == [("watermark", 20)]
    assert valve.input_watermark(25, a) == []
    assert a.aligned is True
    assert valve.input_watermark(30, b) == [("watermark", 25)]


def test_reactivated_channel_already_caught_up_rejoins_at_once() -> None:
    """A channel whose watermark is >= the last output is aligned as soon as it is active again."""
    valve, (a, b) = _valve()
    valve.input_watermark(9, a)
    valve.input_watermark(4, b)
    valve.input_status(True, a)
    valve.input_status(False, a)
    assert a.aligned is True
    assert valve.input_watermark(10, b) == [("watermark", 9)]


def test_holding_back_names_the_minimum_channel() -> None:
    """``holding_back()`` is the active channel with the lowest watermark (lower index on ties)."""
    valve, (a, b, c) = _valve(3)
    valve.input_watermark(7, a)
    valve.input_watermark(3, b)
    valve.input_watermark(5, c)
    assert valve.holding_back() is b
    valve.input_status(True, b)
    assert valve.holding_back() is c


def test_holding_back_is_none_when_all_idle() -> None:
    """With every channel idle nothing holds the watermark back."""
    valve, (a, b) = _valve()
    valve.input_status(True, a)
    valve.input_status(True, b)
    assert valve.holding_back() is None
