"""Writing a task's compiled loop: the Python source of one function, built from the operators' parts.

``compiled_operators.py`` says what each operator does to a record, as a few lines of code; this module puts
them together, inside one of the loops of ``compiled_loops.py``, into one function per task,
``run(task, limit)``, that runs a batch of record units (see ``compiled_chain.py``). Everything the loop
touches per record is a local variable of that function, so a record costs the work itself and little else.
``CompiledChain.source`` holds the text (print it to see what a task runs); tests run every compiled operator
against the ordinary path.

Per unit the loop keeps the task's clock in locals: the time ``now``, the call counter ``n``, the time of the
unit before (``prev``), from which the call key follows (``KEY``; the batch's first unit runs under the key it
was called with, ``key``). They are published to the kernel (``now``, ``counters``, ``current_key``: ``sync``)
before any ordinary code runs (which could read the clock, schedule a call or write a row) and when the
batch ends. Ordinary code is anything not written here: a rare case of a compiled operator (a new network
buffer, a full one, a late record...) or an operator that does not compile. After it, the loop re-reads the
counter, takes what it charged to ``task.cost`` and sets ``rare``: only then can a mail have arrived, an
output buffer have run out or a new call have been scheduled, so only then does the loop check those before
the next unit.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flowlab.runtime.phases import PHASE_TASK
from flowlab.runtime.records import IMMUTABLE, RecordNotSerializableError, deep_copy, is_immutable
from flowlab.runtime.tasks.compiled_loops import outputs_available
from flowlab.runtime.tasks.outputs import named_error

if TYPE_CHECKING:
    from flowlab.runtime.tasks.stream_task import StreamTask

KEY = "(now, PHASE_TASK, prev, actor, n)"      # the key of the unit running at ``now`` (after the first one)
CURRENT_KEY = f"(key if units == 1 else {KEY})"   # the key of the unit running now (``Kernel.current_key``)
_SYNC, _READ_BACK = "#sync", "#read back"      # placeholders in the body, filled in by ``LoopWriter.source``


class LoopWriter:
    """The source of one task's loop, written operator by operator (``compiled_operators.py``).

    ``const`` names an object the code uses (it becomes a global of the function); ``local`` makes a fresh
    variable; ``counter`` counts into an operator's attribute at the end of the batch; ``line`` and ``block``
    write the body for the record in hand; ``ordinary`` writes a call into ordinary code with what must
    surround it."""

    def __init__(self, task: StreamTask) -> None:
        self.task = task
        self.globals: dict[str, Any] = {
            "PHASE_TASK": PHASE_TASK, "IMMUTABLE": IMMUTABLE, "is_immutable": is_immutable,
            "deep_copy": deep_copy, "RecordNotSerializableError": RecordNotSerializableError,
            "named_error": named_error, "outputs_available": outputs_available, "__builtins__": __builtins__}
        self.prologue: list[str] = []
        self.body: list[str] = []
        self.flush: list[str] = []
        self.on_sync: list[str] = []         # lines that publish what the operators keep in locals
        self.after_ordinary: list[str] = []  # lines that read back what ordinary code may have changed
        self.depth = 3                       # indentation of the body (inside def, try, while)
        self.branches = 0                    # conditional blocks the body is in (if, for, else, except)
        self.static_cost = 0                 # µs every record costs, whatever path it takes: charged up front
        self.compiled: list[str] = []        # names of the compiled operators
        self._seq = 0

    # -- names ------------------------------------------------------------------------------------------
    def const(self, obj: Any, hint: str) -> str:
        name = self.local(hint)
        self.globals[name] = obj
        return name

    def local(self, hint: str) -> str:
        self._seq += 1
        return f"{hint}_{self._seq}"

    def counter(self, owner: str, attr: str) -> str:
        """A local count added to ``owner.attr`` when the batch ends."""
        name = self.local(attr.replace("records_", "n_"))
        self.prologue.append(f"{name} = 0")
        self.flush.append(f"{owner}.{attr} += {name}")
        return name

    # -- the body -----------------------------------------------------------------------------------------
    def line(self, text: str) -> None:
        self.body.append("    " * self.depth + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        conditional = not header.startswith("try")
        self.line(header)
        self.depth += 1
        self.branches += conditional
        try:
            yield
        finally:
            self.depth -= 1
            self.branches -= conditional

    def charge(self, us: int) -> None:
        """The record costs ``us`` more (virtual µs): up front if every record gets here, else where it does.
        (Only the sum matters: a unit's cost is used once it is done.)"""
        if not us:
            return
        if self.branches:
            self.line(f"cost += {us}")
        else:
            self.static_cost += us

    def ordinary(self, *statements: str) -> None:
        """Statements that run ordinary code: publish the clock (and whatever the operators keep in locals)
        first; after them take what they charged, the counter they may have moved, and check the task's state
        before the next unit. (What to publish is known once every operator is written: see ``source``.)"""
        self.line(_SYNC)
        for s in statements:
            self.line(s)
        self.line("cost += task.cost")
        self.line("task.cost = 0")
        self.line("n = counters[actor]")
        self.line(_READ_BACK)
        self.line("rare = True")

    @contextmanager
    def naming_errors(self, op_name: str) -> Iterator[None]:
        """A record the operator emits that cannot be serialised fails naming the operator (OperatorOutput)."""
        with self.block("try:"):
            yield
        with self.block("except RecordNotSerializableError as exc:"):
            self.line(f"raise named_error(exc, {op_name}) from exc.__cause__")

    def copy_of(self, value: str) -> str:
        """A receiver's own copy of ``value`` where the hand-over serialises (``records.copy_record``)."""
        copied = self.local("copied")
        self.line(f"{copied} = {value} if {self.immutable(value)} else deep_copy({value})")
        return copied

    def immutable(self, value: str) -> str:
        """An expression: ``records.is_immutable(value)``, with the common records (a scalar, a pair or a triple
        of scalars) decided inline and anything else asked of ``is_immutable``."""
        kind, size = self.local("kind"), self.local("size")
        scalars = [f"type({value}[{i}]) in IMMUTABLE" for i in range(3)]
        return (f"(({kind} := type({value})) in IMMUTABLE or ({kind} is tuple and "
                f"(({size} := len({value})) == 2 and {' and '.join(scalars[:2])} or "
                f"{size} == 3 and {' and '.join(scalars)})) or is_immutable({value}))")

    # -- the clock ----------------------------------------------------------------------------------------
    def sync_lines(self) -> list[str]:
        """Publish the clock, the call counter and key, and what the operators keep in locals."""
        return ["kernel.now = now", "counters[actor] = n", f"kernel.current_key = {CURRENT_KEY}", *self.on_sync]

    def source(self, loop: str, name: str, arrived: list[str] | None = None) -> str:
        """The whole function's text."""
        def indent(lines: list[str], depth: int) -> str:
            return "\n".join("    " * depth + s for s in lines) or "    " * depth + "pass"
        sync = self.sync_lines()
        body = []
        for text in self.body:
            marker = text.lstrip()
            if marker in (_SYNC, _READ_BACK):
                depth = (len(text) - len(marker)) // 4
                body += ["    " * depth + s for s in (sync if marker == _SYNC else self.after_ordinary)]
            else:
                body.append(text)
        parts = {
            "static_cost": self.static_cost,
            "name": name.replace('"', "'"),
            "prologue": indent(self.prologue, 1),
            "body": "\n".join(body),
            "sync_last": indent(sync, 4),
            "sync_limit": indent(["counters[actor] = n"], 4),
            "sync_end": indent(sync, 2),
            "flush": indent(self.flush, 2),
            "arrived": indent(arrived or [], 3),
        }
        return loop.format(**parts)
