"""The compiled form of the common operators (see ``compiled_chain.py`` for the protocol).

Each ``compile_<kind>(op, builder, copy_input)`` returns a closure ``process(value, ts) -> cost`` that does what
``op.process_element`` does for one record, in the same order (the user function, the state access, the hand-
over to the output), or None when ``op`` is set up in a way only the ordinary operator handles. The closures
count in cells and add the counts to the operators in ``flush``; an error a user function raises leaves every
count as the ordinary path would have left it.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flowlab.runtime.operators.rolling import RollingReduceOperator, reduce_returned_none
from flowlab.runtime.operators.simple import (
    FilterOperator,
    FlatMapOperator,
    MapOperator,
    flat_map_returned_none,
)
from flowlab.runtime.operators.sink import SinkOperator
from flowlab.runtime.operators.source import SourceOperator
from flowlab.runtime.operators.split_watermarks import SplitWatermarkEmitter
from flowlab.runtime.operators.timestamps import TimestampsAndWatermarksOperator
from flowlab.runtime.operators.window import WindowOperator
from flowlab.runtime.records import IMMUTABLE, RecordNotSerializableError, deep_copy, is_immutable
from flowlab.runtime.state.heap_backend import HeapKeyedStateBackend
from flowlab.runtime.tasks.compiled_chain import ChainBuilder, Emit
from flowlab.runtime.tasks.compiled_keys import key_scope
from flowlab.runtime.tasks.compiled_window import compile_window
from flowlab.runtime.tasks.outputs import named_error

Compiler = Callable[[Any, ChainBuilder, bool], "Emit | None"]


def compile_source(op: SourceOperator, b: ChainBuilder) -> Callable[[], int]:
    """``SourceOperator.emit_next``: read the next element (it has arrived), give the job its own copy, assign
    the timestamp, emit, let the watermark generator see it."""
    poll = op.reader.poll
    emitter = op.emitter
    down, convert = b.output(op)
    cost = op.cost
    read = out = 0

    def flush() -> None:
        nonlocal read, out
        op.records_in += read
        op.records_out += out
        read = out = 0
    b.counter(flush)
    timestamp_of = on_record = None
    if emitter is not None:
        timestamp_of, on_record = emitter.timestamp_of, emitter.on_record
    per_split = isinstance(emitter, SplitWatermarkEmitter)
    reader = op.reader

    def emit_next() -> int:
        nonlocal read, out
        value, ts = poll()
        if type(value) not in IMMUTABLE and not is_immutable(value):
            value = deep_copy(value)
        read += 1
        if timestamp_of is not None:
            ts = timestamp_of(value, ts)
        emitted = value if convert is None else convert(value)
        out += 1
        try:
            spent = cost + down(emitted, ts)
        except RecordNotSerializableError as exc:
            raise named_error(exc, op) from exc.__cause__
        if on_record is not None:
            if per_split:
                on_record(value, ts, reader.last_split)
            else:
                on_record(value, ts)
        return spent
    return emit_next


def compile_map(op: MapOperator, b: ChainBuilder, copy_input: bool) -> Emit:
    call = op.call
    down, convert = b.output(op)
    cost = op.cost
    seen = out = 0

    def flush() -> None:
        nonlocal seen, out
        op.records_in += seen
        op.records_out += out
        seen = out = 0
    b.counter(flush)

    def process(value: Any, ts: int | None) -> int:
        nonlocal seen, out
        if copy_input and type(value) not in IMMUTABLE and not is_immutable(value):
            value = deep_copy(value)
        seen += 1
        result = call(value)
        if convert is not None:
            result = convert(result)
        out += 1
        try:
            return cost + down(result, ts)
        except RecordNotSerializableError as exc:
            raise named_error(exc, op) from exc.__cause__
    return process


def compile_filter(op: FilterOperator, b: ChainBuilder, copy_input: bool) -> Emit:
    call = op.call
    down, convert = b.output(op)
    if convert is not None:            # a filter's output is its input type: never typed (see _PASS_THROUGH)
        return None
    cost = op.cost
    seen = out = 0

    def flush() -> None:
        nonlocal seen, out
        op.records_in += seen
        op.records_out += out
        seen = out = 0
    b.counter(flush)

    def process(value: Any, ts: int | None) -> int:
        nonlocal seen, out
        if copy_input and type(value) not in IMMUTABLE and not is_immutable(value):
            value = deep_copy(value)
        seen += 1
        if not call(value):
            return cost
        out += 1
        try:
            return cost + down(value, ts)
        except RecordNotSerializableError as exc:
            raise named_error(exc, op) from exc.__cause__
    return process


def compile_flat_map(op: FlatMapOperator, b: ChainBuilder, copy_input: bool) -> Emit:
    """``FlatMapOperator.process_element`` → ``emit_all``: results that are not plain records (a side output
    pair, an OutputTag, a result that is not iterable) go through the ordinary ``emit_all``."""
    call = op.call
    down, convert = b.output(op)
    cost = op.cost
    seen = out = 0

    def flush() -> None:
        nonlocal seen, out
        op.records_in += seen
        op.records_out += out
        seen = out = 0
    b.counter(flush)

    def process(value: Any, ts: int | None) -> int:
        nonlocal seen, out
        if copy_input and type(value) not in IMMUTABLE and not is_immutable(value):
            value = deep_copy(value)
        seen += 1
        results = call(value)
        if results is None:
            raise flat_map_returned_none(op.name)
        if type(results) is not list and type(results) is not tuple:
            op.emit_all(results, ts)          # a generator, or not iterable: the ordinary way (its errors)
            return cost
        spent = cost
        for item in results:
            kind = type(item)
            if (kind is tuple or kind is list) and item and _is_tag(item[0]) or _is_tag(item):
                op.emit_all([item], ts)       # a side output pair, or a mistake it explains
                continue
            if convert is not None:
                item = convert(item)
            out += 1
            try:
                spent += down(item, ts)
            except RecordNotSerializableError as exc:
                raise named_error(exc, op) from exc.__cause__
        return spent
    return process


def _is_tag(item: Any) -> bool:
    from flowlab.datastream.output_tag import OutputTag
    return isinstance(item, OutputTag)


def compile_timestamps(op: TimestampsAndWatermarksOperator, b: ChainBuilder, copy_input: bool) -> Emit:
    """``assign_timestamps_and_watermarks`` mid-pipeline: the new timestamp, the record, then the generator."""
    timestamp_of, on_record = op.emitter.timestamp_of, op.emitter.on_record
    down, convert = b.output(op)
    if convert is not None:
        return None
    cost = op.cost
    seen = out = 0

    def flush() -> None:
        nonlocal seen, out
        op.records_in += seen
        op.records_out += out
        seen = out = 0
    b.counter(flush)

    def process(value: Any, ts: int | None) -> int:
        nonlocal seen, out
        if copy_input and type(value) not in IMMUTABLE and not is_immutable(value):
            value = deep_copy(value)
        seen += 1
        new_ts = timestamp_of(value, ts)
        out += 1
        try:
            spent = cost + down(value, new_ts)
        except RecordNotSerializableError as exc:
            raise named_error(exc, op) from exc.__cause__
        on_record(value, new_ts)
        return spent
    return process


def compile_rolling_reduce(op: RollingReduceOperator, b: ChainBuilder, copy_input: bool) -> Emit | None:
    """``RollingReduceOperator.process_element`` on the heap backend: the key's value state read, reduced
    and written back (one heap access each, as ``_HeapValueState``), the new value emitted."""
    backend = op.backend
    handle = op.state
    if type(backend) is not HeapKeyedStateBackend or backend.key_listeners or handle.meta.ttl is not None:
        return None
    scope = key_scope(op, b)
    call = op.call
    check = handle.meta.check
    access_ns = backend.costs.heap_access_ns
    down, convert = b.output(op)
    cost = op.cost
    store = handle.store
    seen = out = 0

    def flush() -> None:
        nonlocal seen, out
        op.records_in += seen
        op.records_out += out
        seen = out = 0
    b.counter(flush)

    def prepare() -> None:
        nonlocal store
        store = handle.store
    b.prepares.append(prepare)

    def process(value: Any, ts: int | None) -> int:
        nonlocal seen, out
        if copy_input and type(value) not in IMMUTABLE and not is_immutable(value):
            value = deep_copy(value)
        seen += 1
        k = (scope(value), None)
        carry = backend.cost_ns + access_ns                 # ValueState.value()
        spent = cost + carry // 1000
        backend.cost_ns = carry = carry % 1000
        current = store.get(k)
        new = value if current is None else call(current, value)
        if new is None:
            raise reduce_returned_none(op.name, backend.user_key)
        carry += access_ns                                  # ValueState.update(new)
        spent += carry // 1000
        backend.cost_ns = carry % 1000
        if check is not None:
            handle._checked(new)
        store[k] = new
        if convert is not None:
            new = convert(new)
        out += 1
        try:
            return spent + down(new, ts)
        except RecordNotSerializableError as exc:
            raise named_error(exc, op) from exc.__cause__
    return process


def compile_sink(op: SinkOperator, b: ChainBuilder, copy_input: bool) -> Emit:
    """``SinkOperator.process_element``: print the line or call the sink function, then add the row (with the
    call key, merged into key order on read: ``OrderedLog``) and count the observable event."""
    task = op.task
    kernel = task.kernel
    results = op.results
    log = results.log
    index = task.index
    invoke = op.invoke
    with_context = invoke is not None and op.with_context
    printing = op.mode == "print"
    prefix = op._prefix() if printing else ""
    type_info = op.type_info
    print_line = task.print_line
    cost = op.cost
    pending = log.pending(index)
    seen = written = 0

    def flush() -> None:
        nonlocal seen, written
        op.records_in += seen
        task.recorder.count += written
        seen = written = 0
    b.counter(flush)

    def prepare() -> None:
        nonlocal pending
        pending = log.pending(index)
    b.prepares.append(prepare)
    from flowlab.runtime.operators.java_strings import print_text

    def process(value: Any, ts: int | None) -> int:
        nonlocal seen, written
        if copy_input and type(value) not in IMMUTABLE and not is_immutable(value):
            value = deep_copy(value)
        seen += 1
        line = None
        if printing:
            line = prefix + print_text(value, type_info)
        elif invoke is not None:
            if with_context:
                invoke(value, None)
            else:
                invoke(value)
        if pending is not None:
            pending.append((kernel.current_key, (index, value, ts, line, kernel.now)))
        else:
            results.append(index, value, ts, line, kernel.now, kernel.current_key)
        if line is not None:
            print_line(line)
        written += 1
        return cost
    return process


COMPILERS: dict[type, Compiler] = {
    MapOperator: compile_map,
    FilterOperator: compile_filter,
    FlatMapOperator: compile_flat_map,
    TimestampsAndWatermarksOperator: compile_timestamps,
    RollingReduceOperator: compile_rolling_reduce,
    WindowOperator: compile_window,
    SinkOperator: compile_sink,
}
