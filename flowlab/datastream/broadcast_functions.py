"""Broadcast process functions with PyFlink's names (``pyflink.datastream.functions``).

A ``BroadcastConnectedStream`` joins a stream with a broadcast stream: ``process_broadcast_element`` sees
every broadcast element on every parallel instance and may change the broadcast state;
``process_element`` sees its own share of the other stream and may only read it. The keyed variant adds
keyed state, timers and ``get_current_key()`` on the non-broadcast side.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from flowlab.datastream.functions import Function, TimerService


class BaseBroadcastProcessFunction(Function):
    """What both broadcast process functions share: their contexts."""

    class BaseContext(ABC):
        @abstractmethod
        def timestamp(self) -> int | None:
            """The timestamp of the element being processed (or of the firing timer), or None."""

        @abstractmethod
        def current_processing_time(self) -> int: ...

        @abstractmethod
        def current_watermark(self) -> int: ...

    class Context(BaseContext):
        """The broadcast side's context: read-write access to the broadcast state."""

        @abstractmethod
        def get_broadcast_state(self, state_descriptor: Any) -> Any: ...

    class ReadOnlyContext(BaseContext):
        """The non-broadcast side's context: read-only access to the broadcast state."""

        @abstractmethod
        def get_broadcast_state(self, state_descriptor: Any) -> Any: ...


class BroadcastProcessFunction(BaseBroadcastProcessFunction):
    """Connects a non-keyed stream with a broadcast stream (``ds.connect(broadcast_stream).process(f)``)."""

    class Context(BaseBroadcastProcessFunction.Context, ABC):
        pass

    class ReadOnlyContext(BaseBroadcastProcessFunction.ReadOnlyContext, ABC):
        pass

    @abstractmethod
    def process_element(self, value: Any, ctx: BroadcastProcessFunction.ReadOnlyContext) -> Iterable[Any]:
        """Each element of the non-broadcast stream; the broadcast state is read-only here."""

    @abstractmethod
    def process_broadcast_element(self, value: Any, ctx: BroadcastProcessFunction.Context) -> Iterable[Any]:
        """Each broadcast element, on every parallel instance; may update the broadcast state."""


class KeyedBroadcastProcessFunction(BaseBroadcastProcessFunction):
    """Connects a keyed stream with a broadcast stream: keyed state and timers on the keyed side.

    ``Context.apply_to_keyed_state`` (Java) is not in PyFlink 2.3, nor in flowlab.
    """

    class Context(BaseBroadcastProcessFunction.Context, ABC):
        pass

    class ReadOnlyContext(BaseBroadcastProcessFunction.ReadOnlyContext, ABC):
        @abstractmethod
        def timer_service(self) -> TimerService: ...

        @abstractmethod
        def get_current_key(self) -> Any: ...

    class OnTimerContext(ReadOnlyContext, ABC):
        @abstractmethod
        def time_domain(self) -> Any: ...

    @abstractmethod
    def process_element(self, value: Any, ctx: KeyedBroadcastProcessFunction.ReadOnlyContext) -> Iterable[Any]:
        """Each element of the keyed stream: keyed state and timers; the broadcast state is read-only."""

    @abstractmethod
    def process_broadcast_element(self, value: Any, ctx: KeyedBroadcastProcessFunction.Context) -> Iterable[Any]:
        """Each broadcast element, on every parallel instance; may update the broadcast state (no key here)."""

    def on_timer(self, timestamp: int, ctx: KeyedBroadcastProcessFunction.OnTimerContext) -> Iterable[Any]:
        return ()


__all__ = ["BaseBroadcastProcessFunction", "BroadcastProcessFunction", "KeyedBroadcastProcessFunction"]
