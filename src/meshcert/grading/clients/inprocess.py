"""`InProcessClient`: the `KubeClient` over a lab's `Cluster` object, without HTTP.

The one grading module allowed to import simulator internals (an import-linter contract keeps
the rest of `meshcert.grading` out). Reads return copies, so a check can never change the lab.
Programs run as `kubectl exec` and the workstation `istioctl` run them in the lab; by default
the simulated durations of requests are counted but not waited for (the lab's time scale is 0
while a grading exec runs), so a behaviour check of 50 requests takes milliseconds, as the
verdict does not depend on wall time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from meshcert.kube.cluster import Cluster
from meshcert.kube.copying import clone
from meshcert.kube.errors import KubeError
from meshcert.kube.execution import run_exec
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.selectors import parse_label_selector
from meshcert.mesh.simulation.state import TIME_SCALE_KEY
from meshcert.tools.istioctl import run_istioctl

from ..client import ClientError, ExecOutcome, Obj, decode


class InProcessClient:
    """Grade a lab in the same process: `cluster` is the lab's cluster."""

    def __init__(self, cluster: Cluster, *, wait_simulated_time: bool = False) -> None:
        self.cluster = cluster
        self.wait_simulated_time = wait_simulated_time

    def _kind(self, api_version: str, kind: str) -> ResourceKind:
        found = self.cluster.registry.for_object(api_version, kind)
        if found is None:
            raise ClientError(f'no matches for kind "{kind}" in version "{api_version}"')
        return found

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Obj | None:
        rk = self._kind(api_version, kind)
        obj = self.cluster.find(rk, namespace if rk.namespaced else "", name)
        return clone(obj) if obj is not None else None

    def list(
        self, api_version: str, kind: str, namespace: str | None = None, selector: str = ""
    ) -> list[Obj]:
        rk = self._kind(api_version, kind)
        try:
            labels = parse_label_selector(selector) if selector else None
        except KubeError as exc:
            raise ClientError(exc.message) from exc
        items = self.cluster.list(rk, namespace if rk.namespaced else None, labels)
        items = sorted(items, key=lambda o: (o["metadata"].get("namespace", ""),
                                             o["metadata"]["name"]))  # fmt: skip
        return [clone(o) for o in items]

    def exec(self, namespace: str, pod: str, container: str, argv: Sequence[str]) -> ExecOutcome:
        try:
            with self._time():
                result = run_exec(self.cluster, namespace, pod, container, list(argv))
        except KubeError as exc:
            raise ClientError(exc.message) from exc
        return ExecOutcome(result.exit_code, decode(result.stdout), decode(result.stderr))

    def istioctl(self, argv: Sequence[str]) -> ExecOutcome:
        code, out, err = run_istioctl(self.cluster, list(argv))
        return ExecOutcome(code, out, err)

    @contextlib.contextmanager
    def _time(self) -> Iterator[None]:
        if self.wait_simulated_time:
            yield
            return
        extensions = self.cluster.extensions
        saved = extensions.get(TIME_SCALE_KEY, None)
        extensions[TIME_SCALE_KEY] = 0.0
        try:
            yield
        finally:
            if saved is None:
                extensions.pop(TIME_SCALE_KEY, None)
            else:
                extensions[TIME_SCALE_KEY] = saved


__all__ = ["InProcessClient"]
