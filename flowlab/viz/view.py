"""What the Dashboard composes: a view is any object with a ``widget`` and ``refresh(snapshot)``."""
from __future__ import annotations

from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class View(Protocol):
    """A live drawing of simulation snapshots: show ``widget``; call ``refresh(snapshot)`` after each move."""

    widget: Any

    def refresh(self, snapshot: dict[str, Any] | None = None) -> None: ...


class Displayable:
    """Mixin: ``display(obj)`` (or an object as a cell's last expression) shows ``obj.widget``."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        return self.widget._repr_mimebundle_(**kwargs)
