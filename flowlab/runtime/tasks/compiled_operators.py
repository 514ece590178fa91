"""What each compiled operator does to one record, written as code into a task's loop (``chain_codegen.py``).

``write_operator(w, op, value, ts, copy_input)`` writes the lines that do what ``op.process_element(value, ts)``
does, in the same order (the user function, the state access, the hand-over to the output), with the counts
where the ordinary path counts (an error a user function raises leaves them as the ordinary path would), and
adds the operator's virtual µs to ``cost``. ``write_output`` writes the hand-over to every target of an
operator's main output: the next chained operator (with its copy where the hand-over serialises), the network
(``network_output``), or, for anything else, the ordinary ``collect``. An operator without a writer, or set up
in a way only the ordinary operator handles, runs as it is (``_write_boundary``).
"""
from __future__ import annotations

from typing import Any

from flowlab.datastream.output_tag import OutputTag
from flowlab.runtime.operators.java_strings import print_text
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
from flowlab.runtime.state.heap_backend import HeapKeyedStateBackend
from flowlab.runtime.tasks.chain_codegen import CURRENT_KEY, LoopWriter
from flowlab.runtime.tasks.compiled_keys import write_key_scope
from flowlab.runtime.tasks.compiled_network import write_network
from flowlab.runtime.tasks.compiled_timestamps import write_on_record, write_timestamp
from flowlab.runtime.tasks.compiled_window import window_closure, write_window
from flowlab.runtime.tasks.outputs import (
    ChainedOutput,
    CopyingChainedOutput,
    NetworkOutput,
    TypedOperatorOutput,
    converted_output,
)
from flowlab.sources.collection import CollectionReader


def write_operator(w: LoopWriter, op: Any, value: str, ts: str, copy_input: bool = False) -> None:
    """The code of ``op`` taking the record ``(value, ts)``, handed over by a copying output if ``copy_input``."""
    writer = WRITERS.get(type(op))
    if writer is None or not writer(w, op, None, None, True):        # the dry run says whether it compiles
        _write_boundary(w, op, value, ts, copy_input)
        return
    if copy_input:
        value = w.copy_of(value)
    w.compiled.append(op.name)
    w.line(f"# -- {op.name} ({op.node.kind}) --")
    writer(w, op, value, ts, False)


def write_output(w: LoopWriter, op: Any, name: str, value: str, ts: str) -> None:
    """The hand-over of ``op``'s result ``value`` to its main output (``OperatorOutput.collect``); ``name`` is
    the code's name for ``op``."""
    out = op.output
    if isinstance(out, TypedOperatorOutput):
        convert = w.const(lambda v, c=out.convert, o=op: converted_output(c, v, o, "output"), "convert")
        converted = w.local("converted")
        w.line(f"{converted} = {convert}({value})")
        value = converted
    w.line(f"{w.counter(name, 'records_out')} += 1")
    with w.naming_errors(name):
        for target in out.main:
            kind = type(target)
            if kind in (ChainedOutput, CopyingChainedOutput) and target.input_number == 1:
                write_operator(w, target.operator, value, ts, copy_input=kind is CopyingChainedOutput)
            elif kind is NetworkOutput:
                write_network(w, target, value, ts)
            else:
                w.ordinary(f"{w.const(target, 'target')}.collect({value}, {ts})")


def _write_boundary(w: LoopWriter, op: Any, value: str, ts: str, copy_input: bool) -> None:
    """An operator that does not compile: from here on the ordinary chain (``ChainedOutput.collect``)."""
    name = w.const(op, "op")
    if copy_input:
        value = w.copy_of(value)
    w.line(f"# -- {op.name} ({op.node.kind}): the ordinary operator --")
    w.line(f"cost += {name}.cost")
    w.ordinary(f"{name}.records_in += 1", f"{name}.process_element({value}, {ts})")


# -- the operators -----------------------------------------------------------------------------------------
# Each writer(w, op, value, ts, dry) returns whether ``op`` compiles; with ``dry`` it only answers.

