"""Analyzer checks: `istioctl analyze -o json` finds no errors (or warnings), or does (or
does not) report a given IST code, in a namespace or in all of them.

Run as a candidate runs it, from the grader's machine (`KubeClient.istioctl`); the JSON form
lists messages with `code`, `level` and `origin` (istio.io/latest/docs/reference/config/
analysis/). Exit code 79 only means "issues found", so the JSON is what is judged.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field, model_validator

from ..client import KubeClient
from .base import CheckBase, GradeContext, Verdict

LEVELS = {"Info": 0, "Warning": 1, "Error": 2}


class AnalyzerCheck(CheckBase):
    type: Literal["analyzer"]
    namespace: str | None = Field(default=None, description="None: all namespaces")
    clean: Literal["Error", "Warning"] | None = Field(
        default=None, description="no message at this level or above"
    )
    present: str | None = Field(default=None, pattern=r"^IST\d{4}$")
    absent: str | None = Field(default=None, pattern=r"^IST\d{4}$")

    @model_validator(mode="after")
    def _one(self) -> AnalyzerCheck:
        if sum(x is not None for x in (self.clean, self.present, self.absent)) != 1:
            raise ValueError("an analyzer check is exactly one of clean, present, absent")
        return self

    def evaluate(self, client: KubeClient, context: GradeContext) -> Verdict:
        scope = ["-n", self.namespace] if self.namespace else ["-A"]
        run = client.istioctl(["analyze", *scope, "-o", "json"])
        try:
            messages = json.loads(run.stdout) if run.stdout.strip() else []
        except ValueError:
            return Verdict(False, f"istioctl analyze failed: {run.stderr.strip()[:200]}")
        if not isinstance(messages, list):
            return Verdict(False, "istioctl analyze gave no message list")
        found = [f"{m.get('level')} [{m.get('code')}] ({m.get('origin')})" for m in messages]
        codes = {m.get("code") for m in messages}
        if self.present is not None:
            ok = self.present in codes
            return Verdict(ok, f"{self.present} {'reported' if ok else 'not reported'}")
        if self.absent is not None:
            ok = self.absent not in codes
            return Verdict(ok, f"{self.absent} {'not reported' if ok else 'still reported'}")
        assert self.clean is not None
        bad = [f for f, m in zip(found, messages, strict=True)
               if LEVELS.get(str(m.get("level")), 0) >= LEVELS[self.clean]]  # fmt: skip
        if bad:
            return Verdict(False, "istioctl analyze reports " + "; ".join(bad[:3]))
        return Verdict(True, "istioctl analyze reports no " + self.clean.lower() + "s")


__all__ = ["AnalyzerCheck"]
