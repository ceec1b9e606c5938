"""Schema validation cost: the first schema lookup in a fresh process (loading the catalogue),
then the time to validate one Deployment, Pod and VirtualService as the API does on every
write. Prints a Markdown table (CPU time per call, best of five runs).

    python benchmarks/bench_validation.py
"""

from __future__ import annotations

import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "kube"))

from test_validation import DEPLOYMENT, POD, VIRTUALSERVICE, deployment, pod, virtual_service

from meshcert.kube.validation import validate_object

FIRST_LOOKUP = (
    "import time\n"
    "from meshcert.kube import schemas\n"
    "from meshcert.kube.served_kinds import default_registry\n"
    "pod = default_registry().by_plural('', 'pods')\n"
    "t = time.process_time()\n"
    "schemas.root(pod)\n"
    "schemas.patch_meta(pod, ('spec', 'containers'))\n"
    "print(time.process_time() - t)\n"
)


def per_call(kind: object, make: object, rounds: int = 2000) -> float:
    obj = make()  # type: ignore[operator]
    validate_object(kind, obj)  # type: ignore[arg-type]
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(rounds):
            validate_object(kind, obj)  # type: ignore[arg-type]
        best = min(best, (time.process_time() - start) / rounds)
    return best


def main() -> None:
    first = min(
        float(
            subprocess.run(
                [sys.executable, "-c", FIRST_LOOKUP], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(3)
    )
    rows = [("first schema lookup in a fresh process", f"{first * 1000:.1f} ms")]
    for name, kind, make in (
        ("validate a Deployment", DEPLOYMENT, deployment),
        ("validate a Pod", POD, pod),
        ("validate a VirtualService", VIRTUALSERVICE, virtual_service),
    ):
        rows.append((name, f"{per_call(kind, make) * 1e6:.0f} us"))
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}, CPU time\n")
    print("| measure | result |")
    print("|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
