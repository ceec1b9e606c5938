"""The check families, one module each, and `Check`: their union discriminated on `type`."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from .analyzer import AnalyzerCheck
from .base import CheckBase, GradeContext, Verdict
from .behaviour import BehaviourCheck
from .install import InstallCheck
from .pods import PodCheck
from .resources import ResourceCheck

Check = Annotated[
    ResourceCheck | BehaviourCheck | AnalyzerCheck | InstallCheck | PodCheck,
    Field(discriminator="type"),
]

__all__ = ["AnalyzerCheck", "BehaviourCheck", "Check", "CheckBase", "GradeContext",
           "InstallCheck", "PodCheck", "ResourceCheck", "Verdict"]  # fmt: skip
