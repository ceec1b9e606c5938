"""Programs over the container's files: ls, mkdir, rmdir, rm, touch, cp, mv (GNU messages)."""

from __future__ import annotations

import posixpath

from .coreutils import format_time, usage_error
from .filesystem import FileSystemError
from .options import UsageError, parse_options
from .programs import ExecContext


def _entry_line(ctx: ExecContext, path: str, name: str, width: int) -> str:
    is_dir = ctx.fs.is_dir(path)
    mode = "drwxr-xr-x" if is_dir else "-rw-r--r--"
    links = 2 if is_dir else 1
    size = ctx.fs.size(path)
    when = format_time(ctx.cluster.clock.now(), "%b %e %H:%M")
    return f"{mode} {links} root root {size:>{width}} {when} {name}\n"


def _blocks(ctx: ExecContext, path: str) -> int:
    size = ctx.fs.size(path)
    return 4 if ctx.fs.is_dir(path) else (size + 4095) // 4096 * 4


def ls(ctx: ExecContext) -> int:
    spec = {"a": "all", "A": "almost", "l": "long", "1": "one", "d": "directory",
            "--all": "all", "--almost-all": "almost", "--directory": "directory",
            "--color=": "color", "h": "human", "--human-readable": "human"}  # fmt: skip
    try:
        opts = parse_options(ctx.argv, spec)
    except UsageError as exc:
        return usage_error(ctx, exc, 2)
    operands = opts.operands or ["."]
    status = 0
    files: list[str] = []
    dirs: list[str] = []
    for name in operands:
        path = ctx.path(name)
        if not ctx.fs.exists(path):
            ctx.err(f"ls: cannot access '{name}': No such file or directory\n")
            status = 2
        elif ctx.fs.is_dir(path) and not opts.has("directory"):
            dirs.append(name)
        else:
            files.append(name)
    files.sort()
    dirs.sort()
    out: list[str] = []
    out += _listing(ctx, [(ctx.path(f), f) for f in files], opts.has("long"), total=False)
    for index, name in enumerate(dirs):
        if files or index:
            out.append("\n")
        if len(operands) > 1:
            out.append(f"{name}:\n")
        path = ctx.path(name)
        entries = ctx.fs.listdir(path)
        if not (opts.has("all") or opts.has("almost")):
            entries = [e for e in entries if not e.startswith(".")]
        pairs = [(posixpath.join(path, e), e) for e in entries]
        if opts.has("all"):
            pairs = [(path, "."), (posixpath.dirname(path) or "/", ".."), *pairs]
        out += _listing(ctx, pairs, opts.has("long"), total=True)
    ctx.out("".join(out))
    return status


def _listing(
    ctx: ExecContext, pairs: list[tuple[str, str]], long: bool, *, total: bool
) -> list[str]:
    if not long:
        return [f"{name}\n" for _, name in pairs]
    width = max((len(str(ctx.fs.size(p))) for p, _ in pairs), default=1)
    lines = [f"total {sum(_blocks(ctx, p) for p, _ in pairs)}\n"] if total else []
    return lines + [_entry_line(ctx, p, name, width) for p, name in pairs]


def mkdir(ctx: ExecContext) -> int:
    spec = {"p": "parents", "--parents": "parents", "m:": "mode", "--mode=": "mode",
            "v": "verbose", "--verbose": "verbose"}  # fmt: skip
    try:
        opts = parse_options(ctx.argv, spec)
    except UsageError as exc:
        return usage_error(ctx, exc)
    if not opts.operands:
        ctx.err("mkdir: missing operand\nTry 'mkdir --help' for more information.\n")
        return 1
    status = 0
    for name in opts.operands:
        try:
            ctx.fs.mkdir(ctx.path(name), parents=opts.has("parents"))
        except FileSystemError as exc:
            ctx.err(f"mkdir: cannot create directory '{name}': {exc.reason}\n")
            status = 1
            continue
        if opts.has("verbose"):
            ctx.out(f"mkdir: created directory '{name}'\n")
    return status


def rmdir(ctx: ExecContext) -> int:
    status = 0
    for name in ctx.argv[1:]:
        try:
            ctx.fs.rmdir(ctx.path(name))
        except FileSystemError as exc:
            ctx.err(f"rmdir: failed to remove '{name}': {exc.reason}\n")
            status = 1
    return status


