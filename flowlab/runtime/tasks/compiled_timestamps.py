"""Timestamps and watermarks in a compiled loop (``chain_codegen.py``): ``WatermarkEmitter``'s per-record part,
for a source with a watermark strategy and for ``assign_timestamps_and_watermarks`` mid-pipeline.

Per record: the assigner's event time (a plain function assigner is called directly; the result is checked as
``WatermarkEmitter.checked`` checks it, which explains a wrong one), then, once the record is out, the
watermark generator sees it. A bounded-out-of-orderness generator (``for_bounded_out_of_orderness``,
``for_monotonous_timestamps``) only remembers the largest timestamp, written inline; any other generator may
emit a watermark from ``on_event`` and runs as ordinary code.
"""
from __future__ import annotations

from flowlab.common.watermark_strategy import (
    BoundedOutOfOrdernessWatermarks,
    NoWatermarksGenerator,
    _CallableAssigner,
)
from flowlab.runtime.elements import LONG_MAX, LONG_MIN
from flowlab.runtime.operators.timestamps import WatermarkEmitter
from flowlab.runtime.tasks.chain_codegen import LoopWriter


def write_timestamp(w: LoopWriter, emitter: WatermarkEmitter, value: str, ts: str) -> str:
    """``WatermarkEmitter.timestamp_of``: the assigner's event time for the record, checked; returns its variable."""
    new_ts = w.local("ts")
    assigner = emitter.assigner
    w.globals.update(LONG_MIN=LONG_MIN, LONG_MAX=LONG_MAX)
    if assigner is None:
        w.line(f"{new_ts} = LONG_MIN if {ts} is None else {ts}")
        return new_ts
    extract = assigner.fn if type(assigner) is _CallableAssigner else assigner.extract_timestamp
    w.line(f"{new_ts} = {w.const(extract, 'extract_timestamp')}({value}, LONG_MIN if {ts} is None else {ts})")
    with w.block(f"if type({new_ts}) is not int or not LONG_MIN <= {new_ts} <= LONG_MAX:"):
        w.line(f"{new_ts} = {w.const(emitter.checked, 'checked_timestamp')}({value}, {new_ts})")
    return new_ts


def write_on_record(w: LoopWriter, emitter: WatermarkEmitter, value: str, ts: str) -> None:
    """``WatermarkEmitter.on_record``: the generator sees the record. A bounded-out-of-orderness generator only
    remembers the largest timestamp (here, inline); one that may emit runs as ordinary code."""
    generator = emitter.generator
    if type(generator) is NoWatermarksGenerator:
        return
    if type(generator) is BoundedOutOfOrdernessWatermarks:
        gen = w.const(generator, "generator")
        with w.block(f"if {ts} > {gen}.max_timestamp:"):
            w.line(f"{gen}.max_timestamp = {ts}")
        return
    w.ordinary(f"{w.const(emitter.on_record, 'on_record')}({value}, {ts})")
