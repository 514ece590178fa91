"""Who wants to know when the Simulation moved: the views register a callback, the Simulation calls it
after every ``step``/``run``/``back``/``goto``/``reset``, whoever called them (a button, a code cell).

The runtime never imports the views: it only holds callables, and holds them *weakly*, so a view that
nobody references any more is forgotten instead of being kept alive (and redrawn) by the Simulation.
flowlab extension: PyFlink has no stepping, hence nothing to listen to.
"""
from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Listener = Callable[[Any], None]


class Listeners:
    """Weakly held callbacks ``callback(sim)``, called once after each outermost move of the Simulation.

    A move made of other moves (``back`` is a ``goto``, a forward ``goto`` is a ``step``) notifies once,
    when the outermost one ends; so does a move that raised half-way (the views must show where it stopped).
    """

    def __init__(self) -> None:
        self._refs: list[weakref.ref] = []
        self._depth = 0

    def add(self, callback: Listener) -> None:
        """Call ``callback(sim)`` after every move; a bound method is held weakly through its object."""
        if not callable(callback):
            raise TypeError(f"a listener must be callable, got {callback!r}")
        if any(ref() == callback for ref in self._refs):
            return
        self._refs.append(weakref.WeakMethod(callback) if inspect.ismethod(callback) else weakref.ref(callback))

    def remove(self, callback: Listener) -> None:
        """Stop calling ``callback`` (nothing happens if it was not registered)."""
        self._refs = [ref for ref in self._refs if ref() is not None and ref() != callback]

    def __len__(self) -> int:
        return sum(1 for ref in self._refs if ref() is not None)

    @contextmanager
    def moving(self, sim: Any) -> Iterator[None]:
        """Wrap a move: the listeners hear about it when the outermost wrapped move is over."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0:
                self.notify(sim)

    def notify(self, sim: Any) -> None:
        """Call every live listener in the order they were added; forget the dead ones."""
        live = []
        for ref in self._refs:
            callback = ref()
            if callback is not None:
                live.append((ref, callback))
        self._refs = [ref for ref, _ in live]
        for _, callback in live:
            callback(sim)
