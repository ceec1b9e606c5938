"""`grade`: run a task's checks through a `KubeClient` and score them.

Every check runs (a failure does not stop the others) and is scored all or nothing; a
`ClientError` fails only its own check, with the reason, and so does an unexpected error in a
check (said as such in its detail, so the content self-test shows it). The report keeps the
order of the checks, so two runs on the same lab state give the same report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .checks import CheckBase, GradeContext
from .client import ClientError, KubeClient


@dataclass(frozen=True)
class CheckResult:
    id: str
    type: str
    passed: bool
    points: int
    earned: int
    message: str  # the check's message for the candidate when it failed, else ""
    detail: str  # what was observed
    main: bool = False


@dataclass(frozen=True)
class GradeReport:
    results: tuple[CheckResult, ...]

    @property
    def points(self) -> int:
        return sum(r.earned for r in self.results)

    @property
    def max_points(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def full_marks(self) -> bool:
        return self.points == self.max_points

    def result(self, check_id: str) -> CheckResult:
        return next(r for r in self.results if r.id == check_id)


def grade(
    checks: Sequence[CheckBase], client: KubeClient, context: GradeContext | None = None
) -> GradeReport:
    context = context or GradeContext()
    results = []
    for check in checks:
        try:
            verdict = check.evaluate(client, context)
            passed, detail = verdict.passed, verdict.detail
        except ClientError as exc:
            passed, detail = False, exc.message
        except Exception as exc:  # a defect in a check must not hide the other results
            passed, detail = False, f"the check could not run ({type(exc).__name__}: {exc})"
        kind = str(getattr(check, "type", type(check).__name__))
        results.append(CheckResult(
            check.id, kind, passed, check.points, check.points if passed else 0,
            "" if passed else check.message, detail, check.main,
        ))  # fmt: skip
    return GradeReport(tuple(results))


def baseline(client: KubeClient) -> GradeContext:
    """The context to keep when an attempt starts: the uids of the pods that exist."""
    pods = client.list("v1", "Pod")
    return GradeContext(frozenset(str(p["metadata"].get("uid", "")) for p in pods))


__all__ = ["CheckResult", "GradeReport", "baseline", "grade"]