def rm(ctx: ExecContext) -> int:
    spec = {"r": "recursive", "R": "recursive", "f": "force", "v": "verbose", "i": "interactive",
            "--recursive": "recursive", "--force": "force", "--verbose": "verbose",
            "d": "dir", "--dir": "dir"}  # fmt: skip
    try:
        opts = parse_options(ctx.argv, spec)
    except UsageError as exc:
        return usage_error(ctx, exc)
    if not opts.operands and not opts.has("force"):
        ctx.err("rm: missing operand\nTry 'rm --help' for more information.\n")
        return 1
    status = 0
    for name in opts.operands:
        path = ctx.path(name)
        if path == "/" and opts.has("recursive"):
            ctx.err("rm: it is dangerous to operate recursively on '/'\n")
            ctx.err("rm: use --no-preserve-root to override this failsafe\n")
            status = 1
            continue
        if not ctx.fs.exists(path):
            if not opts.has("force"):
                ctx.err(f"rm: cannot remove '{name}': No such file or directory\n")
                status = 1
            continue
        if ctx.fs.is_dir(path) and not opts.has("recursive"):
            if opts.has("dir") and not ctx.fs.listdir(path):
                ctx.fs.rmdir(path)
                continue
            ctx.err(f"rm: cannot remove '{name}': Is a directory\n")
            status = 1
            continue
        ctx.fs.remove(path, recursive=True)
        if opts.has("verbose"):
            ctx.out(f"removed '{name}'\n")
    return status


def touch(ctx: ExecContext) -> int:
    operands = [a for a in ctx.argv[1:] if not a.startswith("-")]
    if not operands:
        ctx.err("touch: missing file operand\nTry 'touch --help' for more information.\n")
        return 1
    status = 0
    for name in operands:
        path = ctx.path(name)
        if ctx.fs.exists(path):
            continue
        try:
            ctx.fs.write(path, b"")
        except FileSystemError as exc:
            ctx.err(f"touch: cannot touch '{name}': {exc.reason}\n")
            status = 1
    return status


def _copy_or_move(ctx: ExecContext, *, move: bool) -> int:
    args = [a for a in ctx.argv[1:] if not a.startswith("-")]
    prog = ctx.program
    if len(args) < 2:
        missing = (
            "missing file operand"
            if not args
            else (f"missing destination file operand after '{args[0]}'")
        )
        ctx.err(f"{prog}: {missing}\nTry '{prog} --help' for more information.\n")
        return 1
    *sources, target = args
    target_path = ctx.path(target)
    into_dir = ctx.fs.is_dir(target_path)
    if len(sources) > 1 and not into_dir:
        ctx.err(f"{prog}: target '{target}' is not a directory\n")
        return 1
    status = 0
    for source in sources:
        src = ctx.path(source)
        dest = posixpath.join(target_path, posixpath.basename(src)) if into_dir else target_path
        try:
            if ctx.fs.is_dir(src):
                if not move and "-r" not in ctx.argv and "-R" not in ctx.argv:
                    ctx.err(f"{prog}: -r not specified; omitting directory '{source}'\n")
                    status = 1
                    continue
                _copy_tree(ctx, src, dest)
            else:
                ctx.fs.write(dest, ctx.fs.read(src))
            if move:
                ctx.fs.remove(src, recursive=True)
        except FileSystemError as exc:
            what = "stat" if not ctx.fs.exists(src) else ("move" if move else "create")
            shown = source if what == "stat" else dest
            ctx.err(f"{prog}: cannot {what} '{shown}': {exc.reason}\n")
            status = 1
    return status


def _copy_tree(ctx: ExecContext, src: str, dest: str) -> None:
    ctx.fs.mkdir(dest, exist_ok=True)
    for name in ctx.fs.listdir(src):
        child = posixpath.join(src, name)
        if ctx.fs.is_dir(child):
            _copy_tree(ctx, child, posixpath.join(dest, name))
        else:
            ctx.fs.write(posixpath.join(dest, name), ctx.fs.read(child))


def cp(ctx: ExecContext) -> int:
    return _copy_or_move(ctx, move=False)


def mv(ctx: ExecContext) -> int:
    return _copy_or_move(ctx, move=True)
