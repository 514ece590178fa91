"""Combines the watermarks and idle/active statuses of one input's channels (Flink's ``StatusWatermarkValve``).

Each channel's watermark only moves forward. The valve outputs the minimum over the active,
aligned channels, and only when it rises. An idle channel is left out; when every channel is idle
the valve flushes the maximum and reports IDLE. A channel that becomes active again rejoins the
minimum once it has caught up with the last output watermark.
"""
from __future__ import annotations

from flowlab.runtime.elements import LONG_MIN
from flowlab.runtime.network.input_gate import InputChannel


class StatusWatermarkValve:
    """One valve per logical input (a union of gates counts as one input)."""

    def __init__(self, channels: list[InputChannel]) -> None:
        self.channels = channels
        for c in channels:
            c.watermark, c.idle, c.aligned = LONG_MIN, False, True
        self.last_output = LONG_MIN
        self.idle = False

    def input_watermark(self, wm: int, ch: InputChannel) -> list[tuple[str, int | bool]]:
        if self.idle or ch.idle or wm <= ch.watermark:
            return []
        ch.watermark = wm
        if not ch.aligned and wm >= self.last_output:
            ch.aligned = True
        return self._new_min()

    def input_status(self, idle: bool, ch: InputChannel) -> list[tuple[str, int | bool]]:
        out: list[tuple[str, int | bool]] = []
        if idle and not ch.idle:
            ch.idle, ch.aligned = True, False
            if all(c.idle for c in self.channels):
                if ch.watermark == self.last_output:
                    top = max(c.watermark for c in self.channels)
                    if top > self.last_output:
                        self.last_output = top
                        out.append(("watermark", top))
                self.idle = True
                out.append(("status", True))
            elif ch.watermark == self.last_output:
                out.extend(self._new_min())
        elif not idle and ch.idle:
            ch.idle = False
            if ch.watermark >= self.last_output:
                ch.aligned = True
            if self.idle:
                self.idle = False
                out.append(("status", False))
        return out

    def _new_min(self) -> list[tuple[str, int | bool]]:
        aligned = [c.watermark for c in self.channels if c.aligned and not c.idle]
        if aligned:
            new_min = min(aligned)
            if new_min > self.last_output:
                self.last_output = new_min
                return [("watermark", new_min)]
        return []

    def holding_back(self) -> InputChannel | None:
        """The active channel whose watermark is the current minimum (why the watermark is stuck)."""
        active = [c for c in self.channels if c.aligned and not c.idle]
        return min(active, key=lambda c: (c.watermark, c.index)) if active else None
