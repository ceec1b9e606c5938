"""Whether istiod accepts a mesh config text, and the error it gives when not.

istiod 1.26 reads the `mesh` key of its ConfigMap with `mesh.ApplyMeshConfig` (istio/istio
pkg/config/mesh/mesh.go): YAML converted to JSON (sigs.k8s.io/yaml `YAMLToJSON`), then
unmarshalled into the MeshConfig proto (istio/api mesh/v1alpha1/config.proto) by
`protomarshal.ApplyJSON`, which retries with unknown fields allowed: a misspelt field name is
ignored, not refused. What is refused is YAML that does not parse, a document that is not a
mapping, an enum value the proto does not know and a value of the wrong JSON type; the error
is prefixed `failed to convert to proto.` (`multierror.Prefix`). Enum errors are
github.com/golang/protobuf jsonpb's (decode.go: `unknown value %q for enum %s`, the raw JSON
token quoted). The lab checks the fields candidates edit; others are accepted as they are.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import yaml

_PREFIX = "failed to convert to proto. "
_ENUMS: dict[str, tuple[str, frozenset[str]]] = {
    "outboundTrafficPolicy.mode": (
        "istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy.Mode",
        frozenset({"REGISTRY_ONLY", "ALLOW_ANY"}),
    ),
    "accessLogEncoding": (
        "istio.mesh.v1alpha1.MeshConfig.AccessLogEncoding",
        frozenset({"TEXT", "JSON"}),
    ),
    "ingressControllerMode": (
        "istio.mesh.v1alpha1.MeshConfig.IngressControllerMode",
        frozenset({"UNSPECIFIED", "OFF", "DEFAULT", "STRICT"}),
    ),
    "h2UpgradePolicy": (
        "istio.mesh.v1alpha1.MeshConfig.H2UpgradePolicy",
        frozenset({"DO_NOT_UPGRADE", "UPGRADE"}),
    ),
}
_BOOLS = ("enableTracing", "enableAutoMtls", "enablePrometheusMerge")
_STRINGS = ("accessLogFile", "trustDomain", "rootNamespace", "ingressClass", "ingressService")


@functools.lru_cache(maxsize=128)
def mesh_config_error(text: str | None) -> str | None:
    """None when istiod would accept `text`; else the error `mesh.ApplyMeshConfig` returns."""
    if text is None or not text.strip():
        return None
    try:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        line = str(exc).replace("\n", " ")
        return f"{_PREFIX}error converting YAML to JSON: yaml: {line}"
    if doc is None:
        return None
    if not isinstance(doc, dict):
        return _type_error(doc, "map[string]json.RawMessage")
    for path, (enum, values) in _ENUMS.items():
        value = _lookup(doc, path)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            continue  # jsonpb takes an enum's number too
        if value not in values:
            token = json.dumps(value)
            return f"{_PREFIX}unknown value {json.dumps(token)} for enum {enum}"
    for key in _BOOLS:
        if doc.get(key) is not None and not isinstance(doc[key], bool):
            return _type_error(doc[key], "bool")
    for key in _STRINGS:
        if doc.get(key) is not None and not isinstance(doc[key], str):
            return _type_error(doc[key], "string")
    return None


def _type_error(value: Any, go_type: str) -> str:
    """encoding/json's UnmarshalTypeError, as jsonpb passes it on."""
    return f"{_PREFIX}json: cannot unmarshal {_json_type(value)} into Go value of type {go_type}"


def _json_type(value: Any) -> str:
    """encoding/json's name for a JSON value's type (UnmarshalTypeError)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _lookup(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node
