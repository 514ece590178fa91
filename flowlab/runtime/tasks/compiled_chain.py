"""Compiled operator chains: a task's per-record path in fast-forward, as one generated loop per task.

Why: in fast-forward (``execute()``, ``execute_and_collect()``: the trace is off) nearly all of a task's work is
"the next record of the current input buffer" or "the next record of the source". The ordinary path takes each
record through the operator objects (``process_element``), their outputs (``tasks/outputs.py``) and the task's
per-unit bookkeeping in ``fast_loop.run_fast`` (counters, trace ticks, busy time, the clock, the look-ahead
limit). A compiled chain does the same work for a whole run of records in one Python function written for the
task: the operators' per-record code one after the other (``compiled_operators.py``, written by
``chain_codegen.py``) inside a loop that does the unit bookkeeping (``compiled_loops.py``), counts kept in local
variables and added to the operators when the batch ends. The common case runs inline; the rare one calls the ordinary code: a key seen for the first time, a
late record, a window that fires on an element, a new or a full network buffer, an operator that does not
compile (from it on, the chain is the ordinary one).

The result is the ordinary run, unit for unit: the same costs, clock, kernel keys, counts and sink rows. Being
a second implementation of the operators' per-record semantics, each compiled operator is checked against
stepping by ``tests/runtime/test_compiled_chain.py``; ``CompiledChain.source`` shows the code a task runs.

What compiles: sources (whose readers can say when the next record arrives without side effects), map,
filter, flat_map, timestamps/watermarks, rolling reduce (``reduce``, ``sum``, ``min``, ``max``... on the heap
backend), tumbling and sliding event-time windows with the default trigger (``compiled_window.py``), print,
collect and function sinks, and the hand-overs between them (chained, with or without a copy; the network
with forward, rebalance, rescale and ``key_by`` routing, other partitioners through their selector). Not used
in BATCH mode, with a zero buffer timeout, for two-input tasks or when the head operator does not compile.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowlab.runtime.operators.source import SourceOperator
from flowlab.runtime.tasks.chain_codegen import LoopWriter
from flowlab.runtime.tasks.compiled_loops import RECORDS_LOOP, SOURCE_LOOP, Limit

if TYPE_CHECKING:
    from flowlab.runtime.tasks.stream_task import StreamTask


class CompiledChain:
    """A task's compiled loop: ``run(task, limit)`` runs record units from the current input buffer (a source
    task: from the source) while the next may run inline, and returns when to come back after the last one
    (None: no input), with the units accounted for as ``run_fast`` accounts for them."""

    __slots__ = ("operators", "run", "source", "compiled")

    def __init__(self, operators: list[Any], run: Callable[[StreamTask, Limit], int | None], source: str,
                 compiled: list[str]) -> None:
        self.operators = operators          # the task's operator list it was built for (rebuilt chain: recompile)
        self.run = run
        self.source = source                # the generated code
        self.compiled = compiled            # names of the operators that compiled (the others run as they are)

    def __deepcopy__(self, memo: dict) -> None:
        return None                         # a time-travel copy compiles its own chain when it runs ahead


def chain_of(task: StreamTask) -> CompiledChain | None:
    """``task``'s compiled chain, compiled on first use (and again when the task rebuilt its chain)."""
    chain = task.__dict__.get("compiled_chain")
    if chain is None or (chain is not False and chain.operators is not task.operators):
        chain = task.compiled_chain = compile_chain(task) or False
    return chain or None


def compile_chain(task: StreamTask) -> CompiledChain | None:
    """The compiled chain of ``task``, or None when the task runs only the ordinary way (see the module doc)."""
    from flowlab.runtime.tasks.compiled_operators import WRITERS, write_operator, write_source
    if task.job.batch is not None or task.buffer_timeout_ms == 0 or not task.operators:
        return None
    if any(g.input_number != 1 for g in task.gates):
        return None
    head = task.operators[0]
    w = LoopWriter(task)
    if task.is_source:
        if type(head) is not SourceOperator or type(getattr(head, "reader", None)) not in _pure_arrival_readers():
            return None
        if head.replay_until:                   # a restarted source flags (and counts) its replays: ordinary path
            return None
        arrived = write_source(w, head)
        text = w.source(SOURCE_LOOP, task.name, arrived)
    else:
        writer = WRITERS.get(type(head))
        if writer is None or not writer(w, head, None, None, True):
            return None
        write_operator(w, head, "value", "ts")
        text = w.source(RECORDS_LOOP, task.name)
    try:
        code = compile(text, f"<compiled chain of {task.name}>", "exec")
    except (SyntaxError, RecursionError):       # e.g. more nested blocks than Python allows: run ordinarily
        return None
    exec(code, w.globals)
    return CompiledChain(task.operators, w.globals["run"], text, w.compiled)


def _pure_arrival_readers() -> frozenset[type]:
    """Readers whose ``next_arrival_us`` changes nothing, so the loop may ask it before the next unit runs."""
    from flowlab.datastream.connectors.number_seq import NumberSequenceReader
    from flowlab.sources.collection import CollectionReader
    from flowlab.sources.generator import GeneratorReader
    from flowlab.sources.scripted import ScriptedReader
    return frozenset({CollectionReader, GeneratorReader, ScriptedReader, NumberSequenceReader})
