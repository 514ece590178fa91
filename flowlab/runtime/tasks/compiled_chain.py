"""Compiled operator chains: a task's per-record path in fast-forward, one closure per operator.

Why: in fast-forward (``execute()``, ``execute_and_collect()``: the trace is off) nearly all of a task's work is
"the next record of the current input buffer" or "the next record of the source". The ordinary path takes each
record through the operator objects (``process_element``), their outputs (``tasks/outputs.py``) and the task's
per-record bookkeeping. Here every operator of the chain becomes one closure, built once per task, that holds
what it needs (the user function, the state table, the next closure) in local variables and:

* **returns** the virtual µs the record cost in it and downstream, instead of adding to ``task.cost``;
* **counts** records in and out in closure cells, added to the operators' counters once per batch (``flush``);
* takes the **common case** inline and calls the ordinary code for the rare one: a key seen for the first
  time, a late record, a window that fires on an element, a new or full network buffer.

``compiled_loop.py`` runs these closures for as many records as may run before the kernel's next call for
the task (the fast-forward limit), doing per batch what ``fast_loop.run_fast`` does per record. The result is
the ordinary run, unit for unit: same costs, same clock, same kernel keys, same sink rows. Being a second
implementation of the operators' per-record semantics, each compiled operator is checked against stepping by
``tests/runtime/test_compiled_chain.py``.

What compiles: sources, map, filter, flat_map, timestamps/watermarks, rolling reduce (``reduce``, ``sum``,
``min``, ``max``... on the heap backend), tumbling and sliding event-time windows with the default trigger
(``compiled_window.py``), print / collect / function sinks, and the outputs between them (chained, with or
without a copy, and the network with forward, rebalance, rescale and ``key_by`` routing; other partitioners
through their ordinary selector). From the first operator that does not compile on, the chain is the ordinary
one (a *boundary*). Not used in BATCH mode, with a zero buffer timeout, or for two-input tasks.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowlab.runtime.network.partitioning import (
    ForwardSelector,
    GlobalSelector,
    KeyGroupSelector,
    RoundRobinSelector,
    unhashable_key,
)
from flowlab.runtime.operators.source import SourceOperator
from flowlab.runtime.records import IMMUTABLE, deep_copy, is_immutable
from flowlab.runtime.tasks.outputs import (
    ChainedOutput,
    CopyingChainedOutput,
    NetworkOutput,
    TypedOperatorOutput,
    converted_output,
)

if TYPE_CHECKING:
    from flowlab.runtime.tasks.stream_task import StreamTask

Emit = Callable[[Any, "int | None"], int]     # (value, timestamp) -> virtual µs it cost from here on


class CompiledChain:
    """A task's compiled chain: ``head`` takes one record (input task: ``head(value, ts)``; source task:
    ``head()`` reads and emits the next one) and returns its cost in µs."""

    __slots__ = ("operators", "head", "reader", "flushes", "prepares", "compiled")

    def __init__(self, operators: list[Any], head: Any, reader: Any, builder: ChainBuilder) -> None:
        self.operators = operators          # the task's operator list it was built for (rebuilt chain: recompile)
        self.head = head
        self.reader = reader                # a source task's split reader, else None
        self.flushes = builder.flushes
        self.prepares = builder.prepares
        self.compiled = builder.compiled    # names of the operators that compiled (the others run as they are)

    def prepare(self) -> None:
        """Before a batch: look up again what the run may have replaced since (log lists, state tables)."""
        for fn in self.prepares:
            fn()

    def flush(self) -> None:
        """After a batch: add the records counted in the closures to the operators' counters."""
        for fn in self.flushes:
            fn()

    def __deepcopy__(self, memo: dict) -> None:
        return None                         # a time-travel copy compiles its own chain when it runs ahead


def compile_chain(task: StreamTask) -> CompiledChain | None:
    """The compiled chain of ``task``, or None when the task runs only the ordinary way (see the module doc)."""
    job = task.job
    if job.batch is not None or task.buffer_timeout_ms == 0 or not task.operators:
        return None
    if any(g.input_number != 1 for g in task.gates):
        return None
    builder = ChainBuilder(task)
    head_op = task.operators[0]
    if task.is_source:
        if type(head_op) is not SourceOperator or type(head_op.reader) not in _PURE_ARRIVAL_READERS:
            return None
        from flowlab.runtime.tasks.compiled_operators import compile_source
        head = compile_source(head_op, builder)
        reader = head_op.reader
    else:
        head = builder.operator(head_op)
        reader = None
    return CompiledChain(task.operators, head, reader, builder)


def chain_of(task: StreamTask) -> CompiledChain | None:
    """``task``'s compiled chain, compiled on first use (and again when the task rebuilt its chain)."""
    chain = task.__dict__.get("compiled_chain")
    if chain is None or (chain is not False and chain.operators is not task.operators):
        chain = task.compiled_chain = compile_chain(task) or False
    return chain or None


def _pure_arrival_readers() -> frozenset[type]:
    """Readers whose ``next_arrival_us`` changes nothing, so the loop may ask it ahead of the next unit."""
    from flowlab.datastream.connectors.number_seq import NumberSequenceReader
    from flowlab.sources.collection import CollectionReader
    from flowlab.sources.generator import GeneratorReader
    from flowlab.sources.scripted import ScriptedReader
    return frozenset({CollectionReader, GeneratorReader, ScriptedReader, NumberSequenceReader})


_PURE_ARRIVAL_READERS = _pure_arrival_readers()


