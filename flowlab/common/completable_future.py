"""``CompletableFuture``: what PyFlink's ``JobClient`` methods return, here over virtual time.

In PyFlink the job runs on its own and ``result()`` blocks until the value is there. In flowlab nothing moves
unless asked: ``result()`` lets the simulation run (in virtual time) until the value is there, then returns it
or raises what went wrong; ``done()`` says whether it is there already, without running anything.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

_PENDING = object()


class CompletableFuture:
    """A value that becomes available as the simulated job goes on (PyFlink's ``CompletableFuture``)."""

    def __init__(self, wait: Callable[[], Any] | None = None, ready: Callable[[], bool] | None = None,
                 value: Any = _PENDING, exception: BaseException | None = None) -> None:
        self._wait = wait
        self._ready = ready
        self._value = value
        self._exception = exception

    def result(self) -> Any:
        """The value; runs the simulation until it is there (raises the failure if there is one)."""
        if self._value is _PENDING and self._exception is None:
            try:
                self._value = self._wait() if self._wait is not None else None
            except Exception as exc:  # noqa: BLE001 - the future completes exceptionally, as in Java
                self._exception = exc
        if self._exception is not None:
            raise self._exception
        return self._value

    def done(self) -> bool:
        """Whether the value (or the failure) is there already; nothing is run."""
        if self._value is not _PENDING or self._exception is not None:
            return True
        return bool(self._ready()) if self._ready is not None else False

    def exception(self) -> BaseException | None:
        """The failure, once ``result()`` found one (None otherwise)."""
        return self._exception

    def cancel(self) -> bool:
        """A simulated request cannot be called back: always False (as Java's for a request already sent)."""
        return False

    def cancelled(self) -> bool:
        return False

    def __repr__(self) -> str:
        if self._exception is not None:
            return f"<CompletableFuture failed: {self._exception}>"
        if self._value is not _PENDING:
            return f"<CompletableFuture done: {self._value!r}>"
        return "<CompletableFuture pending: result() runs the job until it is there>"
