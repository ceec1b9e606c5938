"""GNU-style command-line options for the shipped programs (`-n 5`, `-n5`, `-cv`, `--lines=5`).

`parse_options(argv, spec)` takes a spec such as `{"n:": "lines", "v": "invert", "--lines=":
"lines", "--invert-match": "invert"}` (a trailing `:` / `=` means the option takes a value),
permutes options and operands as getopt does, and raises `UsageError` in GNU's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class UsageError(Exception):
    """A bad option: `message` as getopt prints it after `prog: `."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Options:
    values: dict[str, list[str]] = field(default_factory=dict)
    operands: list[str] = field(default_factory=list)

    def has(self, key: str) -> bool:
        return key in self.values

    def last(self, key: str, default: str | None = None) -> str | None:
        found = self.values.get(key)
        return found[-1] if found else default

    def all(self, key: str) -> list[str]:
        return list(self.values.get(key, []))

    def add(self, key: str, value: str = "") -> None:
        self.values.setdefault(key, []).append(value)


def parse_options(argv: list[str], spec: dict[str, str], *, permute: bool = True) -> Options:
    """Parse argv[1:] against `spec`."""
    short = {k[0]: (v, k.endswith(":")) for k, v in spec.items() if not k.startswith("--")}
    long = {k[2:].rstrip("="): (v, k.endswith("=")) for k, v in spec.items() if k.startswith("--")}
    opts = Options()
    args = list(argv[1:])
    while args:
        arg = args.pop(0)
        if arg == "--":
            opts.operands += args
            break
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            candidates = [n for n in long if n == name] or [n for n in long if n.startswith(name)]
            if len(candidates) != 1:
                kind = "ambiguous" if candidates else "unrecognized"
                raise UsageError(f"{kind} option '--{name}'")
            key, wants = long[candidates[0]]
            if wants and not eq:
                if not args:
                    raise UsageError(f"option '--{candidates[0]}' requires an argument")
                value = args.pop(0)
            elif not wants and eq:
                raise UsageError(f"option '--{candidates[0]}' doesn't allow an argument")
            opts.add(key, value)
            continue
        if arg.startswith("-") and len(arg) > 1:
            i = 1
            while i < len(arg):
                letter = arg[i]
                if letter not in short:
                    raise UsageError(f"invalid option -- '{letter}'")
                key, wants = short[letter]
                if wants:
                    value = arg[i + 1 :]
                    if not value:
                        if not args:
                            raise UsageError(f"option requires an argument -- '{letter}'")
                        value = args.pop(0)
                    opts.add(key, value)
                    break
                opts.add(key)
                i += 1
            continue
        opts.operands.append(arg)
        if not permute:
            opts.operands += args
            break
    return opts
