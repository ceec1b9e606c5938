"""Validation errors as Istio's webhook prints them.

Istio accumulates errors with hashicorp/go-multierror (pkg/config/validation appendErrors:
two errors make a list; a direct multierror.Append makes a list even of one) and the webhook
denies with `configuration is invalid: <error>`; a list prints as
`N errors occurred:\\n\\t* a\\n\\t* b\\n\\n` (go-multierror ListFormatFunc).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Errors:
    """An accumulating error: empty, one plain error, or a multierror list."""

    items: list[str] = field(default_factory=list)
    multi: bool = False

    def __bool__(self) -> bool:
        return bool(self.items)

    def add(self, *others: str | Errors | None) -> Errors:
        """appendErrors: plain errors stay plain alone, two make a list; lists flatten."""
        for other in others:
            if other is None or (isinstance(other, Errors) and not other):
                continue
            if isinstance(other, Errors):
                if not self.items:
                    self.items, self.multi = list(other.items), other.multi
                else:
                    self.items.extend(other.items)
                    self.multi = True
            else:
                if self.items:
                    self.multi = True
                self.items.append(other)
        return self

    def multi_add(self, message: str) -> Errors:
        """multierror.Append(errs, errors.New(message)): always a list."""
        self.items.append(message)
        self.multi = True
        return self

    def __str__(self) -> str:
        if not self.items:
            return ""
        if not self.multi and len(self.items) == 1:
            return self.items[0]
        if len(self.items) == 1:
            return f"1 error occurred:\n\t* {self.items[0]}\n\n"
        points = "\n\t".join(f"* {item}" for item in self.items)
        return f"{len(self.items)} errors occurred:\n\t{points}\n\n"


def one(message: str | None) -> Errors:
    return Errors().add(message)


def go_quote(value: str) -> str:
    """Go's %q for plain strings."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def go_float(value: float) -> str:
    """Go's %v of a float64 (shortest representation, no trailing .0)."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(float(value))


__all__ = ["Errors", "go_float", "go_quote", "one"]
