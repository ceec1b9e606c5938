"""The programs every container image has: the shell and the coreutils."""

from __future__ import annotations

from . import archiving, coreutils, fileutils, grepping, textutils, timing
from .programs import ExecContext, Program, ProgramRegistry


def shell_program(ctx: ExecContext) -> int:
    """`sh` / `bash`, loaded on first use (the parser's node classes take ~30 ms to import,
    which a lab start need not pay)."""
    from .shell import shell_program as run_shell

    return run_shell(ctx)


SHIPPED: dict[str, Program] = {
    "sh": shell_program,
    "bash": shell_program,
    "echo": coreutils.echo,
    "printf": coreutils.printf,
    "cat": coreutils.cat,
    "env": coreutils.env,
    "hostname": coreutils.hostname,
    "sleep": coreutils.sleep,
    "seq": coreutils.seq,
    "test": coreutils.test,
    "[": coreutils.test,
    "true": coreutils.true,
    "false": coreutils.false,
    "date": coreutils.date,
    "tee": coreutils.tee,
    "which": coreutils.which,
    "xargs": coreutils.xargs,
    "whoami": coreutils.whoami,
    "id": coreutils.id_,
    "uname": coreutils.uname,
    "pwd": coreutils.pwd,
    "grep": grepping.grep,
    "head": textutils.head,
    "tail": textutils.tail,
    "wc": textutils.wc,
    "sort": textutils.sort,
    "uniq": textutils.uniq,
    "cut": textutils.cut,
    "tr": textutils.tr,
    "ls": fileutils.ls,
    "mkdir": fileutils.mkdir,
    "rmdir": fileutils.rmdir,
    "rm": fileutils.rm,
    "touch": fileutils.touch,
    "cp": fileutils.cp,
    "mv": fileutils.mv,
    "tar": archiving.tar,  # what `kubectl cp` runs in the container
}


def shipped_programs() -> ProgramRegistry:
    """A registry holding the shipped programs, available in every image."""
    registry = ProgramRegistry()
    for name, program in SHIPPED.items():
        registry.register(name, program)
    registry.register("time", timing.time_program, images=timing.BUSYBOX_IMAGES)
    return registry