class ChainBuilder:
    """Compiles the operators of one task from the head down (``operator``), each with its outputs (``output``)."""

    def __init__(self, task: StreamTask) -> None:
        self.task = task
        self.flushes: list[Callable[[], None]] = []
        self.prepares: list[Callable[[], None]] = []
        self.compiled: list[str] = []

    def operator(self, op: Any, copy_input: bool = False) -> Emit:
        """The closure of ``op``; ``copy_input``: its input arrives through a copying hand-over."""
        from flowlab.runtime.tasks.compiled_operators import COMPILERS
        compiler = COMPILERS.get(type(op))
        fn = compiler(op, self, copy_input) if compiler is not None else None
        if fn is None:
            return _boundary(op, copy_input)
        self.compiled.append(op.name)
        return fn

    def output(self, op: Any) -> tuple[Emit, Callable[[Any], Any] | None]:
        """Where ``op``'s main output goes, as one closure, and the conversion to its declared type (or None)."""
        out = op.output
        targets = [self._target(t) for t in out.main]
        convert = None
        if isinstance(out, TypedOperatorOutput):
            conv = out.convert

            def convert(value: Any) -> Any:
                return converted_output(conv, value, op, "output")
        if len(targets) == 1:
            return targets[0], convert
        if not targets:
            return _nowhere, convert
        fan_out = tuple(targets)

        def emit_all(value: Any, ts: int | None) -> int:
            cost = 0
            for target in fan_out:
                cost += target(value, ts)
            return cost
        return emit_all, convert

    def counter(self, flush: Callable[[], None]) -> None:
        self.flushes.append(flush)

    def _target(self, target: Any) -> Emit:
        kind = type(target)
        if kind in (ChainedOutput, CopyingChainedOutput) and target.input_number == 1:
            return self.operator(target.operator, copy_input=kind is CopyingChainedOutput)
        if kind is NetworkOutput:
            return self._network(target)
        collect = target.collect                  # anything else: the ordinary hand-over (its cost: task.cost)

        def ordinary(value: Any, ts: int | None) -> int:
            collect(value, ts)
            return 0
        return ordinary

    def _network(self, out: NetworkOutput) -> Emit:
        """``NetworkOutput.collect`` → ``ResultPartition.emit``: the record goes into its channel's filling buffer;
        allocating a buffer and finishing a full one are the partition's own (``emit``, ``try_send``)."""
        part, size = out.partition, out.record_size
        subs = part.subpartitions
        route = _router(out.selector)
        sent = 0

        def flush() -> None:
            nonlocal sent
            out.task.records_out += sent
            sent = 0
        self.counter(flush)

        def write(ch: int, element: tuple) -> None:
            sub = subs[ch]
            current = sub.current
            if current is None:                 # rare: a new buffer from the pool
                part.emit(ch, element, size, True)
                return
            current.append(element)
            sub.current_records += 1
            filled = sub.current_bytes + size
            sub.current_bytes = filled
            if filled >= sub.buffer_size:        # rare: the buffer is full and leaves when credit allows
                part._finish_current(sub)
                part.try_send(sub)

        if route is None:                       # broadcast, shuffle, custom: the ordinary selector
            select = out.selector.select

            def emit_selected(value: Any, ts: int | None) -> int:
                nonlocal sent
                sent += 1
                if type(value) in IMMUTABLE or is_immutable(value):
                    element = (value, ts)
                    for ch in select(value):
                        write(ch, element)
                else:                           # each receiver deserialises its own copy
                    for ch in select(value):
                        write(ch, (deep_copy(value), ts))
                return 0
            return emit_selected

        def emit(value: Any, ts: int | None) -> int:
            """``write`` for one channel, inline: the path every record takes."""
            nonlocal sent
            sent += 1
            if type(value) in IMMUTABLE or is_immutable(value):
                ch = route(value)
                element = (value, ts)
            else:
                ch = route(value)
                element = (deep_copy(value), ts)
            sub = subs[ch]
            current = sub.current
            if current is None:
                part.emit(ch, element, size, True)
                return 0
            current.append(element)
            sub.current_records += 1
            filled = sub.current_bytes = sub.current_bytes + size
            if filled >= sub.buffer_size:
                part._finish_current(sub)
                part.try_send(sub)
            return 0
        return emit


def _nowhere(value: Any, ts: int | None) -> int:
    return 0


def _boundary(op: Any, copy_input: bool) -> Emit:
    """An operator that does not compile: from here on, the ordinary chain (``ChainedOutput.collect``'s steps;
    the costs downstream of it reach ``task.cost`` the ordinary way)."""
    process = op.process_element

    def ordinary(value: Any, ts: int | None) -> int:
        if copy_input and type(value) not in IMMUTABLE and not is_immutable(value):
            value = deep_copy(value)
        op.records_in += 1
        process(value, ts)
        return op.cost
    return ordinary


def _router(selector: Any) -> Callable[[Any], int] | None:
    """The one channel a record goes to, for the selectors that pick exactly one; None for the others."""
    kind = type(selector)
    if kind is ForwardSelector or kind is GlobalSelector:
        return _channel_zero
    if kind is RoundRobinSelector:
        n = selector.n

        def round_robin(value: Any) -> int:
            ch = selector.next = (selector.next + 1) % n
            return ch
        return round_robin
    if kind is KeyGroupSelector:
        return _key_group_router(selector)
    return None


def _channel_zero(value: Any) -> int:
    return 0


def _key_group_router(selector: KeyGroupSelector) -> Callable[[Any], int]:
    """``KeyGroupSelector.select`` with its cache read directly; int and str keys are their own state key."""
    from flowlab.runtime.keys import state_key
    key_selector = selector.key_selector
    cache = selector.cache

    def route(value: Any) -> int:
        key = key_selector(value)
        kind = type(key)
        ck = key if kind is int or kind is str else state_key(key)
        try:
            return cache[ck][0]
        except KeyError:
            return selector.target_of_new_key(key, ck)[0]
        except TypeError:
            raise unhashable_key(key, value) from None
    return route
