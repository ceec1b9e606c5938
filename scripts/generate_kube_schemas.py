"""Generate `src/meshcert/kube/schemas/kubernetes.json` from kubernetes-validate's schemas.

Takes the Kubernetes 1.37 definitions reachable from the root schema of every built-in kind the
lab serves (plus their lists and the meta types the API answers with), turns them into OpenAPI v3
structural schemas (one type per node, `#/components/schemas/` references, int-or-string marked
with `x-kubernetes-int-or-string`) and writes them compactly with sorted keys.

    python scripts/generate_kube_schemas.py          # rewrite the file
    python scripts/generate_kube_schemas.py --check  # exit 1 if the file is out of date
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from meshcert.kube.served_kinds import ALL

KUBERNETES_VERSION = "v1.37.0"
OUTPUT = Path(__file__).resolve().parent.parent / "src/meshcert/kube/schemas/kubernetes.json"
SOURCE_PREFIX = "#/$defs/"
TARGET_PREFIX = "#/components/schemas/"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
# What the API answers with besides the kinds themselves (deletes, watches, errors, scale).
EXTRA_ROOTS = (
    "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
    "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions",
    "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent",
    "io.k8s.apimachinery.pkg.apis.meta.v1.Patch",
    "io.k8s.api.autoscaling.v1.Scale",
)
# Closed sets of values the API server enforces (marked +enum in Kubernetes' Go types, shown by
# `kubectl explain` as ENUM) that kubernetes-validate's schemas leave out.
_PROTOCOLS = ("SCTP", "TCP", "UDP")
_TRAFFIC_POLICIES = ("Cluster", "Local")
ENUMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("io.k8s.api.core.v1.Container", "imagePullPolicy"): ("Always", "IfNotPresent", "Never"),
    ("io.k8s.api.core.v1.Container", "terminationMessagePolicy"): (
        "FallbackToLogsOnError",
        "File",
    ),
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): _PROTOCOLS,
    ("io.k8s.api.core.v1.ServicePort", "protocol"): _PROTOCOLS,
    ("io.k8s.api.core.v1.PodSpec", "restartPolicy"): ("Always", "Never", "OnFailure"),
    ("io.k8s.api.core.v1.PodSpec", "dnsPolicy"): (
        "ClusterFirst",
        "ClusterFirstWithHostNet",
        "Default",
        "None",
    ),
    ("io.k8s.api.core.v1.ServiceSpec", "type"): (
        "ClusterIP",
        "ExternalName",
        "LoadBalancer",
        "NodePort",
    ),
    ("io.k8s.api.core.v1.ServiceSpec", "sessionAffinity"): ("ClientIP", "None"),
    ("io.k8s.api.core.v1.ServiceSpec", "externalTrafficPolicy"): _TRAFFIC_POLICIES,
    ("io.k8s.api.core.v1.ServiceSpec", "internalTrafficPolicy"): _TRAFFIC_POLICIES,
    ("io.k8s.api.apps.v1.DeploymentStrategy", "type"): ("Recreate", "RollingUpdate"),
    ("io.k8s.api.apps.v1.StatefulSetSpec", "podManagementPolicy"): ("OrderedReady", "Parallel"),
    ("io.k8s.api.core.v1.Toleration", "operator"): ("Equal", "Exists"),
}
# Keys carried over from the source schemas; everything else (e.g. `$schema`) is dropped.
KEPT_KEYS = frozenset(
    {
        "description",
        "type",
        "format",
        "enum",
        "required",
        "properties",
        "items",
        "additionalProperties",
        "$ref",
        "oneOf",
    }
)


def source_definitions() -> dict[str, Any]:
    """The `$defs` of kubernetes-validate's schemas for KUBERNETES_VERSION."""
    root = resources.files("kubernetes_validate") / "kubernetes-json-schema"
    path = root / f"{KUBERNETES_VERSION}-local" / "_definitions.json"
    defs: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["$defs"]
    return defs


def roots(defs: dict[str, Any]) -> list[str]:
    """Root definitions: each built-in served kind, its list, and EXTRA_ROOTS."""
    out: list[str] = []
    for kind in ALL:
        if not kind.schema.startswith("io.k8s.") or kind.schema not in defs:
            continue
        out.append(kind.schema)
        if f"{kind.schema}List" in defs:
            out.append(f"{kind.schema}List")
    out.extend(EXTRA_ROOTS)
    return out


def _refs(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.append(value.removeprefix(SOURCE_PREFIX))
            else:
                found.extend(_refs(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_refs(item))
    return found


def reachable(defs: dict[str, Any], start: list[str]) -> list[str]:
    """Every definition reachable from `start` through references, in sorted order."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_refs(defs[name]))
    return sorted(seen)


def _normalise_type(value: Any) -> str | None:
    types = [t for t in (value if isinstance(value, list) else [value]) if t != "null"]
    return types[0] if len(types) == 1 else None


def normalise(node: dict[str, Any]) -> dict[str, Any]:
    """One schema node in the catalogue's form (see the module docstring)."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "type":
            single = _normalise_type(value)
            if single is not None:
                out["type"] = single
        elif key == "$ref":
            out["$ref"] = TARGET_PREFIX + value.removeprefix(SOURCE_PREFIX)
        elif key == "properties":
            out["properties"] = {name: normalise(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = normalise(value)
        elif key == "oneOf":
            out["oneOf"] = [normalise(sub) for sub in value]
        elif key in KEPT_KEYS or key.startswith("x-kubernetes-"):
            out[key] = value
    return out


def definition(name: str, node: dict[str, Any]) -> dict[str, Any]:
    """The catalogue's form of definition `name`, with Kubernetes' special types spelled out."""
    out = normalise(node)
    if name == INT_OR_STRING:
        return {
            "description": "An int32 or a string: either form is accepted and kept as given.",
            "format": "int-or-string",
            "x-kubernetes-int-or-string": True,
        }
    if name == QUANTITY:
        out.setdefault(
            "description",
            "A fixed-point number written as a string with an optional suffix "
            "(e.g. 100m, 1Gi, 2) or as a plain number.",
        )
        return out
    props = out.get("properties", {})
    for (owner, field), values in ENUMS.items():
        if owner == name:
            props[field]["enum"] = list(values)
    if "x-kubernetes-group-version-kind" in out:
        # kubernetes-validate pins apiVersion/kind with an enum; the API server's schemas don't.
        for field in ("apiVersion", "kind"):
            if field in props:
                props[field].pop("enum", None)
    return out


def build() -> str:
    """The text of kubernetes.json."""
    defs = source_definitions()
    names = reachable(defs, roots(defs))
    out = {name: definition(name, defs[name]) for name in names}
    return json.dumps(out, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = build()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is out of date: run {Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
