"""`time COMMAND...`: BusyBox's applet, the `time` of Alpine-based images such as
curlimages/curl (istio.io's egress-control page runs `kubectl exec ... -- time curl ...`).

It runs the command and then writes to stderr, in BusyBox's default format
(miscutils/time.c: `real\\t%E\\nuser\\t%u\\nsys\\t%T`, each `Mm S.CCs`):

    real	0m 5.01s
    user	0m 0.00s
    sys	0m 0.00s

Elapsed time counts simulated durations (a request the mesh delays by 5 s took 5 s, however
fast the lab answered); the lab does not model CPU time, so user and sys are 0.
"""

from __future__ import annotations

from .programs import ExecContext, ProgramNotFound

BUSYBOX_IMAGES = (
    "*/curlimages/curl:*",
    "*/library/busybox:*",
    "*/library/alpine:*",
)


def _clock(seconds: float) -> str:
    centis = round(seconds * 100)
    minutes, centis = divmod(centis, 6000)
    return f"{minutes}m {centis // 100}.{centis % 100:02d}s"


def time_program(ctx: ExecContext) -> int:
    args = ctx.argv[1:]
    if args and args[0] == "--":
        args = args[1:]
    if args and args[0].startswith("-") and args[0] not in ("-v", "-p"):
        ctx.err(f"time: unrecognized option '{args[0]}'\n")
        return 1
    if args and args[0] in ("-v", "-p"):
        ctx.err(f"time: option {args[0]} is not supported in the lab\n")
        return 1
    if not args:
        ctx.err("BusyBox v1.37.0 (2025-01-17 18:12:01 UTC) multi-call binary.\n\n"
                "Usage: time [-vpa] [-o FILE] PROG ARGS\n")  # fmt: skip
        return 1
    mark = ctx.budget.mark()
    try:
        code = ctx.run(args)
    except ProgramNotFound:
        ctx.err(f"time: can't execute '{args[0]}': No such file or directory\n")
        code = 127
    elapsed = ctx.budget.elapsed_since(mark)
    ctx.err(f"real\t{_clock(elapsed)}\nuser\t{_clock(0)}\nsys\t{_clock(0)}\n")
    return code


__all__ = ["BUSYBOX_IMAGES", "time_program"]
