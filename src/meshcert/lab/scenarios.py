"""Scenarios: files of manifests a lab is seeded with when it starts.

Every lab starts from the shipped `base` scenario (the namespaces a fresh cluster has and one
control-plane Node); another scenario's manifests are applied on top, as `kubectl apply` would
(created, or merged into an object of the same name that already exists). A scenario is named
(`base`, shipped under `scenarios/`) or given as a path to a YAML file.

A scenario may install Istio before its manifests with one document holding an `istio:` step
(no `kind`): `istio: {set: [profile=demo]}` runs what `istioctl install --set profile=demo -y`
does, so the manifests after it see the control plane (and injection) a real install gives.
A document `workers: [{name, region, zone, subzone}]` adds Ready worker Nodes with topology
labels (for locality load balancing). A document `gatewayAPI: true` installs the Gateway API
CRDs first (`meshcert.kube.gateway_api`), as the istio.io pages that use the Gateway API ask
for.

A document `then: <what happens>` (no `kind`) starts a later phase: the manifests after it are
applied once everything before has settled (pods created and injected, proxies given their
configuration), in a transaction of their own. A broken state that is a history needs it: a
stale proxy is istiod scaled to 0 after the workloads got their configuration, then a change.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meshcert.kube.errors import AlreadyExists, KubeError

from .errors import ScenarioError

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

BASE = "base"
NODE_NAME = "meshcert-control-plane"
SHIPPED_DIR = Path(__file__).with_name("scenarios")

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    """A named list of manifests; `source` says where they came from (for messages)."""

    name: str
    manifests: tuple[Manifest, ...]
    source: str
    istio: tuple[str, ...] | None = None  # `--set` flags of an Istio install step, if any
    gateway_api: bool = False  # install the Gateway API CRDs before the manifests
    later: tuple[tuple[Manifest, ...], ...] = ()  # phases after `then:` steps, in order


def shipped_scenarios() -> list[str]:
    """Names of the scenarios that ship with meshcert."""
    return sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml"))


def is_path(ref: str) -> bool:
    """A path (a `/` or a YAML suffix); a bare name is a shipped scenario, and only a name no
    scenario has may be a file in the current directory."""
    if "/" in ref or ref.endswith((".yaml", ".yml")):
        return True
    return ref not in shipped_scenarios() and Path(ref).is_file()


def check_reference(ref: str) -> None:
    """Cheap check that `ref` names a shipped scenario or an existing file (no parsing)."""
    if is_path(ref):
        path = Path(ref).expanduser()
        if not path.is_file():
            raise ScenarioError(f"scenario file {ref!r} does not exist")
    elif ref not in shipped_scenarios():
        raise ScenarioError(
            f"unknown scenario {ref!r}: use one of {', '.join(shipped_scenarios())} "
            "or a path to a YAML file of manifests"
        )


def load_scenario(ref: str) -> Scenario:
    """The scenario named `ref`, or read from the YAML file at path `ref`."""
    check_reference(ref)
    if is_path(ref):
        path = Path(ref).expanduser().resolve()
        name = str(path)
    else:
        path, name = SHIPPED_DIR / f"{ref}.yaml", ref
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read scenario {ref!r}: {exc}") from exc
    istio: list[tuple[str, ...]] = []
    steps: list[str] = []
    phases: list[int] = []
    manifests = parse_manifests(text, str(path), istio, steps, phases)
    bounds = [0, *phases, len(manifests)]
    first, *later = (manifests[a:b] for a, b in itertools.pairwise(bounds))
    return Scenario(name, first, str(path), istio[0] if istio else None,
                    "gatewayAPI" in steps, tuple(later))  # fmt: skip


def parse_manifests(
    text: str,
    source: str,
    istio: list[tuple[str, ...]] | None = None,
    steps: list[str] | None = None,
    phases: list[int] | None = None,
) -> tuple[Manifest, ...]:
    """The objects of a multi-document YAML text (`kind: List` documents are unpacked); an
    `istio:` step document is appended to `istio` (as its `--set` flags), a `gatewayAPI:
    true` step to `steps` and a `then:` step to `phases` (as the index of the first manifest
    after it) when those lists are given."""
    import yaml  # here: checking a scenario's name must stay cheap

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present
        documents = list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{source}: not valid YAML: {exc}") from exc
    manifests: list[Manifest] = []
    for number, doc in enumerate(documents, start=1):
        if doc is None:
            continue
        if istio is not None and isinstance(doc, dict) and "istio" in doc and "kind" not in doc:
            step = doc.get("istio") or {}
            flags = step.get("set") if isinstance(step, dict) else None
            if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
                raise ScenarioError(f"{source}: document {number}: istio.set must list strings")
            istio.append(tuple(flags))
            continue
        is_step = isinstance(doc, dict) and "kind" not in doc
        if steps is not None and is_step and "gatewayAPI" in doc:
            if doc.get("gatewayAPI") is not True:
                raise ScenarioError(f"{source}: document {number}: gatewayAPI must be true")
            steps.append("gatewayAPI")
            continue
        if is_step and "workers" in doc:
            manifests.extend(worker_nodes(doc.get("workers"), f"{source}: document {number}"))
            continue
        if phases is not None and is_step and "then" in doc:
            if not isinstance(doc.get("then"), str):
                raise ScenarioError(f"{source}: document {number}: then must say what happens")
            phases.append(len(manifests))
            continue
        if not isinstance(doc, dict):
            raise ScenarioError(f"{source}: document {number} is not a mapping of fields")
        items = doc.get("items") if str(doc.get("kind", "")).endswith("List") else [doc]
        for item in items or []:
            if not isinstance(item, dict):
                raise ScenarioError(f"{source}: document {number} has an item that is no object")
            meta = item.get("metadata")
            missing = [f for f in ("apiVersion", "kind") if not item.get(f)]
            if not (isinstance(meta, dict) and meta.get("name")):
                missing.append("metadata.name")
            if missing:
                raise ScenarioError(f"{source}: document {number} lacks {', '.join(missing)}")
            manifests.append(item)
    return tuple(manifests)


def worker_nodes(spec: Any, where: str, first_index: int = 1) -> list[Manifest]:
    """Ready worker Nodes from a `workers:` step: `[{name, region, zone, subzone}]`, the
    topology labels a cloud provider sets (`topology.kubernetes.io/region|zone`, Istio's
    `topology.istio.io/subzone`), for locality load balancing."""
    from meshcert.kube.controllers.nodes import node_manifest as kind_node

    if not isinstance(spec, list) or not spec:
        raise ScenarioError(f"{where}: workers must list nodes ({{name, region, zone}})")
    out = []
    for offset, item in enumerate(spec):
        if not isinstance(item, dict) or not item.get("name"):
            raise ScenarioError(f"{where}: every worker needs a name")
        node = kind_node(str(item["name"]), index=first_index + offset)
        labels = node["metadata"]["labels"]
        for key, label in (("region", "topology.kubernetes.io/region"),
                           ("zone", "topology.kubernetes.io/zone"),
                           ("subzone", "topology.istio.io/subzone")):  # fmt: skip
            if item.get(key):
                labels[label] = str(item[key])
        out.append(node)
    return out


def node_manifest(cluster: Cluster) -> Manifest:
    """The lab's one control-plane Node, Ready since the lab started."""
    from meshcert.kube.clock import timestamp
    from meshcert.kube.controllers.nodes import node_manifest as kind_node

    return kind_node(NODE_NAME, control_plane=True, created=timestamp(cluster.clock.now()))