def write_source(w: LoopWriter, op: SourceOperator) -> list[str]:
    """``SourceOperator.emit_next`` for a source whose record has arrived (``run`` checks it before each unit):
    read it, give the job its own copy, assign the timestamp, emit it, let the watermark generator see it.
    Returns the lines that end the batch when the next record has not arrived by the next unit's time ``t``."""
    name = w.const(op, "source")
    reader = op.reader
    w.compiled.append(op.name)
    w.line(f"# -- {op.name} (source) --")
    if type(reader) is CollectionReader:                  # the list itself, its position in a local
        elements = w.const(reader.source.elements, "collection")
        w.prologue += [f"position = {name}.reader.position", f"end = len({elements})"]
        w.on_sync.append(f"{name}.reader.position = position")
        w.line(f"value = {elements}[position]")
        w.line("position += 1")
        w.line("ts = None")
        arrived = ["if position >= end:", "    return now"]
    else:
        poll = w.const(reader.poll, "poll")
        w.prologue.append(f"next_arrival = {name}.reader.next_arrival_us")
        w.line("kernel.now = now")                        # a rate-limited reader reads the clock
        w.line(f"value, ts = {poll}()")
        arrived = ["arrival = next_arrival()", "if arrival is None or arrival > t:", "    return now"]
    w.line(f"if not {w.immutable('value')}:")
    w.line("    value = deep_copy(value)")
    w.line(f"{w.counter(name, 'records_in')} += 1")
    w.charge(op.cost)
    emitter = op.emitter
    if emitter is None:
        write_output(w, op, name, "value", "ts")
        return arrived
    new_ts = write_timestamp(w, emitter, "value", "ts")
    write_output(w, op, name, "value", new_ts)
    if isinstance(emitter, SplitWatermarkEmitter):                 # one generator per split, then the minimum
        w.ordinary(f"{w.const(emitter.on_record, 'on_record')}(value, {new_ts}, {name}.reader.last_split)")
    else:
        write_on_record(w, emitter, "value", new_ts)
    return arrived


def _write_map(w: LoopWriter, op: MapOperator, value: str, ts: str, dry: bool) -> bool:
    if dry:
        return True
    name = w.const(op, "op")
    result = w.local("mapped")
    w.line(f"{w.counter(name, 'records_in')} += 1")
    w.charge(op.cost)
    w.line(f"{result} = {w.const(op.call, 'map')}({value})")
    write_output(w, op, name, result, ts)
    return True


def _write_filter(w: LoopWriter, op: FilterOperator, value: str, ts: str, dry: bool) -> bool:
    if dry:
        return True
    name = w.const(op, "op")
    w.line(f"{w.counter(name, 'records_in')} += 1")
    w.charge(op.cost)
    with w.block(f"if {w.const(op.call, 'filter')}({value}):"):
        write_output(w, op, name, value, ts)
    return True


def _write_flat_map(w: LoopWriter, op: FlatMapOperator, value: str, ts: str, dry: bool) -> bool:
    """``FlatMapOperator.process_element`` → ``emit_all`` for a list or tuple of plain records; a side output
    pair, an OutputTag, a generator or a result that is not iterable go through the ordinary ``emit_all``."""
    if dry:
        return True
    name = w.const(op, "op")
    results, item = w.local("results"), w.local("item")
    w.globals.update(OutputTag=OutputTag, flat_map_returned_none=flat_map_returned_none)
    w.line(f"{w.counter(name, 'records_in')} += 1")
    w.charge(op.cost)
    w.line(f"{results} = {w.const(op.call, 'flat_map')}({value})")
    with w.block(f"if {results} is None:"):
        w.line(f"raise flat_map_returned_none({name}.name)")
    with w.block(f"if type({results}) is list or type({results}) is tuple:"):
        with w.block(f"for {item} in {results}:"):
            with w.block(f"if (type({item}) is tuple or type({item}) is list) and {item} and "
                         f"isinstance({item}[0], OutputTag) or type({item}) is OutputTag:"):
                w.ordinary(f"{name}.emit_all([{item}], {ts})")
                w.line("continue")
            write_output(w, op, name, item, ts)
    with w.block("else:"):
        w.ordinary(f"{name}.emit_all({results}, {ts})")
    return True


def _write_timestamps(w: LoopWriter, op: TimestampsAndWatermarksOperator, value: str, ts: str, dry: bool) -> bool:
    """``assign_timestamps_and_watermarks`` mid-pipeline: the new timestamp, the record, then the generator."""
    if dry:
        return True
    name = w.const(op, "op")
    w.line(f"{w.counter(name, 'records_in')} += 1")
    w.charge(op.cost)
    new_ts = write_timestamp(w, op.emitter, value, ts)
    write_output(w, op, name, value, new_ts)
    write_on_record(w, op.emitter, value, new_ts)
    return True


