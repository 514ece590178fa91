"""``JobExecutionResult`` and ``JobClient``: what ``execute`` and ``execute_async`` hand back."""
from __future__ import annotations

from typing import Any

from flowlab.common.completable_future import CompletableFuture
from flowlab.common.job_status import JobStatus


class JobExecutionResult:
    """Result of a finished job; ``get_net_runtime()`` is virtual milliseconds."""

    def __init__(self, job_id: str, net_runtime_ms: int, accumulators: dict[str, Any] | None = None,
                 simulation: Any = None) -> None:
        self._job_id = job_id
        self._net_runtime = net_runtime_ms
        self._accumulators = accumulators or {}
        self.simulation = simulation

    def get_job_id(self) -> str:
        return self._job_id

    def get_net_runtime(self) -> int:
        return self._net_runtime

    def get_accumulator_result(self, accumulator_name: str) -> Any:
        return self._accumulators.get(accumulator_name)

    def get_all_accumulator_results(self) -> dict[str, Any]:
        return dict(self._accumulators)

    def is_job_execution_result(self) -> bool:
        return True

    def get_job_execution_result(self) -> JobExecutionResult:
        return self

    def __repr__(self) -> str:
        return f"JobExecutionResult(job_id={self._job_id}, net_runtime={self._net_runtime} ms)"


class JobClient:
    """Handle of a job started with ``execute_async()`` (PyFlink's ``JobClient``).

    The job lives in virtual time and moves only when asked: ``get_job_execution_result().result()`` runs it to
    the end; a savepoint's ``.result()`` runs it until the savepoint is written; ``run_until(ms)`` (a flowlab
    extension) runs it to a virtual time first. A PyFlink program that calls ``execute_async()`` and later
    ``stop_with_savepoint(...)`` ports with one added line, ``client.run_until(ms)``, saying how long the job ran.

    As in PyFlink, the methods return a ``CompletableFuture`` (``.result()``, ``.done()``) — except
    ``get_job_id()``, a 32-hex string here (PyFlink: a ``JobID`` whose ``str()`` is that string).
    PyFlink 2.3's own ``stop_with_savepoint``/``trigger_savepoint`` fail against its jars; flowlab's work.
    """

    def __init__(self, simulation: Any, env: Any = None) -> None:
        self._sim = simulation
        self._env = env

    def get_job_id(self) -> str:
        return self._sim.job_id

    def get_job_status(self) -> CompletableFuture:
        """A future of the job's ``JobStatus`` now (already done: nothing needs to run)."""
        status = self._sim.job_status
        return CompletableFuture(value=JobStatus.INITIALIZING if status is None else JobStatus[status])

    def cancel(self) -> CompletableFuture:
        """Cancel the job now (CANCELLING -> CANCELED); the future is done."""
        self._sim.cancel()
        return CompletableFuture(value=None)

    def stop_with_savepoint(self, advance_to_end_of_event_time: bool,
                            savepoint_directory: str | None = None) -> CompletableFuture:
        """Stop the job with a savepoint: a future of the savepoint's folder. The sources are told to stop now
        (with ``advance_to_end_of_event_time`` after the MAX watermark); ``.result()`` runs the job until the
        savepoint is written and every subtask finished. On a job that is over, ``.result()`` raises."""
        return self._savepoint(savepoint_directory, stop=True, drain=advance_to_end_of_event_time)

    def trigger_savepoint(self, savepoint_directory: str | None = None) -> CompletableFuture:
        """Trigger a savepoint now: a future of its folder; ``.result()`` runs the job until it is written."""
        return self._savepoint(savepoint_directory, stop=False, drain=False)

    def _savepoint(self, directory: str | None, stop: bool, drain: bool) -> CompletableFuture:
        """The request goes out at this virtual moment; waiting for it is what ``result()`` does."""
        sim = self._sim
        try:
            n = sim._savepoint_request(directory, stop, drain)
        except Exception as exc:  # noqa: BLE001 - the future completes exceptionally, as in Java
            return CompletableFuture(exception=exc)
        return CompletableFuture(wait=lambda: sim._savepoint_result(n, stop), ready=lambda: sim._savepoint_done(n))

    def get_job_execution_result(self) -> CompletableFuture:
        """A future of the ``JobExecutionResult``; ``.result()`` runs the job to its end (raises if it failed)."""
        return CompletableFuture(wait=self._sim.run_to_result, ready=lambda: self._sim.done)

    def run_until(self, time_ms: float) -> JobClient:
        """Run the job until virtual time ``time_ms`` (flowlab extension: in PyFlink the job runs by itself while
        the program goes on; here this line says for how long). Returns the client, for chaining."""
        from flowlab.datastream.pyflink_compat import check
        check(self._env, "JobClient.run_until")
        self._sim.run(until_ms=time_ms)
        return self

    @property
    def simulation(self) -> Any:
        return self._sim
