"""The compiled form of ``WindowOperator.process_element`` for event-time tumbling and sliding windows with the
default trigger, once the key is set (``compiled_operators.py``): ``write_window`` writes the common case of a
tumbling window into the task's loop (an element for a window that is still open and not late); every other
element goes through ``window_closure``, which does the whole of it.

Per element, as the operator does it: assign the windows; skip a window already past its cleanup time; add
the element to the window's contents (heap state: reducing, aggregating, or the list of a process / apply
window function); note it in the window history; the ``EventTimeTrigger`` registers a timer at the window's
end (or fires at once, a late but allowed element: the operator's own ``_act``); register the cleanup timer;
an element added to no window that is late goes to the operator's ``_late``. Timers are registered only when
not already there (``InternalTimerService`` keeps one per key, window and time, so registering again is a
no-op); a tumbling window is made once per start and reused (equal windows are the same dict keys).

Only those assigners with ``EventTimeTrigger`` itself compile: no evictor, no merging (session) windows,
no TTL on the contents, the heap backend. Firing and cleanup happen at watermarks, which the ordinary
operator handles.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowlab.datastream.triggers import EventTimeTrigger, TriggerResult
from flowlab.datastream.window import SlidingEventTimeWindows, TimeWindow, TumblingEventTimeWindows
from flowlab.runtime.elements import LONG_MAX, LONG_MIN
from flowlab.runtime.operators.timer_service import InternalTimerService
from flowlab.runtime.operators.window import WindowOperator
from flowlab.runtime.operators.window_history import WindowMeta
from flowlab.runtime.state.heap_backend import HeapKeyedStateBackend
from flowlab.runtime.tasks.chain_codegen import LoopWriter

_INTERNED = 64          # tumbling windows kept per operator (elements mostly fall into the newest few)


def window_closure(op: WindowOperator) -> Callable[[Any, Any, int | None], int] | None:
    """``process(ident, value, ts) -> µs`` for an element whose key (identity ``ident``) is already the current
    key; None when the operator is set up in a way only its own ``process_element`` handles."""
    assigner = op.assigner
    tumbling = type(assigner) is TumblingEventTimeWindows
    if not (tumbling or type(assigner) is SlidingEventTimeWindows) or type(op.trigger) is not EventTimeTrigger:
        return None
    backend = op.backend
    contents = op.window_state
    timers = op.timer_service
    if (op.evictor is not None or op.merging or type(backend) is not HeapKeyedStateBackend or backend.key_listeners
            or contents.meta.ttl is not None or type(timers) is not InternalTimerService):
        return None
    add = _contents_adder(op)
    history = op.history
    kernel = op.task.kernel
    lateness = op.allowed_lateness
    register = timers.register_event_time_timer
    size, offset = assigner.size, assigner.offset % assigner.size
    interned: dict[int, TimeWindow] = {}
    assigner_ctx = op.assigner_ctx

    def process(ident: Any, value: Any, ts: int | None) -> int:
        if tumbling and ts is not None and ts != LONG_MIN:
            start = ts - (ts - offset) % size
            window = interned.get(start)
            if window is None:
                if len(interned) >= _INTERNED:
                    interned.clear()
                window = interned[start] = TimeWindow(start, start + size)
            windows: Any = (window,)
        else:
            windows = assigner.assign_windows(value, ts, assigner_ctx)   # sliding; or it explains the timestamp
        watermark = timers.current_watermark
        live = timers._event_set        # (time, key, window) -> registration: what registering again would find
        spent = 0
        skipped = True
        for window in windows:
            last = window.end - 1                       # max_timestamp()
            cleanup = last + lateness
            if cleanup > LONG_MAX:
                cleanup = LONG_MAX
            if cleanup <= watermark:
                continue                                # the window is gone (_is_window_late)
            skipped = False
            spent += add(ident, window, value, ts)
            history.added((ident, window), window, watermark, True, kernel.now / 1000)
            if last <= watermark:                       # EventTimeTrigger: late but allowed, fire at once
                op.trigger_ctx.window = window
                op._act(TriggerResult.FIRE, window, window)
            elif (last, ident, window) not in live:
                register(ident, window, last)
            if cleanup != LONG_MAX and (cleanup, ident, window) not in live:
                register(ident, window, cleanup)
        if skipped and ts is not None and ts + lateness <= watermark:
            op._late(value, ts, windows)
        return spent
    return process


def write_window(w: LoopWriter, op: WindowOperator, backend: str, ident: str, value: str, ts: str) -> None:
    """Write the element path of ``op`` for the record ``(value, ts)`` whose key's identity is ``ident``."""
    general = w.const(window_closure(op), "window")
    if type(op.assigner) is not TumblingEventTimeWindows or op.allowed_lateness < 0:
        w.ordinary(f"cost += {general}({ident}, {value}, {ts})")
        return
    assigner = op.assigner
    size, offset, lateness = assigner.size, assigner.offset % assigner.size, op.allowed_lateness
    timers, hist, live = w.local("timers"), w.local("history"), w.local("timers_set")
    w.prologue += [f"{timers} = {w.const(op, 'op')}.timer_service", f"{hist} = {w.const(op.history, 'history')}.open",
                   f"{live} = {timers}._event_set"]
    interned = w.const({}, "windows")
    register = w.const(op.timer_service.register_event_time_timer, "register")
    w.globals.update(LONG_MIN=LONG_MIN, LONG_MAX=LONG_MAX, WindowMeta=WindowMeta, TimeWindow=TimeWindow)
    start, window, last, cleanup, wk, meta = (w.local(s) for s in ("start", "window", "last", "cleanup", "wk", "meta"))
    with w.block(f"if {ts} is not None and {ts} != LONG_MIN:"):
        w.line(f"{start} = {ts} - ({ts} - {offset}) % {size}")
        w.line(f"{last} = {start} + {size - 1}")
        with w.block(f"if {last} > {timers}.current_watermark:"):      # open, not late: the common case
            w.line(f"{window} = {interned}.get({start})")
            with w.block(f"if {window} is None:"):
                with w.block(f"if len({interned}) >= {_INTERNED}:"):
                    w.line(f"{interned}.clear()")
                w.line(f"{window} = {interned}[{start}] = TimeWindow({start}, {start} + {size})")
            w.line(f"{wk} = ({ident}, {window})")
            _write_add(w, op, backend, wk, ident, window, value, ts)
            w.line(f"{meta} = {hist}.get({wk})")                        # WindowHistory.added
            with w.block(f"if {meta} is None:"):
                w.line(f"{meta} = {hist}[{wk}] = WindowMeta(now / 1000)")
            w.line(f"{meta}.elements += 1")
            with w.block(f"if ({last}, {ident}, {window}) not in {live}:"):   # EventTimeTrigger.on_element
                w.line(f"{register}({ident}, {window}, {last})")
            if lateness:                                                  # the cleanup timer (else: the same)
                w.line(f"{cleanup} = {last} + {lateness}")
                with w.block(f"if {cleanup} < LONG_MAX and ({cleanup}, {ident}, {window}) not in {live}:"):
                    w.line(f"{register}({ident}, {window}, {cleanup})")
        with w.block("else:"):
            w.ordinary(f"cost += {general}({ident}, {value}, {ts})")
    with w.block("else:"):
        w.ordinary(f"cost += {general}({ident}, {value}, {ts})")


