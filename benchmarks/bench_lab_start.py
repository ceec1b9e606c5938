"""`meshcert lab up --detach` until the first successful `kubectl get ns`: target median < 1 s.

Measured as a user sees it: the venv's `meshcert` console script is spawned (interpreter start
included), and once it returns, as `meshcert lab up --detach && kubectl get ns` would, the real
kubectl runs `get ns` until it succeeds (its discovery cache starts empty: every lab has a new
port). The clock runs from the spawn to kubectl's exit. `meshcert lab down` follows each run,
untimed. Two cases:

- steady: one MESHCERT_HOME for all runs, after an untimed warm-up run; every lab finds the spare
  serving certificate its predecessor left (`meshcert.lab.certificates`), as a user's labs do
  from the second one on. The benchmark waits for the previous lab server to exit first.
- first lab: a fresh MESHCERT_HOME per run, so the server makes its certificate (and loads the
  `cryptography` package) while the user waits: a user's very first lab.

The package is byte-compiled first, as an installed wheel is.
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import harness
from harness import (
    kubectl_binary,
    kubectl_env,
    median,
    meshcert_binary,
    percentile,
    tcp_nodelay_env,
    temp_home,
)

TARGET_SECONDS = 1.0
KUBECTL_ATTEMPTS = 50


@dataclass
class Run:
    total: float  # spawn of `lab up` -> exit of the first successful `kubectl get ns`
    up: float  # spawn of `lab up` -> its exit (the lab answers)
    kubectl: float  # `lab up` exit -> exit of the first successful `kubectl get ns`
    attempts: int  # `kubectl get ns` runs needed
    cli_cpu: float  # CPU (user + system) of the `lab up` process
    server_cpu: float  # CPU of the lab server process when `lab up` returned
    kubectl_cpu: float  # CPU of the `kubectl get ns` process(es)
    down: float = 0.0  # `lab down` (not part of the total)


def _env(home: Path, kubeconfig: Path, nodelay: bool) -> dict[str, str]:
    env = {**kubectl_env(home, kubeconfig), "MESHCERT_HOME": str(home)}
    if nodelay:
        env |= tcp_nodelay_env(home / "what-if")
    return env


def _children_cpu() -> float:
    """User + system CPU seconds of this process's waited-for children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (from /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_gone(pid: int, timeout: float = 15) -> None:
    """Until process `pid` has exited (a zombie counts as gone: nobody may reap it here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.01)
    raise RuntimeError(f"the lab server (pid {pid}) did not exit")


SCENARIO: list[str] = []  # `--scenario NAME` passed on to `lab up` (the base scenario if empty)


def one_run(home: Path, kubeconfig: Path, nodelay: bool = False) -> tuple[Run, int]:
    """One timed `lab up --detach` + `kubectl get ns` loop; then `lab down` (untimed)."""
    env = _env(home, kubeconfig, nodelay)
    kubectl = [kubectl_binary(), "--kubeconfig", str(kubeconfig), "get", "ns"]
    usage = _children_cpu()
    started = time.perf_counter()
    up = subprocess.run(
        [meshcert_binary(), "lab", "up", "--detach", "--kubeconfig", str(kubeconfig), *SCENARIO],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    up_done = time.perf_counter()
    if up.returncode != 0:
        raise RuntimeError(f"lab up failed ({up.returncode}): {up.stdout}{up.stderr}")
    match = re.search(r"pid (\d+)", up.stdout)
    if match is None:
        raise RuntimeError(f"no pid in the output of lab up:\n{up.stdout}")
    pid = int(match.group(1))
    server_cpu = _process_cpu(pid)
    cli_cpu, usage = _children_cpu() - usage, _children_cpu()
    attempts = 0
    while True:
        attempts += 1
        got = subprocess.run(kubectl, env=env, capture_output=True, text=True, check=False)
        if got.returncode == 0:
            break
        if attempts >= KUBECTL_ATTEMPTS:
            raise RuntimeError(f"kubectl get ns never succeeded: {got.stderr}")
    done = time.perf_counter()
    kubectl_cpu = _children_cpu() - usage
    if "kube-system" not in got.stdout:
        raise RuntimeError(f"unexpected `kubectl get ns` output:\n{got.stdout}")
    down_started = time.perf_counter()
    down = subprocess.run(
        [meshcert_binary(), "lab", "down", "--kubeconfig", str(kubeconfig)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    down_done = time.perf_counter()
    if down.returncode != 0:
        raise RuntimeError(f"lab down failed: {down.stdout}{down.stderr}")
    run = Run(
        done - started,
        up_done - started,
        done - up_done,
        attempts,
        cli_cpu,
        server_cpu,
        kubectl_cpu,
        down_done - down_started,
    )
    return run, pid


def steady(runs: int, nodelay: bool = False) -> list[Run]:
    results: list[Run] = []
    with temp_home() as home:
        kubeconfig = home / "kubeconfig"
        for index in range(runs + 1):
            run, pid = one_run(home, kubeconfig, nodelay)
            _wait_gone(pid)  # it leaves the spare certificate on its way out
            if index > 0:  # the first run is the warm-up
                results.append(run)
    return results


def first_lab(runs: int) -> list[Run]:
    results: list[Run] = []
    for _ in range(runs):
        with temp_home() as home:
            run, pid = one_run(home, home / "kubeconfig")
            _wait_gone(pid)
            results.append(run)
    return results


def baseline(runs: int) -> dict[str, float]:
    """Medians of what no lab can beat: an empty interpreter, and kubectl against nothing."""
    import sys

    def timed(command: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        return time.perf_counter() - started

    return {
        "python -c pass": median([timed([sys.executable, "-c", "pass"]) for _ in range(runs)]),
        "kubectl version --client": median(
            [timed([kubectl_binary(), "version", "--client"]) for _ in range(runs)]
        ),
    }


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def table(rows: dict[str, list[Run]]) -> None:
    print(
        "| case | runs | median ms | p90 ms | min ms | max ms | "
        "lab up returns (median ms) | then kubectl get ns (median ms) | kubectl attempts | "
        "CPU ms: lab up / server until ready / kubectl (medians) | lab down (median ms) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, runs in rows.items():
        totals = [r.total for r in runs]
        print(
            f"| {name} | {len(runs)} | {_ms(median(totals))} | {_ms(percentile(totals, 90))} | "
            f"{_ms(min(totals))} | {_ms(max(totals))} | {_ms(median([r.up for r in runs]))} | "
            f"{_ms(median([r.kubectl for r in runs]))} | {max(r.attempts for r in runs)} | "
            f"{_ms(median([r.cli_cpu for r in runs]))} / "
            f"{_ms(median([r.server_cpu for r in runs]))} / "
            f"{_ms(median([r.kubectl_cpu for r in runs]))} | "
            f"{_ms(median([r.down for r in runs]))} |"
        )


_PROFILE_CHILD = """
import asyncio, cProfile, io, pstats, sys, time
from pathlib import Path

