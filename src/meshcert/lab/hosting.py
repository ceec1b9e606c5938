"""The process that serves a lab: `python -m meshcert.lab.hosting --lab-id ID ...`.

`meshcert lab up` runs `serve` in the foreground, or spawns this module (`--detach`), which
reports on a pipe (`--ready-fd`) once the API answers: one line, `ready {json}` or
`error <exit code> <message>`. SIGTERM and SIGINT stop it gracefully; the lab's state stays
on disk, so `meshcert lab up --resume` brings it back (after a crash too).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import LabError
from .launching import Ready, ServeOptions
from .state import LabFiles

SPARE_DELAY = 3.0


async def serve(
    options: ServeOptions,
    on_ready: Callable[[Ready], None],
    stop: asyncio.Event | None = None,
) -> None:
    """Start (or resume) the lab, write its kubeconfig, report, and serve until `stop`."""
    from . import kubeconfig
    from .certificates import new_certificate
    from .labs import LabHost

    files = LabFiles.of(options.lab_id, options.home)
    stop = stop or asyncio.Event()
    if options.resume:
        cert_pem, key_pem = _saved_certificate(files)
        host = LabHost(home=options.home, cert_pem=cert_pem, key_pem=key_pem)
        lab = await host.resume(options.lab_id, port=options.port)
    else:
        cert_pem, key_pem = new_certificate(options.home)
        host = LabHost(home=options.home, cert_pem=cert_pem, key_pem=key_pem)
        lab = await host.create(options.scenario, port=options.port or 0, lab_id=options.lab_id)
    ready = False
    try:
        kubeconfig.add_entry(options.kubeconfig, host.kubeconfig_entry(lab))
        files.write(files.kubeconfig, f"{options.kubeconfig.expanduser().resolve()}\n")
        assert lab.port is not None
        on_ready(
            Ready(
                lab.id,
                host.url(lab),
                lab.port,
                str(options.kubeconfig),
                str(files.dir),
                lab.scenario,
                os.getpid(),
                options.resume,
            )
        )
        ready = True
        spare = asyncio.create_task(_make_spare_later(options.home))
        await stop.wait()
        spare.cancel()
    finally:
        await host.stop()
        if not ready and not options.resume:
            files.discard_state()  # a lab nobody could reach leaves only its log behind
    if ready:
        _make_spare(options.home)  # for the next `lab up`, if the lab was too short-lived


async def _make_spare_later(home: Path) -> None:
    """Once the new lab has had its first requests, make the next lab's certificate."""
    await asyncio.sleep(SPARE_DELAY)
    await asyncio.to_thread(_make_spare, home)


def _make_spare(home: Path) -> None:
    from .certificates import make_spare

    try:
        make_spare(home)
    except OSError as exc:
        print(f"could not make a spare certificate: {exc}", file=sys.stderr)


def _saved_certificate(files: LabFiles) -> tuple[bytes | None, bytes | None]:
    """The certificate a lab was served with (clients trust it), if it is still there."""
    try:
        return files.cert.read_bytes(), files.key.read_bytes()
    except OSError:
        return None, None


def run(options: ServeOptions, on_ready: Callable[[Ready], None]) -> None:
    """Serve in this process until SIGTERM or SIGINT (Ctrl-C)."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve(options, on_ready, stop)

    from meshcert.kube.apiserver.serving import new_event_loop

    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(main())


def _parse(argv: list[str]) -> tuple[ServeOptions, int | None]:
    parser = argparse.ArgumentParser(prog="python -m meshcert.lab.hosting")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--lab-id", required=True)
    parser.add_argument("--kubeconfig", type=Path, required=True)
    parser.add_argument("--scenario", default="base")
    parser.add_argument("--port", type=int)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--ready-fd", type=int)
    ns = parser.parse_args(argv)
    options = ServeOptions(ns.home, ns.lab_id, ns.kubeconfig, ns.scenario, ns.port, ns.resume)
    return options, ns.ready_fd


def main(argv: list[str] | None = None) -> int:
    options, ready_fd = _parse(sys.argv[1:] if argv is None else argv)

    def report(line: str) -> None:
        if ready_fd is None:
            print(line, flush=True)
            return
        os.write(ready_fd, line.encode() + b"\n")
        os.close(ready_fd)

    reported = False

    def on_ready(ready: Ready) -> None:
        nonlocal reported
        report(f"ready {ready.to_json()}")
        reported = True

    try:
        run(options, on_ready)
    except LabError as exc:
        print(f"error: {exc.message}", file=sys.stderr, flush=True)
        if not reported:
            report(f"error {exc.exit_code} {exc.message}")
        return exc.exit_code
    except BaseException as exc:
        if not reported and not isinstance(exc, KeyboardInterrupt):
            report(f"error 1 the lab server failed: {exc!r} (see the server log)")
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