def _write_add(w: LoopWriter, op: WindowOperator, backend: str, wk: str, ident: str, window: str, value: str,
               ts: str) -> None:
    """The element into the window's contents: a reducing state inline (a read and a write, charged as
    ``_HeapReducingState.add``); the other kinds through ``_contents_adder``."""
    handle = op.window_state
    if op.buffered or op.mode != "reduce":
        w.line(f"cost += {w.const(_contents_adder(op), 'add')}({ident}, {window}, {value}, {ts})")
        return
    h = w.const(handle, "contents")
    store, carry, acc = w.local("contents"), w.local("carry"), w.local("acc")
    w.prologue += [f"{store} = {h}.store", f"{carry} = {backend}.cost_ns"]
    w.on_sync.append(f"{backend}.cost_ns = {carry}")
    w.after_ordinary.append(f"{carry} = {backend}.cost_ns")
    with w.block(f"if {value} is None:"):                                 # add(None) clears
        w.ordinary(f"{h}.namespace = {window}", f"{h}.add(None)")
    with w.block("else:"):
        w.line(f"{carry} += {2 * op.backend.costs.heap_access_ns}")
        with w.block(f"if {carry} >= 1000:"):
            w.line(f"cost += {carry} // 1000")
            w.line(f"{carry} %= 1000")
        w.line(f"{acc} = {store}.get({wk})")
        w.line(f"{acc} = {value} if {acc} is None else {w.const(handle.meta.reduce, 'reduce')}({acc}, {value})")
        if handle.meta.check is not None:
            w.line(f"{h}._checked({acc})")
        w.line(f"{store}[{wk}] = {acc}")


def _contents_adder(op: WindowOperator) -> Any:
    """``add(ident, window, value, ts) -> µs``: the element into the window's contents, as the heap state handle
    adds it (reducing / aggregating: a read and a write; list: one append), charging the accesses."""
    handle = op.window_state
    backend = op.backend
    meta = handle.meta
    check = meta.check
    access_ns = backend.costs.heap_access_ns

    def charge(accesses: int) -> int:
        carry = backend.cost_ns + accesses * access_ns
        backend.cost_ns = carry % 1000
        return carry // 1000

    if op.buffered:
        def add_to_list(ident: Any, window: Any, value: Any, ts: int | None) -> int:
            spent = charge(1)
            element = (value, ts)
            if check is not None:
                handle._element(element)
            store = handle.store
            k = (ident, window)
            elements = store.get(k)
            if elements is None:
                store[k] = [element]
            else:
                elements.append(element)
            return spent
        return add_to_list
    if op.mode == "reduce":
        reduce = meta.reduce

        def add_reduced(ident: Any, window: Any, value: Any, ts: int | None) -> int:
            if value is None:
                handle.namespace = window
                handle.add(None)
                return 0
            spent = charge(2)
            store = handle.store
            k = (ident, window)
            current = store.get(k)
            new = value if current is None else reduce(current, value)
            if check is not None:
                handle._checked(new)
            store[k] = new
            return spent
        return add_reduced
    agg = meta.descriptor.agg_function

    def add_aggregated(ident: Any, window: Any, value: Any, ts: int | None) -> int:
        if value is None:
            handle.namespace = window
            handle.add(None)
            return 0
        spent = charge(2)
        store = handle.store
        k = (ident, window)
        acc = store.get(k)
        acc = agg.add(value, agg.create_accumulator() if acc is None else acc)
        if check is not None:
            handle._checked(acc)
        store[k] = acc
        return spent
    return add_aggregated
