"""What every check has (id, points, the message a candidate reads when it fails) and what a
check's evaluation gives back (a `Verdict`), plus the grading context."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ..client import KubeClient


class Model(BaseModel):
    """Content models: camelCase in YAML, unknown fields refused, immutable."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class CheckBase(Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    points: int = Field(ge=1, le=100)
    message: str = Field(min_length=1, description="shown to the candidate when it fails")
    main: bool = Field(default=False, description="the check the untouched scenario must fail")

    def evaluate(self, client: KubeClient, context: GradeContext) -> Verdict:
        """Judge the cluster; findings are data (a failed Verdict), never exceptions, except
        `ClientError` when the cluster cannot be asked (the grader turns it into a failure)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Verdict:
    """A check's finding: passed or not, and what was observed (for the candidate)."""

    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class GradeContext:
    """What the grader knows besides the cluster: the uids of the pods that existed when the
    attempt started (for "restarted after a change" checks)."""

    baseline_pods: frozenset[str] = field(default_factory=frozenset)


__all__ = ["CheckBase", "GradeContext", "Model", "Verdict"]
