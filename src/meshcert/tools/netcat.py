"""`nc HOST PORT` as busybox's netcat does it: standard input goes to the server, what the server
answers comes out (istio.io docs/tasks/traffic-management/tcp-traffic-shifting:
`echo hello | nc tcp-echo 9000` prints `hello hello`). `-v` reports the connection, `-z`
only probes, `-w SECS` is accepted."""

from __future__ import annotations

from meshcert.kube.execution import ExecContext
from meshcert.mesh import hosts
from meshcert.mesh.simulation.deliveries import Failure
from meshcert.mesh.simulation.engine import lookup
from meshcert.mesh.simulation.streams import exchange_tcp

USAGE = (
    "BusyBox v1.37.0 (2025-01-17 18:12:01 UTC) multi-call binary.\n\n"
    "Usage: nc [OPTIONS] HOST PORT  - connect\nnc [OPTIONS] -l -p PORT [HOST] [PORT]  - listen\n"
)


def nc(ctx: ExecContext) -> int:
    args = ctx.argv[1:]
    verbose = probe = False
    operands: list[str] = []
    while args:
        arg = args.pop(0)
        if arg.startswith("-") and len(arg) > 1:
            for i, letter in enumerate(arg[1:]):
                if letter == "v":
                    verbose = True
                elif letter == "z":
                    probe = True
                elif letter in "wWpsq":
                    if not arg[i + 2 :] and args:
                        args.pop(0)
                    break
                elif letter in "nNtu":
                    continue
                else:
                    ctx.err(f"nc: invalid option -- '{letter}'\n{USAGE}")
                    return 1
            continue
        operands.append(arg)
    if len(operands) != 2 or not operands[1].isdigit():
        ctx.err(USAGE)
        return 1
    host, port = operands[0], int(operands[1])
    with ctx.cluster.lock:
        address = host if hosts.is_ip(host) else lookup(ctx.cluster, ctx.pod, host)
    if address is None:
        ctx.err(f"nc: bad address '{host}'\n")
        return 1
    data = b"" if probe else ctx.stdin
    with ctx.cluster.lock:
        stream = exchange_tcp(ctx.cluster, ctx.pod, address, port, data, ctx.container)
    if stream.failure in (Failure.REFUSED, Failure.CONNECT_TIMEOUT):
        reason = "Connection refused" if stream.failure is Failure.REFUSED else "Timed out"
        ctx.err(f"nc: can't connect to remote host ({address}): {reason}\n")
        return 1
    if verbose:
        ctx.err(f"{host} ({address}:{port}) open\n")
    if stream.failure is Failure.RESET:
        return 0  # the proxy closed the connection: nothing comes back
    ctx.stdout.write(stream.data)
    return 0


__all__ = ["nc"]