def _write_rolling_reduce(w: LoopWriter, op: RollingReduceOperator, value: str, ts: str, dry: bool) -> bool:
    """``RollingReduceOperator.process_element`` on the heap backend: the key's value state read, reduced and
    written back (one heap access each, as ``_HeapValueState.value`` / ``update`` charge them), then emitted."""
    backend, handle = op.backend, op.state
    if type(backend) is not HeapKeyedStateBackend or backend.key_listeners or handle.meta.ttl is not None:
        return False
    if dry:
        return True
    name = w.const(op, "op")
    b, h = w.const(backend, "backend"), w.const(handle, "state")
    store, carry, k, current, new = (w.local(s) for s in ("store", "carry", "k", "current", "reduced"))
    access = backend.costs.heap_access_ns
    w.globals["reduce_returned_none"] = reduce_returned_none
    w.prologue += [f"{store} = {h}.store", f"{carry} = {b}.cost_ns"]   # the backend's ns not yet charged
    w.on_sync.append(f"{b}.cost_ns = {carry}")
    w.after_ordinary.append(f"{carry} = {b}.cost_ns")
    w.line(f"{w.counter(name, 'records_in')} += 1")
    w.charge(op.cost)
    ident = write_key_scope(w, op, b, value)
    w.line(f"{k} = ({ident}, None)")
    _write_charge(w, carry, access)                                  # ValueState.value()
    w.line(f"{current} = {store}.get({k})")
    w.line(f"{new} = {value} if {current} is None else {w.const(op.call, 'reduce')}({current}, {value})")
    with w.block(f"if {new} is None:"):
        w.line(f"raise reduce_returned_none({name}.name, {b}.user_key)")
    _write_charge(w, carry, access)                                  # ValueState.update(new)
    if handle.meta.check is not None:
        w.line(f"{h}._checked({new})")
    w.line(f"{store}[{k}] = {new}")
    write_output(w, op, name, new, ts)
    return True


def _write_charge(w: LoopWriter, carry: str, ns: int) -> None:
    """``KeyedStateBackend.spend``: ns accumulate; whole µs go to the record's cost."""
    w.line(f"{carry} += {ns}")
    with w.block(f"if {carry} >= 1000:"):
        w.line(f"cost += {carry} // 1000")
        w.line(f"{carry} %= 1000")


def _write_window(w: LoopWriter, op: WindowOperator, value: str, ts: str, dry: bool) -> bool:
    """``WindowOperator.process_element``: the key, then the element path (``compiled_window.py``)."""
    if window_closure(op) is None:
        return False
    if dry:
        return True
    name = w.const(op, "op")
    backend = w.const(op.backend, "backend")
    w.line(f"{w.counter(name, 'records_in')} += 1")
    w.charge(op.cost)
    write_window(w, op, backend, write_key_scope(w, op, backend, value), value, ts)
    return True


def _write_sink(w: LoopWriter, op: SinkOperator, value: str, ts: str, dry: bool) -> bool:
    """``SinkOperator.process_element``: print the line or call the sink function, add the row with the unit's
    call key (merged into key order when read: ``OrderedLog``), count the observable event. A collect sink of a job
    with checkpointing numbers its results for the checkpoint-aware client (``SinkOperator``'s offsets): it stays
    on the ordinary path."""
    if op.mode == "collect" and op.task.job.checkpoint_settings is not None:
        return False
    if dry:
        return True
    name = w.const(op, "op")
    task = op.task
    pending = w.local("pending")
    w.prologue.append(f"{pending} = {name}.results.log.pending({task.index})")
    written = w.local("written")
    w.prologue.append(f"{written} = 0")
    w.flush.append(f"task.recorder.count += {written}")
    w.line(f"{w.counter(name, 'records_in')} += 1")
    w.charge(op.cost)
    line = "None"
    if op.mode == "print":
        line = w.local("line")
        w.line(f"{line} = {op._prefix()!r} + {w.const(print_text, 'print_text')}({value}, "
               f"{w.const(op.type_info, 'type_info')})")
    elif op.invoke is not None:
        context = ", None" if op.with_context else ""
        w.line(f"{w.const(op.invoke, 'invoke')}({value}{context})")
    row = f"({task.index}, {value}, {ts}, {line}, now)"
    with w.block(f"if {pending} is None:"):                 # (stepping: never in a compiled loop)
        w.line(f"{name}.results.append({task.index}, {value}, {ts}, {line}, now, {CURRENT_KEY})")
    with w.block("elif units == 1:"):                       # the batch's first unit: the key it was called with
        w.line(f"{pending}.append((*key, {row}))")
    with w.block("else:"):                                  # the units it went on to: (*KEY, row)
        w.line(f"{pending}.append((now, PHASE_TASK, prev, actor, n, {row}))")
    if op.mode == "print":
        w.line(f"task.job.print_line(actor, {line}, {CURRENT_KEY})")
    w.line(f"{written} += 1")
    return True


WRITERS: dict[type, Any] = {
    MapOperator: _write_map,
    FilterOperator: _write_filter,
    FlatMapOperator: _write_flat_map,
    TimestampsAndWatermarksOperator: _write_timestamps,
    RollingReduceOperator: _write_rolling_reduce,
    WindowOperator: _write_window,
    SinkOperator: _write_sink,
}