started = time.perf_counter()
profiler = cProfile.Profile()
profiler.enable()
from meshcert.lab.hosting import serve
from meshcert.lab.launching import ServeOptions

home = Path(sys.argv[1])
stop = asyncio.Event()


def on_ready(ready):
    profiler.disable()
    print(f"ready after {(time.perf_counter() - started) * 1000:.0f} ms under the profiler\\n")
    stop.set()


asyncio.run(serve(ServeOptions(home, "profiled", home / "kubeconfig"), on_ready, stop))
out = io.StringIO()
stats = pstats.Stats(profiler, stream=out)
stats.sort_stats("cumtime").print_stats(35)
stats.sort_stats("tottime").print_stats(15)
print(out.getvalue().strip())
"""


def profile_server() -> None:
    """cProfile of one lab server process from interpreter start to ready (steady case)."""
    import sys

    from meshcert.lab.certificates import make_spare

    with temp_home() as home:
        make_spare(home)
        done = subprocess.run(
            [sys.executable, "-c", _PROFILE_CHILD, str(home)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "MESHCERT_HOME": str(home)},
        )
    print("Lab server, interpreter start -> ready, under cProfile:\n")
    print("```\n" + done.stdout.strip() + "\n```\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per case (default 15)")
    parser.add_argument(
        "--what-if-nodelay",
        action="store_true",
        help="also measure the steady case with TCP_NODELAY on the lab's sockets (harness.py)",
    )
    parser.add_argument(
        "--profile-server",
        action="store_true",
        help="also print a cProfile of one lab server process from start to ready",
    )
    parser.add_argument("--scenario", help="the scenario to start (default: base)")
    args = parser.parse_args()
    if args.scenario:
        SCENARIO[:] = ["--scenario", args.scenario]
    import meshcert

    compileall.compile_dir(Path(meshcert.__file__).parent, quiet=1)
    harness.header(
        "lab up --detach -> first kubectl get ns"
        + (f" (scenario {args.scenario})" if args.scenario else "")
    )
    if args.profile_server:
        profile_server()
    rows = {"steady (spare certificate)": steady(args.runs), "first lab": first_lab(args.runs)}
    if args.what_if_nodelay:
        rows["steady, what-if TCP_NODELAY"] = steady(args.runs, nodelay=True)
    table(rows)
    print()
    print("| baseline | median ms |")
    print("|---|---|")
    for name, seconds in baseline(args.runs).items():
        print(f"| `{name}` | {_ms(seconds)} |")
    verdict = median([r.total for r in rows["steady (spare certificate)"]])
    print(
        f"\nTarget: median < {TARGET_SECONDS * 1000:.0f} ms (steady): "
        f"{'met' if verdict < TARGET_SECONDS else 'MISSED'} ({_ms(verdict)} ms)."
    )


if __name__ == "__main__":
    main()