def seed(cluster: Cluster, scenario: Scenario) -> None:
    """Apply the base scenario, then `scenario` (unless it is the base) to a new cluster. An
    Istio install step settles first (istiod Ready, as `istioctl install` waits for it), so the
    manifests after it are injected at once, as they are after a real install."""
    with cluster.transaction():
        base = scenario if scenario.name == BASE else load_scenario(BASE)
        apply_manifests(cluster, (*base.manifests, node_manifest(cluster)), base.source)
        if scenario.gateway_api:
            from meshcert.kube import gateway_api

            gateway_api.install(cluster)
        if scenario.name != BASE and scenario.istio is not None:
            install_istio(cluster, scenario.istio, scenario.source)
    if scenario.name != BASE:
        for manifests in (scenario.manifests, *scenario.later):
            with cluster.transaction():
                apply_manifests(cluster, manifests, scenario.source)


def install_istio(cluster: Cluster, flags: tuple[str, ...], source: str) -> None:
    """The scenario's Istio install step: `istioctl install -y` with these `--set` flags."""
    from meshcert.mesh.install import InstallError, effective_spec, install

    try:
        install(cluster, effective_spec(cluster, [], list(flags)))
    except (InstallError, KubeError) as exc:
        raise ScenarioError(f"{source}: istio install step: {exc}") from exc


def apply_manifests(cluster: Cluster, manifests: tuple[Manifest, ...], source: str) -> None:
    for manifest in manifests:
        meta = manifest.get("metadata") or {}
        what = f"{manifest.get('kind')} {meta.get('name')!r}"
        try:
            kind = cluster.kind_of(manifest)
            namespace = str(meta.get("namespace", "")) if kind.namespaced else ""
            try:
                cluster.create(kind, manifest, namespace)
            except AlreadyExists:
                current = cluster.get(kind, namespace or "default", str(meta["name"]))
                merged = merge_patch(copy.deepcopy(current), manifest)
                merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
                cluster.update(kind, merged, namespace or "default")
        except KubeError as exc:
            raise ScenarioError(f"{source}: {what}: {exc.message}") from exc


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: maps merge key by key, `null` deletes, the rest replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = merge_patch(target.get(key), value)
    return target


__all__ = [
    "BASE",
    "NODE_NAME",
    "Scenario",
    "apply_manifests",
    "check_reference",
    "load_scenario",
    "parse_manifests",
    "seed",
    "shipped_scenarios",
]
