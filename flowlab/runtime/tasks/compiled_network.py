"""The compiled hand-over of a record to the network (``NetworkOutput.collect`` → ``ResultPartition.emit``).

The record goes into its channel's filling buffer: one append and two counts. Which channel is the selector's
choice, written out for the selectors that pick one (forward, global, rebalance / rescale and ``key_by``, whose
key-group cache is read directly: an int or str key is its own cache key); the others (broadcast, shuffle,
custom) are asked as they are. A record that cannot change is shared by every channel; any other is copied per
channel, as each receiver deserialises its own. Allocating a buffer and finishing a full one (which sends it
when credit allows) are the partition's own code.
"""
from __future__ import annotations

from flowlab.runtime.keys import state_key
from flowlab.runtime.network.partitioning import (
    ForwardSelector,
    GlobalSelector,
    KeyGroupSelector,
    RoundRobinSelector,
    unhashable_key,
)
from flowlab.runtime.tasks.chain_codegen import LoopWriter
from flowlab.runtime.tasks.outputs import NetworkOutput


def write_network(w: LoopWriter, out: NetworkOutput, value: str, ts: str) -> None:
    part = w.const(out.partition, "partition")
    subs = out.partition.subpartitions
    immutable, ch, element = w.local("immutable"), w.local("channel"), w.local("element")
    w.line(f"{w.counter('task', 'records_out')} += 1")
    w.line(f"{immutable} = {w.immutable(value)}")
    selector = out.selector
    kind = type(selector)
    if kind is ForwardSelector or kind is GlobalSelector:
        w.line(f"{ch} = 0")
    elif kind is RoundRobinSelector:
        sel = w.const(selector, "selector")
        w.line(f"{ch} = {sel}.next = ({sel}.next + 1) % {selector.n}")
    elif kind is KeyGroupSelector:
        _write_key_group_route(w, selector, value, ch)
    else:
        chosen = w.local("channels")
        w.line(f"{chosen} = {w.const(selector.select, 'select')}({value})")
        with w.block(f"for {ch} in {chosen}:"):
            w.line(f"{element} = ({value} if {immutable} else deep_copy({value}), {ts})")
            _write_append(w, part, f"{part}.subpartitions[{ch}]", ch, element, out.record_size)
        return
    w.line(f"{element} = ({value} if {immutable} else deep_copy({value}), {ts})")
    if len(subs) == 1:
        sub = w.const(subs[0], "subpartition")
    else:
        channels = w.local("subpartitions")
        w.prologue.append(f"{channels} = {part}.subpartitions")
        sub = f"{channels}[{ch}]"
    _write_append(w, part, sub, ch, element, out.record_size)


def _write_key_group_route(w: LoopWriter, selector: KeyGroupSelector, value: str, ch: str) -> None:
    """``KeyGroupSelector.select`` with its cache read directly."""
    sel = w.const(selector, "selector")
    cache = w.const(selector.cache, "routes")
    key, kind, ck = w.local("key"), w.local("kind"), w.local("route_key")
    w.globals.update(state_key=state_key, unhashable_key=unhashable_key)
    w.line(f"{key} = {w.const(selector.key_selector, 'key_selector')}({value})")
    w.line(f"{kind} = type({key})")
    w.line(f"{ck} = {key} if {kind} is int or {kind} is str else state_key({key})")
    with w.block("try:"):
        w.line(f"{ch} = {cache}[{ck}][0]")
    with w.block("except KeyError:"):
        w.line(f"{ch} = {sel}.target_of_new_key({key}, {ck})[0]")
    with w.block("except TypeError:"):
        w.line(f"raise unhashable_key({key}, {value}) from None")


def _write_append(w: LoopWriter, part: str, sub_expr: str, ch: str, element: str, size: int) -> None:
    sub, current, filled = w.local("sub"), w.local("filling"), w.local("filled")
    w.line(f"{sub} = {sub_expr}")
    w.line(f"{current} = {sub}.current")
    with w.block(f"if {current} is None:"):                 # a new buffer from the pool
        w.ordinary(f"{part}.emit({ch}, {element}, {size}, True)")
    with w.block("else:"):
        w.line(f"{current}.append({element})")
        w.line(f"{sub}.current_records += 1")
        w.line(f"{filled} = {sub}.current_bytes = {sub}.current_bytes + {size}")
        with w.block(f"if {filled} >= {sub}.buffer_size:"):  # full: it leaves when credit allows
            w.ordinary(f"{part}._finish_current({sub})", f"{part}.try_send({sub})")
