"""Parameters of a task, drawn per attempt from a seed, so two attempts rarely see the same
task: a choice from a list, an integer from a range, a fresh name, or the complement to 100
of another parameter (the other weight of a two-way split).

Drawn in declaration order from `random.Random(f"{task_id}:{seed}")`, which is the same on
every machine and Python run (string seeds hash with SHA-512), so seed N of a task is always
the same instance.
"""

from __future__ import annotations

import random
import string

from pydantic import Field, model_validator

from meshcert.grading.checks.base import Model

Value = str | int
NAME_ALPHABET = string.ascii_lowercase + string.digits


class IntegerRange(Model):
    min: int
    max: int
    step: int = Field(default=1, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> IntegerRange:
        if self.min > self.max:
            raise ValueError("min is more than max")
        return self


class NameSpec(Model):
    """A DNS-1123 label: `prefix` + `-` + `length` random letters and digits."""

    prefix: str = Field(pattern=r"^[a-z]([-a-z0-9]*[a-z0-9])?$", max_length=40)
    length: int = Field(default=5, ge=3, le=10)


class Parameter(Model):
    """Exactly one of `choices`, `integer`, `name`, `complement`."""

    choices: tuple[Value, ...] | None = Field(default=None, min_length=1)
    integer: IntegerRange | None = None
    name: NameSpec | None = None
    complement: str | None = Field(default=None, description="100 minus that parameter")

    @model_validator(mode="after")
    def _one(self) -> Parameter:
        given = [self.choices, self.integer, self.name, self.complement]
        if sum(x is not None for x in given) != 1:
            raise ValueError("a parameter is exactly one of choices, integer, name, complement")
        return self

    def draw(self, rng: random.Random, drawn: dict[str, Value]) -> Value:
        if self.choices is not None:
            return rng.choice(self.choices)
        if self.integer is not None:
            return rng.randrange(self.integer.min, self.integer.max + 1, self.integer.step)
        if self.name is not None:
            suffix = "".join(rng.choice(NAME_ALPHABET) for _ in range(self.name.length))
            return f"{self.name.prefix}-{suffix}"
        assert self.complement is not None
        other = drawn.get(self.complement)
        if not isinstance(other, int):
            raise ValueError(f"complement of {self.complement!r}: not an integer drawn before")
        return 100 - other


def draw(task_id: str, parameters: dict[str, Parameter], seed: int) -> dict[str, Value]:
    """The values of a task's parameters for attempt `seed`."""
    rng = random.Random(f"{task_id}:{seed}")
    drawn: dict[str, Value] = {}
    for name, parameter in parameters.items():
        drawn[name] = parameter.draw(rng, drawn)
    return drawn


__all__ = ["IntegerRange", "NameSpec", "Parameter", "Value", "draw"]
