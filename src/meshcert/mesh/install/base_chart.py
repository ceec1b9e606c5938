"""The base chart ("Istio core"): Istio's CRDs and the reader service account.

One CustomResourceDefinition per Istio kind the lab serves, named `<plural>.<group>` with the
chart's labels (istio/istio manifests/charts/base/files/crd-all.gen.yaml). The lab's API
serves these kinds whether or not the CRD objects exist; the objects are what `kubectl get
crd` lists.
"""

from __future__ import annotations

from typing import Any

from meshcert.kube.kinds import KindRegistry, ResourceKind

from .settings import Settings, stamp
from .versions import ISTIO_VERSION

Obj = dict[str, Any]
ISTIO_GROUP_SUFFIX = "istio.io"


def istio_kinds(registry: KindRegistry) -> list[ResourceKind]:
    """Served Istio kinds (not install.istio.io's IstioOperator? it has a CRD too)."""
    return sorted(
        (k for k in registry if not k.builtin and k.group.endswith(ISTIO_GROUP_SUFFIX)),
        key=lambda k: (k.group, k.plural),
    )


def crd(kind: ResourceKind) -> Obj:
    storage = kind.versions[-1]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": f"{kind.plural}.{kind.group}",
            "labels": {
                "app": "istio-pilot",
                "chart": "istio",
                "heritage": "Tiller",
                "release": "istio",
                "app.kubernetes.io/part-of": "istio",
                "app.kubernetes.io/version": ISTIO_VERSION,
            },
            "annotations": {"helm.sh/resource-policy": "keep"},
        },
        "spec": {
            "group": kind.group,
            "names": {
                "kind": kind.kind,
                "listKind": kind.list_kind,
                "plural": kind.plural,
                "singular": kind.singular,
                **({"shortNames": list(kind.short_names)} if kind.short_names else {}),
                **({"categories": list(kind.categories)} if kind.categories else {}),
            },
            "scope": "Namespaced" if kind.namespaced else "Cluster",
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": version == storage,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "x-kubernetes-preserve-unknown-fields": True,
                        }
                    },
                    **({"subresources": {"status": {}}} if "status" in kind.subresources else {}),
                }
                for version in kind.versions
            ],
        },
    }


def render_base(settings: Settings, registry: KindRegistry) -> list[Obj]:
    labels = settings.owner_labels("Base")
    out = [stamp(crd(kind), labels) for kind in istio_kinds(registry)]
    out.append(
        stamp(
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {
                    "name": "istio-reader-service-account",
                    "namespace": settings.namespace,
                    "labels": {"app": "istio-reader", "release": "istio"},
                },
            },
            labels,
        )
    )
    return out
