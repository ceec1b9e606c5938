"""PeerAuthentication composition, data-driven (MeshView from manifests, document order =
creation order): the cases of istio/istio pilot/pkg/security/authn/policy_applier.go
ComposePeerAuthentication and pilot/pkg/model/authentication.go (addPeerAuthentication: one
namespace-level policy per namespace, the oldest; UNSET at mesh level is PERMISSIVE; UNSET
inherits; nothing = PERMISSIVE; workload policies in the root namespace are ignored)."""

from __future__ import annotations

from typing import Any

import pytest

from meshcert.mesh.security import mtls
from meshcert.mesh.view import MeshView

POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "httpbin", "namespace": "foo", "labels": {"app": "httpbin"}},
       "spec": {"containers": [{"name": "httpbin", "image": "kennethreitz/httpbin"},
                               {"name": "istio-proxy", "image": "istio/proxyv2"}]}}  # fmt: skip


def pa(namespace: str, mode: str | None = None, selector: bool = False,
       ports: dict[int, str | None] | None = None, name: str = "p") -> dict[str, Any]:  # fmt: skip
    spec: dict[str, Any] = {}
    if mode is not None:
        spec["mtls"] = {"mode": mode}
    if selector:
        spec["selector"] = {"matchLabels": {"app": "httpbin"}}
    if ports is not None:
        spec["portLevelMtls"] = {str(p): ({"mode": m} if m else {}) for p, m in ports.items()}
    return {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}  # fmt: skip


MESH = "istio-system"
CASES = [
    ("nothing", [], "PERMISSIVE", {}),
    ("mesh strict", [pa(MESH, "STRICT")], "STRICT", {}),
    ("mesh unset is permissive", [pa(MESH)], "PERMISSIVE", {}),
    ("namespace over mesh", [pa(MESH, "STRICT"), pa("foo", "DISABLE")], "DISABLE", {}),
    ("namespace unset inherits the mesh", [pa(MESH, "STRICT"), pa("foo", "UNSET")], "STRICT", {}),
    ("oldest namespace policy", [pa("foo", "STRICT", name="b"), pa("foo", "DISABLE", name="a")],
     "STRICT", {}),
    ("workload over namespace", [pa("foo", "STRICT"), pa("foo", "DISABLE", selector=True,
                                                         name="w")], "DISABLE", {}),
    ("workload unset inherits", [pa("foo", "STRICT"), pa("foo", selector=True, name="w")],
     "STRICT", {}),
    ("oldest workload policy", [pa("foo", "PERMISSIVE", selector=True, name="z"),
                                pa("foo", "STRICT", selector=True, name="y")], "PERMISSIVE", {}),
    ("root namespace selector ignored", [pa(MESH, "STRICT", selector=True)], "PERMISSIVE", {}),
    ("port level", [pa("foo", "STRICT", selector=True, ports={8080: "DISABLE"})], "STRICT",
     {8080: "DISABLE", 80: "STRICT"}),
    ("port unset inherits the workload", [pa(MESH, "STRICT"), pa("foo", "PERMISSIVE",
                                                                 selector=True,
                                                                 ports={80: None})],
     "PERMISSIVE", {80: "PERMISSIVE"}),
    ("port unset with workload unset", [pa(MESH, "STRICT"),
                                        pa("foo", selector=True, ports={80: "UNSET"})],
     "STRICT", {80: "STRICT"}),
    ("other namespace ignored", [pa("bar", "STRICT")], "PERMISSIVE", {}),
]  # fmt: skip


@pytest.mark.parametrize(("policies", "mode", "ports"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])  # fmt: skip
def test_composition(policies: list[dict[str, Any]], mode: str, ports: dict[int, str]) -> None:
    view = MeshView.from_manifests([*policies, POD])
    workload = view.workload("foo", "httpbin")
    assert workload is not None
    assert mtls.effective(view, workload).mode == mode
    for port, expected in ports.items():
        assert mtls.mode_for(view, workload, port) == expected


def test_root_namespace_comes_from_mesh_config() -> None:
    view = MeshView.from_manifests([pa("mesh-root", "STRICT"), POD], "rootNamespace: mesh-root")
    workload = view.workload("foo", "httpbin")
    assert workload is not None
    assert mtls.mode_for(view, workload, 80) == "STRICT"
