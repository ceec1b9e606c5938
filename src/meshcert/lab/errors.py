"""Errors of the lab part, each with the exit code the CLI answers with."""

from __future__ import annotations


class LabError(Exception):
    """Base of every lab error: a message a user can act on and an exit code."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ScenarioError(LabError):
    """A scenario that cannot be found, read or applied (a usage error: exit 2)."""

    exit_code = 2


class LabStateError(LabError):
    """A lab's files are missing, unreadable or in the way."""


class LabRunning(LabError):
    """Another process already serves this lab."""


class NoLab(LabError):
    """No lab (running or stopped) where one was asked for."""
