"""`tar`: what `kubectl cp` runs in the container (kubernetes/kubectl pkg/cmd/cp/cp.go: upload
streams an archive into `tar -xmf - -C DIR`, download reads `tar cf - PATH`), plus the
everyday forms `tar cf|xf|tf FILE [-C DIR] [PATH...]` with `v` and `z`.

Modes: `c` create, `x` extract, `t` list; flags `f FILE` (`-` = stdin/stdout), `v` verbose,
`z` gzip, `m` (ignore mtimes: always so here), `-C DIR`. Options come bundled as in `tar xf`
or `tar -xmf`, or one by one. Messages as busybox / GNU tar print them.
"""

from __future__ import annotations

import io
import posixpath
import tarfile

from .filesystem import FileSystemError
from .programs import ExecContext

_FLAGS = set("cxtfvzmoph")


def _parse(argv: list[str]) -> tuple[str, dict[str, str], list[str]] | str:
    """(mode, options, operands) or a usage message."""
    args = list(argv[1:])
    mode = ""
    opts: dict[str, str] = {}
    operands: list[str] = []
    first = True
    while args:
        arg = args.pop(0)
        if arg == "-C" or arg == "--directory":
            if not args:
                return "option requires an argument -- 'C'"
            opts["C"] = args.pop(0)
            continue
        if arg.startswith("--directory="):
            opts["C"] = arg.split("=", 1)[1]
            continue
        bundle = arg[1:] if arg.startswith("-") and not arg.startswith("--") else ""
        if first and not arg.startswith("-"):
            bundle = arg
        first = False
        if not bundle:
            operands.append(arg)
            continue
        for letter in bundle:
            if letter not in _FLAGS:
                return f"invalid option -- '{letter}'"
            if letter in "cxt":
                mode = letter
            elif letter == "f":
                if not args:
                    return "option requires an argument -- 'f'"
                opts["f"] = args.pop(0)
            else:
                opts[letter] = ""
    if not mode:
        return "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options"
    return mode, opts, operands


def tar(ctx: ExecContext) -> int:
    """`tar` over the container's file system."""
    parsed = _parse(ctx.argv)
    if isinstance(parsed, str):
        ctx.err(f"tar: {parsed}\nTry 'tar --help' or 'tar --usage' for more information.\n")
        return 2
    mode, opts, operands = parsed
    base = ctx.path(opts.get("C", "."))
    target = opts.get("f", "-")
    compression = "gz" if "z" in opts else ""
    try:
        if mode == "c":
            return _create(ctx, base, target, operands, compression, "v" in opts)
        data = ctx.stdin if target == "-" else ctx.read_file(target)
        return _read(ctx, data, mode, base, compression, "v" in opts)
    except FileSystemError as exc:
        ctx.err(f"tar: {exc.path}: {exc.reason}\n")
        return 2
    except tarfile.TarError:
        ctx.err("tar: This does not look like a tar archive\ntar: Exiting with failure status "
                "due to previous errors\n")  # fmt: skip
        return 2


def _create(ctx: ExecContext, base: str, target: str, paths: list[str], compression: str,
            verbose: bool) -> int:  # fmt: skip
    if not paths:
        ctx.err("tar: Cowardly refusing to create an empty archive\n")
        return 2
    buffer = io.BytesIO()
    with (
        tarfile.open(fileobj=buffer, mode="w:gz")
        if compression
        else tarfile.open(fileobj=buffer, mode="w") as out
    ):
        for path in paths:
            _add(ctx, out, base, path, verbose)
    data = buffer.getvalue()
    if target == "-":
        ctx.stdout.write(data)
    else:
        ctx.open_output(target).write(data)
    return 0


def _add(ctx: ExecContext, out: tarfile.TarFile, base: str, path: str, verbose: bool) -> None:
    full = posixpath.normpath(posixpath.join(base, path))
    name = path.lstrip("/") or "."
    fs = ctx.fs
    if fs.is_dir(full):
        info = tarfile.TarInfo(name.rstrip("/") + "/")
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
        out.addfile(info)
        if verbose:
            ctx.err(info.name + "\n")
        for child in sorted(fs.listdir(full)):
            _add(ctx, out, base, posixpath.join(path, child), verbose)
        return
    data = fs.read(full)
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o644
    out.addfile(info, io.BytesIO(data))
    if verbose:
        ctx.err(name + "\n")


def _read(ctx: ExecContext, data: bytes, mode: str, base: str, compression: str,
          verbose: bool) -> int:  # fmt: skip
    source = io.BytesIO(data)
    with (
        tarfile.open(fileobj=source, mode="r:gz")
        if compression
        else tarfile.open(fileobj=source, mode="r:*") as archive
    ):
        for member in archive.getmembers():
            name = member.name
            if mode == "t":
                ctx.out(name + ("/" if member.isdir() and not name.endswith("/") else "") + "\n")
                continue
            dest = posixpath.normpath(posixpath.join(base, name.lstrip("/")))
            if member.isdir():
                ctx.fs.mkdir(dest, parents=True, exist_ok=True)
            elif member.isfile():
                parent = posixpath.dirname(dest)
                if parent and not ctx.fs.is_dir(parent):
                    ctx.fs.mkdir(parent, parents=True, exist_ok=True)
                extracted = archive.extractfile(member)
                ctx.fs.write(dest, extracted.read() if extracted is not None else b"")
            else:
                continue
            if verbose:
                ctx.out(name + "\n")
    return 0


__all__ = ["tar"]
