"""Generated requests from the API's OpenAPI schema (schemathesis), with a fixed seed.

Shared by the suite's short, derandomised run and by the long run of ``scripts/fuzz``; both
count every request sent and collect every server error (5xx).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

KEYS_BY_ROLE: dict[str, str | None] = {
    "no key": None, "reader": "r", "analyst": "a", "writer": "w", "admin": "adm"}


@dataclass
class FuzzReport:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    unsatisfiable: int = 0

    def summary(self) -> str:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.by_status.items()))
        return (f"{self.requests} requests, {len(self.server_errors)} server errors "
                f"(status counts {statuses})")


def _runner(operation: Any, mode: GenerationMode, headers: dict[str, str], label: str,
            examples: int, fixed_seed: int, report: FuzzReport) -> Callable[[], None]:
    @seed(fixed_seed)
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), print_blob=False)
    def run(case: Any) -> None:
        try:
            response = case.call(headers=headers)
        except requests.RequestException as error:  # the server dropped the connection
            report.requests += 1
            report.server_errors.append(f"{label} {case.method} {case.formatted_path}: "
                                        f"no answer ({type(error).__name__})")
            return
        report.requests += 1
        code = response.status_code
        report.by_status[code] = report.by_status.get(code, 0) + 1
        if code >= 500:
            report.server_errors.append(
                f"{label} {case.method} {case.formatted_path} {case.query or ''} "
                f"{str(case.body)[:200] if case.body is not None else ''}: "
                f"{code} {response.text[:200]}")

    return run  # type: ignore[no-any-return]


def fuzz(schema: Any, *, examples: int, roles: Iterable[str],
         modes: Iterable[GenerationMode] = (GenerationMode.POSITIVE,),
         fixed_seed: int = 20261129, report: FuzzReport | None = None) -> FuzzReport:
    """Send up to ``examples`` generated requests per operation, role and generation mode.

    Hypothesis runs derandomised from ``fixed_seed``: the same schema gives the same requests.
    """
    report = report or FuzzReport()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for role in roles:
            key = KEYS_BY_ROLE[role]
            headers = {"X-API-Key": key} if key else {}
            for mode in modes:
                try:
                    _runner(operation, mode, headers, f"{role} {mode.value}", examples,
                            fixed_seed, report)()
                except Unsatisfiable:
                    report.unsatisfiable += 1  # nothing invalid to send to this operation

    return report
