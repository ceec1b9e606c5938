"""A shell reading its commands from standard input, line by line as they arrive.

This is `sh` (or `bash`) started with neither `-c` nor a script: `kubectl exec -i POD -- sh`
(commands piped or typed, no prompt) and `kubectl exec -it POD -- sh` (interactive: prompts,
and the terminal's echo and keys, see `terminal.py`). Each complete command runs as soon as
its last line has arrived, in the same shell, so variables, functions and the working
directory carry over from one line to the next. An unfinished command (`if true; then`, an
open quote, a here-document, a trailing `|` or `\\`) waits for more lines (prompt `PS2`,
`> `).

Interactive (stdin is the exec's terminal, or `-i`):

- The prompt `PS1` goes to stderr before each command. Unless the user sets PS1, it is
  what the image's shell shows a root user: `\\w # ` for busybox and alpine images
  (`/ # `, `/tmp # `), `\\u@\\h:\\w\\$ ` for `bash` elsewhere (Debian's bash.bashrc:
  `root@web-7d4b9c-x2x9q:/# `), and dash's `# ` for `sh` elsewhere. bash and busybox
  expand `\\u \\h \\H \\w \\W \\$ \\n \\\\`.
- A syntax error is reported and the shell goes on; bash's messages lose `line N:`.
- Ctrl-C interrupts the running command (`$?` is 130) or drops the line being typed, and a
  new prompt follows. Ctrl-D on an empty line ends the shell (bash says `exit`), with the
  status of the last command; `exit N` ends it with N.

Time: while the stdin is live, waiting for a line has an idle limit (`IDLE_LIMIT`, an hour;
then the shell ends as bash's TMOUT does) and each command gets the exec's own time limit
afresh (`Budget.restart`); a command past it is stopped (`$?` 137) and the shell goes on.
With all stdin given at once (`run_exec(..., stdin=b"...")`) the whole run shares one budget.
"""

from __future__ import annotations

import fnmatch
import posixpath
from typing import TYPE_CHECKING

from .programs import ExecInterrupted, ExecTimeout, normalize_image
from .shell_state import FunctionReturn, LoopControl, ShellExit, Streams
from .shell_syntax import Parser, ShellSyntaxError

if TYPE_CHECKING:
    from .shell import Shell

IDLE_LIMIT = 3600.0
BUSYBOX_IMAGES = ("*/busybox:*", "*/busybox@*", "*/alpine:*", "*/alpine@*", "*busybox*")
_CONTINUED = frozenset({"", "Unterminated quoted string", "EOF in backquote substitution"})


def busybox_like(image: str) -> bool:
    """Whether the image's shell is busybox's ash (busybox and alpine images)."""
    full = normalize_image(image)
    return any(fnmatch.fnmatchcase(full, pattern) for pattern in BUSYBOX_IMAGES)


def default_ps1(shell: Shell) -> str:
    if busybox_like(shell.ctx.image):
        return "\\w \\$ "
    if shell.dialect == "bash":
        return "\\u@\\h:\\w\\$ "
    return "# "


def expand_prompt(shell: Shell, text: str) -> str:
    """bash's and busybox's prompt escapes (dash shows the text as it is)."""
    if shell.dialect != "bash" and not busybox_like(shell.ctx.image):
        return text
    vars_ = shell.state.vars
    host = vars_.get("HOSTNAME") or shell.ctx.pod_name
    cwd = shell.state.cwd
    home = vars_.get("HOME", "")
    short = "~" + cwd[len(home) :] if home and (cwd + "/").startswith(home + "/") else cwd
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c != "\\" or i + 1 >= len(text):
            out.append(c)
            i += 1
            continue
        code = text[i + 1]
        i += 2
        if code == "u":
            out.append(vars_.get("USER") or "root")
        elif code == "h":
            out.append(host.split(".")[0])
        elif code == "H":
            out.append(host)
        elif code == "w":
            out.append(short)
        elif code == "W":
            out.append(short if short in ("~", "/") else posixpath.basename(cwd))
        elif code == "$":
            out.append("#")
        elif code == "n":
            out.append("\n")
        elif code == "e":
            out.append("\x1b")
        elif code == "\\":
            out.append("\\")
        elif code in "[]":
            pass
        else:
            out.append("\\" + code)
    return "".join(out)


def is_complete(text: str, start: int) -> bool:
    """Whether the text from `start` holds whole commands (else more lines are needed)."""
    body = text[start:]
    stripped = body.rstrip("\n")
    if len(stripped) < len(body) and (len(stripped) - len(stripped.rstrip("\\"))) % 2:
        return False  # a line ending in a backslash continues
    parser = Parser(text, start)
    try:
        parser.parse_all()
    except ShellSyntaxError as exc:
        at_end = exc.token is not None and exc.token.kind == "EOF"
        return not (at_end and exc.message in _CONTINUED)
    return not parser.heredoc_open


class Session:
    """The read-and-run loop of a shell over its standard input."""

    def __init__(self, shell: Shell, io: Streams, *, interactive: bool) -> None:
        self.shell = shell
        self.io = io
        self.interactive = interactive
        self.stream = shell.ctx.input
        self.budget = shell.ctx.budget
        self.live = self.stream.live
        self.text = ""

    def write(self, text: str) -> None:
        self.io.stderr.write(text.encode("utf-8", "surrogateescape"))

    def prompt(self, name: str) -> None:
        if not self.interactive:
            return
        value = self.shell.state.vars.get(name)
        if value is None:
            value = default_ps1(self.shell) if name == "PS1" else "> "
        self.write(expand_prompt(self.shell, value))

    def run(self) -> int:
        shell = self.shell
        while True:
            start = len(self.text)
            try:
                at_eof = self._read_command(start)
            except ExecInterrupted:  # Ctrl-C at the prompt: the line is dropped
                self.budget.interrupt.clear()
                shell.state.status = 130
                self.write("\n")
                continue
            except ExecTimeout:
                if self.budget.cancel.is_set() or not self.live:
                    raise
                self.write("\ntimed out waiting for input: auto-logout\n")
                return shell.state.status
            if len(self.text) > start:
                try:
                    self._execute(start)
                except ShellExit as exc:
                    if self.interactive and shell.dialect == "bash":
                        self.write("exit\n")
                    return exc.code
            if at_eof:
                if self.interactive:
                    self.write("exit\n" if shell.dialect == "bash" else "\n")
                return shell.state.status

    def _read_command(self, start: int) -> bool:
        """Read lines until they make whole commands; True when the input has ended."""
        if self.live:
            self.budget.restart(IDLE_LIMIT)
        self.prompt("PS1")
        while True:
            line = self.stream.readline().decode("utf-8", "surrogateescape")
            self.text += line
            if not line.endswith("\n"):
                return True
            if is_complete(self.text, start):
                return False
            self.prompt("PS2")

    def _execute(self, start: int) -> None:
        shell = self.shell
        if self.live:
            self.budget.restart()
        parser = Parser(self.text, start)
        try:
            while True:
                try:
                    node = parser.next_command()
                except ShellSyntaxError as exc:
                    shell.line = exc.line
                    shell.syntax_error(exc, self.io, command_string=False)
                    if not self.interactive:
                        raise ShellExit(2) from None
                    shell.state.status = 2
                    return
                if node is None:
                    return
                shell.execute(node, self.io)
        except (LoopControl, FunctionReturn):
            return
        except ExecInterrupted:
            self.budget.interrupt.clear()
            shell.state.status = 130
            self.write("\n")
        except ExecTimeout:
            if self.budget.cancel.is_set() or not self.live:
                raise
            shell.state.status = 137
