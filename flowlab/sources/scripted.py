"""``ScriptedSource``: elements that arrive at scripted moments of virtual processing time."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from flowlab.common.watermark_strategy import LONG_MAX, LONG_MIN


class ScriptedSource:
    """A bounded source whose elements arrive when the script says (flowlab extension, not in PyFlink 2.3).

    ``ScriptedSource([(0, "a"), (50, "b")])`` — one split. ``ScriptedSource(partitions=[[...], [...]])``
    — several splits (like Kafka partitions); split *i* is read by subtask ``i % parallelism``.
    Each element is ``(arrival_ms, value)`` or ``(arrival_ms, value, timestamp_ms)``.

    ``end_ms`` is the virtual time at which the input ends (end of input → MAX watermark). By default
    the source keeps its pace for one more beat: the input of a split ends one inter-arrival gap (the
    gap between its last two elements) after its last element, so the periodic watermark raised by the
    last element gets out first, as it does from a paced source in real Flink.
    """

    def __init__(self, elements: Sequence[tuple] | None = None,
                 partitions: Sequence[Sequence[tuple]] | None = None, end_ms: float | None = None) -> None:
        if (elements is None) == (partitions is None):
            raise ValueError("give either elements=[(arrival_ms, value), ...] or partitions=[[...], [...]]")
        splits = [list(elements)] if elements is not None else [list(p) for p in partitions]
        self.splits: list[list[tuple[int, Any, int | None]]] = []
        for s, split in enumerate(splits):
            norm = []
            last = None
            for i, e in enumerate(split):
                if not isinstance(e, tuple) or len(e) not in (2, 3):
                    raise ValueError(f"split {s}, element {i}: expected (arrival_ms, value) or "
                                     f"(arrival_ms, value, timestamp_ms), got {e!r}")
                arrival = e[0]
                if (isinstance(arrival, bool) or not isinstance(arrival, (int, float)) or not math.isfinite(arrival)
                        or arrival < 0):
                    raise ValueError(f"split {s}, element {i}: arrival_ms must be a finite number >= 0 (virtual ms), "
                                     f"got {arrival!r}")
                if last is not None and arrival < last:
                    raise ValueError(f"split {s}, element {i}: arrival times must not decrease within a split "
                                     f"({arrival} after {last}); event times may be out of order, arrivals not")
                last = arrival
                ts = e[2] if len(e) == 3 else None
                if ts is not None and (isinstance(ts, bool) or not isinstance(ts, int)):
                    raise ValueError(f"split {s}, element {i}: timestamp_ms must be an int, got {ts!r}")
                if ts is not None and not LONG_MIN <= ts <= LONG_MAX:
                    raise ValueError(f"split {s}, element {i}: timestamp_ms {ts} is outside Java's long range "
                                     f"({LONG_MIN}..{LONG_MAX}): Flink timestamps are longs (ms since the epoch)")
                norm.append((round(arrival * 1000), e[1], ts))
            self.splits.append(norm)
        if end_ms is not None:
            if (isinstance(end_ms, bool) or not isinstance(end_ms, (int, float)) or not math.isfinite(end_ms)
                    or end_ms < 0):
                raise ValueError(f"end_ms must be a finite number >= 0 (virtual ms), got {end_ms!r}")
            self.split_end_us = [round(end_ms * 1000)] * len(self.splits)
        else:
            self.split_end_us = [sp[-1][0] + (sp[-1][0] - sp[-2][0] if len(sp) > 1 else 0) if sp else 0
                                 for sp in self.splits]

    def __deepcopy__(self, memo: dict) -> ScriptedSource:
        return self

    def is_bounded(self) -> bool:
        return True

    def redistribute_positions(self, positions: list[dict | None], parallelism: int) -> list[dict]:
        """A restore at another parallelism: every reader gets every split's offset and keeps those of the splits
        it reads now (split ``i`` goes to subtask ``i % parallelism``). ``positions[k]`` is old subtask k's; one
        that had finished (``{"finished": True}``) had read its splits to the end."""
        offsets: dict[int, int] = {}
        for k, p in enumerate(positions):
            if p is None:
                continue
            if p.get("finished"):
                offsets.update((sid, len(self.splits[sid])) for sid in range(len(self.splits))
                               if sid % len(positions) == k)
            else:
                offsets.update((sid, off) for sid, off in p["splits"])
        return [{"position": 0, "splits": [[sid, offsets[sid]] for sid in sorted(offsets)]}
                for _ in range(parallelism)]

    def create_reader(self, subtask: int, parallelism: int, rng: Any) -> ScriptedReader:
        mine = [i for i in range(len(self.splits)) if i % parallelism == subtask]
        return ScriptedReader(self, mine)


class ScriptedReader:
    """Reads its splits merged by arrival time (ties: lower split first)."""

    def __init__(self, source: ScriptedSource, split_ids: list[int]) -> None:
        self.source = source
        self.split_ids = split_ids
        self.offsets = [0] * len(split_ids)
        self.position = 0
        self.last_split: int | None = None
        self.end_us = max((source.split_end_us[i] for i in split_ids), default=0)

    def _next(self) -> int | None:
        best = None
        for k, sid in enumerate(self.split_ids):
            split = self.source.splits[sid]
            off = self.offsets[k]
            if off < len(split) and (best is None or split[off][0] < self.source.splits[self.split_ids[best]]
                                     [self.offsets[best]][0]):
                best = k
        return best

    def next_arrival_us(self) -> int | None:
        k = self._next()
        if k is None:
            return None
        return self.source.splits[self.split_ids[k]][self.offsets[k]][0]

    def poll(self) -> tuple[Any, int | None]:
        k = self._next()
        _, value, ts = self.source.splits[self.split_ids[k]][self.offsets[k]]
        self.offsets[k] += 1
        self.position += 1
        self.last_split = self.split_ids[k]
        return value, ts

    def snapshot_position(self) -> dict:
        """The split offsets (FLIP-27 split state) and the records read so far."""
        return {"position": self.position, "splits": [[sid, off] for sid, off in zip(self.split_ids, self.offsets,
                                                                                    strict=True)]}

    def restore_position(self, state: dict) -> None:
        self.position = state["position"]
        offsets = dict((sid, off) for sid, off in state["splits"])
        self.offsets = [offsets.get(sid, 0) for sid in self.split_ids]

    def finished_splits(self, now_us: int) -> list[int]:
        """Splits whose elements are all read and whose end time has come (Flink releases their output)."""
        src = self.source
        return [sid for k, sid in enumerate(self.split_ids)
                if self.offsets[k] >= len(src.splits[sid]) and src.split_end_us[sid] <= now_us]
