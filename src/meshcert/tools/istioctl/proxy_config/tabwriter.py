"""Go's text/tabwriter as istioctl configures it (minwidth 0, tabwidth 8, padding N, ' ',
no flags): tab-terminated cells are padded to their column block's widest cell plus the
padding; a line's last cell is written as is."""

from __future__ import annotations


def tabwrite(lines: list[str], padding: int) -> str:
    rows = [line.split("\t") for line in lines]
    out: list[str] = []
    widths: list[int] = []

    def write(start: int, end: int) -> None:
        for row in rows[start:end]:
            text = []
            for j, cell in enumerate(row):
                if j < len(row) - 1 and j < len(widths):
                    text.append(cell.ljust(widths[j]))
                else:
                    text.append(cell)
            out.append("".join(text))

    def fmt(line0: int, line1: int) -> int:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(rows[this]) - 1:
                this += 1
                continue
            write(line0, this)
            line0 = this
            width = 0
            while this < line1 and column < len(rows[this]) - 1:
                width = max(width, len(rows[this][column]) + padding)
                this += 1
            widths.append(width)
            fmt(line0, this)
            widths.pop()
            line0 = this
        write(line0, line1)
        return line1

    fmt(0, len(rows))
    return "".join(line + "\n" for line in out)
