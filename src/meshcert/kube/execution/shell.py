"""`sh` and `bash`: one interpreter for the shell that `kubectl exec ... -- sh -c '...'` runs.

Runs the tree from `shell_syntax` command by command (as dash does, so a syntax error on a
later line comes after the earlier lines ran), with POSIX exit statuses, pipelines fed
stage by stage, redirections onto the container's files, functions, `set -e/-u/-x`, and
messages worded like dash (`sh: 1: foo: not found`) or bash (`bash: line 1: foo: command not
found`) depending on the name it was started as.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .filesystem import FileSystemError
from .programs import (
    BufferSink,
    ExecContext,
    InputStream,
    ProgramNotFound,
)
from .shell_expansion import ExpansionError, WordExpander, matches
from .shell_nodes import (
    AndOr,
    Case,
    For,
    FunctionDef,
    Group,
    If,
    Loop,
    Node,
    Pipeline,
    Redirected,
    Sequence,
    Simple,
    Subshell,
)
from .shell_redirections import redirect
from .shell_session import Session
from .shell_state import FunctionReturn, LoopControl, ShellExit, ShellState, Streams
from .shell_syntax import Parser, ShellSyntaxError

MAX_DEPTH = 100


class Shell:
    """One shell process (a subshell is another Shell over a copy of the state)."""

    def __init__(self, ctx: ExecContext, state: ShellState, dialect: str = "sh") -> None:
        self.ctx = ctx
        self.state = state
        self.dialect = dialect
        self.expander = WordExpander(self)
        self.line = 1
        self.io = Streams({0: ctx.input, 1: ctx.stdout, 2: ctx.stderr})
        self.subst_status: int | None = None
        self.condition_depth = 0
        self.loop_depth = 0
        self.call_depth = 0
        self.interactive = False

    def subshell(self) -> Shell:
        sub = Shell(self.ctx, self.state.copy(), self.dialect)
        sub.line = self.line
        sub.call_depth = self.call_depth
        sub.interactive = self.interactive
        return sub

    # variables ---------------------------------------------------------------------------------

    def lookup(self, name: str) -> str | None:
        st = self.state
        if name == "?":
            return str(st.status)
        if name == "#":
            return str(len(st.positional))
        if name in ("@", "*"):
            sep = (st.vars.get("IFS", " ") or "")[:1] if name == "*" else " "
            return sep.join(st.positional)
        if name == "0":
            return st.arg0
        if name.isdigit():
            index = int(name)
            return st.positional[index - 1] if index <= len(st.positional) else None
        if name == "$":
            return "7"
        if name == "!":
            return ""
        if name == "-":
            return "".join(sorted(o for o in st.options if len(o) == 1))
        return st.vars.get(name)

    def assign(self, name: str, value: str) -> None:
        self.state.vars[name] = value

    def environment(self) -> dict[str, str]:
        return {k: v for k, v in self.state.vars.items() if k in self.state.exported}

    @contextmanager
    def temporary(self, pairs: list[tuple[str, str]]) -> Iterator[None]:
        saved = [(name, self.state.vars.get(name)) for name, _ in pairs]
        for name, value in pairs:
            self.state.vars[name] = value
        try:
            yield
        finally:
            for name, old in saved:
                if old is None:
                    self.state.vars.pop(name, None)
                else:
                    self.state.vars[name] = old

    # messages ----------------------------------------------------------------------------------

    def diag(self, message: str, io: Streams | None = None) -> None:
        if self.dialect == "bash" and self.interactive:
            text = f"{self.state.arg0}: {message}\n"
        elif self.dialect == "bash":
            text = f"{self.state.arg0}: line {self.line}: {message}\n"
        else:
            text = f"{self.state.arg0}: {self.line}: {message}\n"
        (io or self.io).stderr.write(text.encode("utf-8", "surrogateescape"))

    def syntax_error(self, exc: ShellSyntaxError, io: Streams, *, command_string: bool) -> None:
        arg0 = self.state.arg0
        if self.dialect == "bash" and self.interactive:
            text = f"{arg0}: {exc.bash_message()}\n"
        elif self.dialect == "bash":
            where = f"{arg0}: -c: line {exc.line}" if command_string else f"{arg0}: line {exc.line}"
            text = f"{where}: {exc.bash_message()}\n"
            if exc.token is not None and exc.token.kind != "EOF":
                text += f"{where}: `{exc.source_line}'\n"
        else:
            text = f"{arg0}: {exc.line}: {exc.dash_message()}\n"
        io.stderr.write(text.encode("utf-8", "surrogateescape"))

    # running -----------------------------------------------------------------------------------

    def run_script(self, source: str, io: Streams, *, command_string: bool = True) -> int:
        """Run a whole script; returns the shell's exit status."""
        self.io = io
        parser = Parser(source)
        try:
            while True:
                try:
                    node = parser.next_command()
                except ShellSyntaxError as exc:
                    self.line = exc.line
                    self.syntax_error(exc, io, command_string=command_string)
                    raise ShellExit(2) from None
                if node is None:
                    break
                self.execute(node, io)
        except ShellExit as exc:
            return exc.code
        except (LoopControl, FunctionReturn):
            pass
        return self.state.status

    def run_isolated(self, node: Node | None, io: Streams) -> int:
        """Run in this (sub)shell, turning `exit` into the status."""
        if node is None:
            return 0
        try:
            return self.execute(node, io)
        except ShellExit as exc:
            return exc.code
        except (LoopControl, FunctionReturn):
            return self.state.status

    def command_substitution(self, node: Node | None) -> str:
        sub = self.subshell()
        out = BufferSink()
        io = self.io.copy()
        io.fds[1] = out
        status = sub.run_isolated(node, io)
        self.subst_status = status
        self.state.status = status
        return out.getvalue().decode("utf-8", "surrogateescape").rstrip("\n")

    def execute(self, node: Node, io: Streams) -> int:
        status = self._dispatch(node, io)
        self.state.status = status
        return status

    def _dispatch(self, node: Node, io: Streams) -> int:
        if isinstance(node, Simple):
            return self._errexit(self._simple(node, io))
        if isinstance(node, Pipeline):
            status = self._pipeline(node, io)
            return status if node.negate else self._errexit(status)
        if isinstance(node, Sequence):
            status = 0
            for item, _background in node.items:
                status = self.execute(item, io)
            return status
        if isinstance(node, AndOr):
            status = self._condition(node.first, io)
            for index, (op, item) in enumerate(node.rest):
                if (op == "&&") != (status == 0):
                    continue
                last = index == len(node.rest) - 1
                status = self.execute(item, io) if last else self._condition(item, io)
            return status
        if isinstance(node, If):
            for cond, body in node.branches:
                if self._condition(cond, io) == 0:
                    return self.execute(body, io)
            return 0 if node.otherwise is None else self.execute(node.otherwise, io)
        if isinstance(node, Loop):
            return self._loop(node, io)
        if isinstance(node, For):
            return self._for(node, io)
        if isinstance(node, Case):
            return self._case(node, io)
        if isinstance(node, Group):
            return self.execute(node.body, io)
        if isinstance(node, Subshell):
            return self._errexit(self.subshell().run_isolated(node.body, io))
        if isinstance(node, FunctionDef):
            self.state.functions[node.name] = node.body
            return 0
        assert isinstance(node, Redirected)
        redirected = redirect(self, node.redirects, io)
        if isinstance(redirected, int):
            return redirected
        return self.execute(node.body, redirected)

    def _errexit(self, status: int) -> int:
        if status and "e" in self.state.options and self.condition_depth == 0:
            raise ShellExit(status)
        return status

    def _condition(self, node: Node, io: Streams) -> int:
        self.condition_depth += 1
        try:
            return self.execute(node, io)
        finally:
            self.condition_depth -= 1

    def _pipeline(self, node: Pipeline, io: Streams) -> int:
        statuses: list[int] = []
        if len(node.commands) == 1:
            self.condition_depth += node.negate
            try:
                statuses.append(self.execute(node.commands[0], io))
            finally:
                self.condition_depth -= node.negate
        else:
            data: InputStream = io.stdin
            for index, command in enumerate(node.commands):
                stage = io.copy()
                stage.fds[0] = data
                out = BufferSink()
                if index < len(node.commands) - 1:
                    stage.fds[1] = out
                statuses.append(self.subshell().run_isolated(command, stage))
                data = InputStream(out.getvalue())
        status = statuses[-1]
        if "pipefail" in self.state.options:
            status = next((s for s in reversed(statuses) if s), 0)
        if node.negate:
            return 0 if status else 1
        return status

    def _loop(self, node: Loop, io: Streams) -> int:
        status = 0
        self.loop_depth += 1
        try:
            while True:
                self.ctx.budget.check()
                if (self._condition(node.condition, io) == 0) == node.until:
                    break
                try:
                    status = self.execute(node.body, io)
                except LoopControl as ctl:
                    if ctl.count > 1:
                        raise LoopControl(ctl.kind, ctl.count - 1) from None
                    if ctl.kind == "break":
                        break
        finally:
            self.loop_depth -= 1
        return status

    def _for(self, node: For, io: Streams) -> int:
        self.line = node.line
        try:
            if node.words is None:
                values = list(self.state.positional)
            else:
                values = self.expander.fields(node.words)
        except ExpansionError as exc:
            self.diag(str(exc), io)
            raise ShellExit(2) from None
        status = 0
        self.loop_depth += 1
        try:
            for value in values:
                self.ctx.budget.check()
                self.assign(node.name, value)
                try:
                    status = self.execute(node.body, io)
                except LoopControl as ctl:
                    if ctl.count > 1:
                        raise LoopControl(ctl.kind, ctl.count - 1) from None
                    if ctl.kind == "break":
                        break
        finally:
            self.loop_depth -= 1
        return status

    def _case(self, node: Case, io: Streams) -> int:
        try:
            subject = self.expander.single(node.word)
            for patterns, body in node.arms:
                for pattern in patterns:
                    if matches(self.expander.pattern(pattern), subject):
                        return 0 if body is None else self.execute(body, io)
        except ExpansionError as exc:
            self.diag(str(exc), io)
            raise ShellExit(2) from None
        return 0

    # simple commands ---------------------------------------------------------------------------

    def _simple(self, node: Simple, io: Streams) -> int:
        from .shell_builtins import BUILTINS

        self.line = node.line
        self.ctx.budget.check()
        self.subst_status = None
        self.io = io
        try:
            argv = self.expander.fields(node.words)
            values = [(a.name, self.expander.single(a.value)) for a in node.assignments]
        except ExpansionError as exc:
            self.diag(str(exc), io)
            raise ShellExit(2) from None
        if "x" in self.state.options:
            shown = [f"{k}={v}" for k, v in values] + argv
            io.stderr.write(("+ " + " ".join(_quote(a) for a in shown) + "\n").encode())
        if not argv:
            for name, value in values:
                self.assign(name, value)
            redirected = redirect(self, node.redirects, io)
            if isinstance(redirected, int):
                return redirected
            return self.subst_status or 0
        if argv == ["exec"]:
            redirected = redirect(self, node.redirects, io)
            if isinstance(redirected, int):
                return redirected
            io.fds.update(redirected.fds)
            self.io = io
            return 0
        redirected = redirect(self, node.redirects, io)
        if isinstance(redirected, int):
            return redirected
        name = argv[0]
        if name in self.state.functions:
            with self.temporary(values):
                return self.call_function(name, argv, redirected)
        builtin = BUILTINS.get(name)
        if builtin is not None:
            with self.temporary(values):
                return builtin(self, argv, redirected)
        return self.run_program(argv, redirected, values)

    def run_program(
        self, argv: list[str], io: Streams, values: list[tuple[str, str]] | None = None
    ) -> int:
        env = self.environment()
        env.update(values or [])
        try:
            return self.ctx.run(
                argv,
                stdin=io.stdin,
                stdout=io.stdout,
                stderr=io.stderr,
                env=env,
                cwd=self.state.cwd,
            )
        except ProgramNotFound:
            if self.dialect == "bash":
                missing = "No such file or directory" if "/" in argv[0] else "command not found"
                self.diag(f"{argv[0]}: {missing}", io)
            else:
                self.diag(f"{argv[0]}: not found", io)
            return 127

    def call_function(self, name: str, argv: list[str], io: Streams) -> int:
        if self.call_depth >= MAX_DEPTH:
            self.diag(f"{name}: maximum function nesting level exceeded ({MAX_DEPTH})", io)
            raise ShellExit(2)
        saved = self.state.positional
        self.state.positional = argv[1:]
        self.state.locals.append({})
        self.call_depth += 1
        try:
            return self.execute(self.state.functions[name], io)
        except FunctionReturn as ret:
            return ret.code
        finally:
            self.call_depth -= 1
            frame = self.state.locals.pop()
            for var, old in frame.items():
                if old is None:
                    self.state.vars.pop(var, None)
                else:
                    self.state.vars[var] = old
            self.state.positional = saved

    # redirections ------------------------------------------------------------------------------


