"""The terminal of `kubectl exec -t`: the line discipline between the client's keys and stdin.

kubectl puts the user's terminal in raw mode and sends every key as it is typed; the
container's pseudo-terminal (canonical mode, as a shell leaves it for the commands it runs)
turns keys into input lines. This is that part of the pty, fed on the API server's side:

| key | effect |
|---|---|
| printable text | added to the line and echoed |
| Enter (`\\r`, ICRNL) or `\\n` | the line (with `\\n`) goes to the program; echoes `\\r\\n` |
| Backspace (`0x7f`, `0x08`) | erases the last character (echo `\\b \\b`) |
| Ctrl-U (`0x15`) | erases the line |
| Ctrl-W (`0x17`) | erases the last word |
| Ctrl-C (`0x03`) | echoes `^C`, drops the line and interrupts the program (SIGINT) |
| Ctrl-\\ (`0x1c`) | as Ctrl-C |
| Ctrl-D (`0x04`) | on an empty line: end of file (once); else sends the line without `\\n` |
| escape sequences (arrows, function keys) | ignored (there is no line editor) |

Output post-processing (`\\n` -> `\\r\\n`) is done where the output is collected
(`running._Collector`). Thread-safety: `feed` is called from one thread (the connection).
"""

from __future__ import annotations

from collections.abc import Callable

from .programs import InputStream

INTR, QUIT, EOF_KEY, ERASE, BACKSPACE, KILL, WERASE, ESC = (
    0x03,
    0x1C,
    0x04,
    0x7F,
    0x08,
    0x15,
    0x17,
    0x1B,
)


class Terminal:
    """Cooks raw key bytes into `stream` and sends the echo to `echo`."""

    def __init__(self, stream: InputStream, echo: Callable[[bytes], None]) -> None:
        self.stream = stream
        self.echo = echo
        self.line = bytearray()
        self._escape = 0  # 0: none, 1: after ESC, 2: inside a CSI/SS3 sequence
        self._pending_cr = False

    def feed(self, data: bytes) -> None:
        out = bytearray()
        for byte in data:
            self._key(byte, out)
        if out:
            self.echo(bytes(out))

    def _key(self, byte: int, out: bytearray) -> None:
        if self._escape:
            self._in_escape(byte)
            return
        if byte == ESC:
            self._escape = 1
            return
        if byte == 0x0A and self._pending_cr:
            self._pending_cr = False  # \r\n from a client that translates Enter itself
            return
        self._pending_cr = byte == 0x0D
        if byte in (0x0D, 0x0A):
            self.line.append(0x0A)
            out += b"\r\n"
            self._send(out)
        elif byte in (INTR, QUIT):
            out += b"^C" if byte == INTR else b"^\\"
            self.line.clear()
            self._send(out)
            self.stream.interrupt()
        elif byte == EOF_KEY:
            empty = not self.line
            self._send(out)
            if empty:
                self.stream.end_of_file()
        elif byte in (ERASE, BACKSPACE):
            if self.line:
                self._erase_char()
                out += b"\b \b"
        elif byte == KILL:
            out += b"\b \b" * self._width(self.line)
            self.line.clear()
        elif byte == WERASE:
            end = len(self.line)
            while end and self.line[end - 1] in b" \t":
                end -= 1
            while end and self.line[end - 1] not in b" \t":
                end -= 1
            out += b"\b \b" * self._width(self.line[end:])
            del self.line[end:]
        elif byte == 0x09 or byte >= 0x20:
            self.line.append(byte)
            out.append(byte)
        # other control characters are dropped

    def _in_escape(self, byte: int) -> None:
        if self._escape == 1:
            # ESC [ (CSI) and ESC O (SS3) start a sequence; anything else ends here
            self._escape = 2 if byte in (0x5B, 0x4F) else 0
            return
        if 0x40 <= byte <= 0x7E:
            self._escape = 0

    def _erase_char(self) -> None:
        # drop one UTF-8 character (its continuation bytes too)
        while self.line:
            last = self.line.pop()
            if last & 0xC0 != 0x80:
                break

    @staticmethod
    def _width(data: bytes | bytearray) -> int:
        return len(bytes(data).decode("utf-8", "replace"))

    def _send(self, out: bytearray) -> None:
        """Flush the echo so far, then hand the line to the program."""
        if out:
            self.echo(bytes(out))
            out.clear()
        if self.line:
            self.stream.feed(bytes(self.line))
            self.line.clear()
