"""The run's connector objects (the files sinks wrote, a simulated broker, a file source's journal), by key.

Two kinds live here. Most are part of the run's state: a time-travel snapshot copies them (or, for the files
on disk, keeps a mark that a restore rewrites the directory to) and ``back()`` brings back their earlier
state. A few are *journals of the run* (``survives_time_travel = True``): what the run read from the outside
world, or every path it ever wrote. They are shared by all snapshots, so a replay reads what the first pass
read, and a restore can undo writes of objects that did not exist yet at the restored step (it calls their
``restored(registry)``).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any


class ConnectorRegistry:
    """Connector objects of one run by key; ``get(key, factory, job)`` makes one on first use."""

    def __init__(self, objects: dict[str, Any] | None = None, journals: dict[str, Any] | None = None) -> None:
        self.objects: dict[str, Any] = objects if objects is not None else {}
        self.journals: dict[str, Any] = journals if journals is not None else {}

    def get(self, key: str, factory: Callable[[Any], Any], job: Any) -> Any:
        obj = self.journals.get(key)
        if obj is None:
            obj = self.objects.get(key)
        if obj is None:
            obj = factory(job)
            if getattr(obj, "survives_time_travel", False):
                self.journals[key] = obj
            else:
                self.objects[key] = obj
        return obj

    def __contains__(self, key: str) -> bool:
        return key in self.objects or key in self.journals

    def __getitem__(self, key: str) -> Any:
        return self.journals[key] if key in self.journals else self.objects[key]

    def values(self) -> list[Any]:
        return [self.objects[k] for k in sorted(self.objects)]

    def __deepcopy__(self, memo: dict) -> _RegistryMark:
        import copy
        return _RegistryMark(copy.deepcopy(self.objects, memo), self.journals)


class _RegistryMark:
    """The registry as a time-travel snapshot holds it; copying it back restores the run's objects."""

    def __init__(self, objects: dict[str, Any], journals: dict[str, Any]) -> None:
        self.objects = objects
        self.journals = journals

    def __deepcopy__(self, memo: dict) -> ConnectorRegistry:
        import copy
        registry = ConnectorRegistry(copy.deepcopy(self.objects, memo), self.journals)
        for key in sorted(self.journals):
            restored = getattr(self.journals[key], "restored", None)
            if restored is not None:
                restored(registry)
        return registry