def _quote(arg: str) -> str:
    if arg and all(c.isalnum() or c in "-_./=:,@%+" for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


# the program -------------------------------------------------------------------------------


def shell_program(ctx: ExecContext) -> int:
    """`sh [-eiux] [-c command [name [args...]] | script [args...]]`; `bash` is the same.
    With neither, commands come from stdin (`shell_session`)."""
    dialect = "bash" if ctx.program == "bash" else "sh"
    args = ctx.argv[1:]
    options: set[str] = set()
    command = False
    force_interactive = from_stdin = False
    while args and args[0].startswith(("-", "+")) and args[0] not in ("-", "+"):
        arg = args.pop(0)
        if arg == "--":
            break
        if arg.startswith("--"):
            continue  # --login, --noprofile, --norc, --posix
        if arg in ("-o", "+o") and args:
            name = args.pop(0)
            if name == "errexit":
                options.add("e")
            elif name == "pipefail":
                options.add("pipefail")
            continue
        for letter in arg[1:]:
            if letter == "c":
                command = True
            elif letter == "i" and arg[0] == "-":
                force_interactive = True
            elif letter == "s":
                from_stdin = True
            elif letter in "euxf" and arg[0] == "-":
                options.add(letter)
    if args and args[0] == "-":
        args.pop(0)
    arg0 = ctx.argv[0] if ctx.argv else dialect
    if command:
        if not args:
            message = (
                f"{arg0}: -c: option requires an argument\n"
                if dialect == "bash"
                else f"{arg0}: 0: -c requires an argument\n"
            )
            ctx.err(message)
            return 2
        source, positional = args[0], args[2:]
        if len(args) > 1:
            arg0 = args[1]
    elif args and not from_stdin:
        try:
            source = ctx.read_file(args[0]).decode("utf-8", "surrogateescape")
        except FileSystemError:
            if dialect == "bash":
                ctx.err(f"{arg0}: {args[0]}: No such file or directory\n")
                return 127
            ctx.err(f"{arg0}: 0: cannot open {args[0]}: No such file\n")
            return 2
        arg0, positional = args[0], args[1:]
    else:
        source, positional = None, list(args)
    variables = dict(ctx.env)
    variables.setdefault("PWD", ctx.cwd)
    state = ShellState(variables, set(ctx.env), list(positional), arg0, ctx.cwd, options=options)
    shell = Shell(ctx, state, dialect)
    io = Streams({0: ctx.input, 1: ctx.stdout, 2: ctx.stderr})
    if source is None:
        # commands from stdin, run as they arrive (interactive on the exec's terminal)
        shell.interactive = force_interactive or ctx.input.tty
        return Session(shell, io, interactive=shell.interactive).run()
    return shell.run_script(source, io, command_string=command)
