"""The control plane: istiod's health per revision and the push model (docs/mesh.md).

What other parts of `meshcert.mesh` call (all take the cluster; hold `cluster.lock` or call
from inside a request, as everything in the mesh does):

- `revision_of_proxy(pod) -> str`: the revision whose istiod serves a proxy (sidecar, gateway,
  ztunnel): the pod's `istio.io/rev` label, else the `revision` of its `sidecar.istio.io/status`
  annotation, else `"default"`. A pod without a proxy still answers (the revision that would
  serve it); ask `has_sidecar(pod)` first when that matters.
- `pushed_version(cluster, revision) -> int | None`: the cluster resourceVersion of the last
  configuration push for that revision. While the revision's istiod is healthy this is the
  cluster's current resourceVersion (the push follows the cluster); from the moment it turns
  unhealthy it stays at the resourceVersion just before the change that broke it, until istiod
  is healthy again. None when the revision has no istiod (never installed, or uninstalled): its
  proxies have no control plane, so they keep whatever they had (callers decide; usually they
  treat it like a frozen view at the last version they saw).
- `pushed_mesh_config(cluster, revision) -> str | None`: the mesh config text istiod pushes
  with: the `mesh` text of the ConfigMap `istio` (or `istio-<rev>`) while istiod accepts it; a
  text it rejects is logged and ignored (istiod 1.25+ keeps its last known state, pkg/config/
  mesh/meshwatcher/collection.go), and an istiod started on a rejected text runs on Istio's
  defaults (""). `MeshView.of` takes its mesh config from here. None when the revision has no
  istiod.
- `revision_health(cluster, revision) -> RevisionHealth | None`: healthy or not, and why
  (`reason` is a one-line explanation such as `istiod has no available replicas`); it also
  carries the ConfigMap's text and the error istiod logs for it, which leave istiod healthy.
- `installed_revisions(cluster) -> list[str]`: revisions with an istiod Deployment.
- `add_push_listener(cluster, fn)`: `fn(cluster, revision, version)` is called (inside the
  write transaction that changed health) when a revision stops pushing (`version` is the frozen
  resourceVersion) and when it resumes (`version` is the current one). Use it to snapshot a
  view at the moment a revision freezes: the store then holds the breaking change itself (an
  istiod Deployment edit or its pod's status), nothing else newer than `version`.

Names of things (istio/istio manifests/charts/istio-control/istio-discovery): revision
"default" is the unrevisioned install (`istiod`, ConfigMap `istio`, webhook
`istio-sidecar-injector`); any other revision R has `istiod-R`, `istio-R`,
`istio-sidecar-injector-R`. `istiod_name(rev)`, `mesh_configmap_name(rev)` and
`injector_webhook_name(rev)` spell them.

Registered on a cluster by `register(cluster)` (called through `meshcert.tools.equipment`): one
controller that tracks health and pushes, writes istiod's logs, retries pods the injection
webhook refused once an istiod answers, deploys Gateway API gateways of class `istio` and
`istio-waypoint` as istiod does (gateways.py), marks ambient-enrolled pods as istio-cni does
(ambient.py). No I/O; imports only `meshcert.kube` and `meshcert.mesh`.
"""

from __future__ import annotations

from .health import RevisionHealth, installed_revisions, revision_health
from .naming import (
    DEFAULT_REVISION,
    ISTIO_NAMESPACE,
    has_sidecar,
    injector_webhook_name,
    istiod_name,
    mesh_configmap_name,
    revision_of_proxy,
)
from .pushing import (
    PushListener,
    add_push_listener,
    pushed_mesh_config,
    pushed_version,
    register,
)

__all__ = [
    "DEFAULT_REVISION",
    "ISTIO_NAMESPACE",
    "PushListener",
    "RevisionHealth",
    "add_push_listener",
    "has_sidecar",
    "injector_webhook_name",
    "installed_revisions",
    "istiod_name",
    "mesh_configmap_name",
    "pushed_mesh_config",
    "pushed_version",
    "register",
    "revision_health",
    "revision_of_proxy",
]
