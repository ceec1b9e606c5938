"""Columns as Go's tabwriter lays them out for istioctl (padding 1, spaces)."""

from __future__ import annotations


def render_table(rows: list[list[str]], padding: int = 1) -> str:
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[i] + padding) for i, cell in enumerate(row[:-1])]
        lines.append(("".join(cells) + row[-1]).rstrip())
    return "\n".join(lines) + "\n"
