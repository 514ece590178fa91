"""``JobExecutionResult`` and ``JobClient``: what ``execute`` and ``execute_async`` hand back."""
from __future__ import annotations

from typing import Any


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
    """Handle of a job started with ``execute_async``; it advances the simulation lazily."""

    def __init__(self, simulation: Any) -> None:
        self._sim = simulation

    def get_job_id(self) -> str:
        return self._sim.job_id

    def get_job_status(self) -> str:
        return self._sim.job_status

    def cancel(self) -> None:
        self._sim.cancel()

    def get_job_execution_result(self) -> JobExecutionResult:
        return self._sim.run_to_result()

    @property
    def simulation(self) -> Any:
        return self._sim
