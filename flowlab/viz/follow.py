"""Views follow their Simulation: whoever moves it (a button, ``sim.run()`` in a code cell), they redraw.

A view registers a ``Follower`` as a listener of the Simulation (``sim.add_listener``, held weakly by the
Simulation, so a view nobody holds is forgotten). After a move:

- made by a widget (a button click or a tick is a comm message, not a cell), the view redraws at once;
- made by a code cell, the view redraws once when the cell has finished (IPython's ``post_execute``), so a
  cell that calls ``sim.step()`` a thousand times redraws once, not a thousand times;
- a view whose widget was closed unregisters itself.

No threads and no timers: only IPython's own cell events. Outside IPython (tests, scripts) a move redraws
at once.
"""
from __future__ import annotations

import traceback
import warnings
import weakref
from collections.abc import Callable
from typing import Any

_pending: list[weakref.ref] = []     # followers to redraw after the running cell, in the order they moved
_hooked: list[Any] = []              # the IPython shell whose post_execute flushes them (at most one)


def _shell() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    return get_ipython()


def in_cell() -> bool:
    """True while a code cell runs (the kernel handles an ``execute_request``), False for widget messages."""
    kernel = getattr(_shell(), "kernel", None)
    if kernel is None:
        return False
    try:
        parent = kernel.get_parent("shell") or {}
    except Exception:  # noqa: BLE001 - an unexpected kernel: behave as outside a cell
        return False
    return (parent.get("header") or {}).get("msg_type") == "execute_request"


def _flush(*_args: Any) -> None:
    """IPython ``post_execute``: redraw every follower moved by the cell that just ended."""
    waiting = [ref() for ref in _pending]
    _pending.clear()
    for follower in waiting:
        if follower is not None:
            follower.redraw_now()


def _defer(follower: Follower) -> None:
    if not any(ref() is follower for ref in _pending):
        _pending.append(weakref.ref(follower))
    shell = _shell()
    if shell is not None and not any(s is shell for s in _hooked):
        shell.events.register("post_execute", _flush)
        _hooked.append(shell)


def widget_closed(widget: Any) -> bool:
    """An ipywidget closed with ``close()`` has no comm any more."""
    return hasattr(widget, "comm") and widget.comm is None


class Follower:
    """Redraws one view after its Simulation moved (see the module docstring)."""

    def __init__(self, sim: Any, redraw: Callable[[], None], widget: Any) -> None:
        self.sim = sim
        self._redraw = redraw
        self.widget = widget
        self.redraws = 0
        self.last_error: str | None = None
        add = getattr(sim, "add_listener", None)
        self.attached = add is not None
        if add is not None:
            add(self.on_move)

    def on_move(self, sim: Any) -> None:
        """The Simulation's listener: redraw now, or after the running cell."""
        if widget_closed(self.widget):
            self.detach()
            return
        if in_cell():
            _defer(self)
        else:
            self.redraw_now()

    def redraw_now(self) -> None:
        """Redraw; an error in a view becomes a warning instead of failing the move that caused it."""
        if widget_closed(self.widget):
            self.detach()
            return
        self.redraws += 1
        try:
            self._redraw()
        except Exception:  # noqa: BLE001 - a broken drawing must not break sim.step()
            self.last_error = traceback.format_exc()
            warnings.warn(f"flowlab view could not redraw:\n{self.last_error}", RuntimeWarning, stacklevel=2)

    def detach(self) -> None:
        """Stop following (the view is closed)."""
        remove = getattr(self.sim, "remove_listener", None)
        if remove is not None and self.attached:
            remove(self.on_move)
        self.attached = False


def follow(view: Any, sim: Any, enabled: bool = True) -> Follower | None:
    """Make ``view`` (with ``widget`` and ``refresh()``) redraw when ``sim`` moves; None when not asked to.

    The widget keeps the follower (and so the view) alive for as long as the widget is open, even when no
    notebook variable holds the view (``display(WindowView(sim))``); closing the widget lets both go."""
    if sim is None or not enabled:
        return None
    follower = Follower(sim, view.refresh, view.widget)
    view.widget._flowlab_follower = follower
    return follower
