"""The Istio and Gateway API schemas: well-formed, matching the served kinds, and accepting the
manifests of istio.io's tasks while rejecting what the real API server rejects.

The structural checks read the YAML files directly; the manifests go through the API server's
validation (`validate_object`), so they see exactly what `kubectl apply` would.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from meshcert.kube import errors, schemas
from meshcert.kube.kinds import ResourceKind, split_api_version
from meshcert.kube.served_kinds import GATEWAY_API, ISTIO, default_registry
from meshcert.kube.validation import validate_object

SCHEMA_FILES = (
    "istio_networking.yaml",
    "istio_security.yaml",
    "istio_telemetry.yaml",
    "istio_install.yaml",
    "gateway_api.yaml",
)
REF_PREFIX = "#/components/schemas/"
GVK = "x-kubernetes-group-version-kind"
# Definitions of kubernetes.json that these files may refer to.
APIMACHINERY = (
    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector",
)
EXAMPLES = Path(__file__).parent / "istio_examples"
REGISTRY = default_registry()
SERVED = ISTIO + GATEWAY_API

# Keys a node of an OpenAPI v3 structural schema may carry in these files.
NODE_KEYS = frozenset(
    {
        "$ref",
        "description",
        "type",
        "format",
        "properties",
        "required",
        "items",
        "additionalProperties",
        "enum",
        "x-kubernetes-int-or-string",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-group-version-kind",
    }
)
TYPES = frozenset({"string", "integer", "number", "boolean", "object", "array"})


def load_file(name: str) -> dict[str, Any]:
    text = (resources.files("meshcert.kube") / "schemas" / name).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


FILES: dict[str, dict[str, Any]] = {name: load_file(name) for name in SCHEMA_FILES}
DEFS: dict[str, Any] = {k: v for data in FILES.values() for k, v in data.items()}


def nodes(schema: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema node below `schema` (itself included) with a path for messages."""
    assert isinstance(schema, dict), f"{where}: not a mapping"
    yield where, schema
    for name, sub in (schema.get("properties") or {}).items():
        yield from nodes(sub, f"{where}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from nodes(schema["items"], f"{where}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from nodes(schema["additionalProperties"], f"{where}{{}}")


def all_nodes() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, schema in DEFS.items():
        yield from nodes(schema, name)


# --- structure ----------------------------------------------------------------------------------


def test_no_definition_is_defined_twice() -> None:
    total = sum(len(data) for data in FILES.values())
    assert total == len(DEFS)


@pytest.mark.parametrize("file", SCHEMA_FILES)
def test_every_reference_resolves(file: str) -> None:
    dangling = [
        f"{where}: {node['$ref']}"
        for name, schema in FILES[file].items()
        for where, node in nodes(schema, name)
        if "$ref" in node
        and node["$ref"].removeprefix(REF_PREFIX) not in DEFS
        and node["$ref"].removeprefix(REF_PREFIX) not in APIMACHINERY
    ]
    assert dangling == []


def test_references_use_the_components_prefix() -> None:
    bad = [w for w, n in all_nodes() if "$ref" in n and not n["$ref"].startswith(REF_PREFIX)]
    assert bad == []


def test_every_definition_is_used_or_a_root() -> None:
    used = {n["$ref"].removeprefix(REF_PREFIX) for _, n in all_nodes() if "$ref" in n}
    orphans = [k for k, v in DEFS.items() if k not in used and not v.get(GVK)]
    assert orphans == []


def test_nodes_are_structural() -> None:
    problems: list[str] = []
    for where, node in all_nodes():
        extra = set(node) - NODE_KEYS
        if extra:
            problems.append(f"{where}: unexpected keys {sorted(extra)}")
        if "$ref" in node:
            if set(node) - {"$ref", "description"}:
                problems.append(f"{where}: $ref with more than a description")
            continue
        kind = node.get("type")
        if kind is None and not node.get("x-kubernetes-int-or-string"):
            problems.append(f"{where}: no type")
        if kind is not None and kind not in TYPES:
            problems.append(f"{where}: unknown type {kind}")
        if kind == "array" and "items" not in node:
            problems.append(f"{where}: array without items")
        if ("properties" in node or "additionalProperties" in node) and kind != "object":
            problems.append(f"{where}: fields on a {kind}")
        missing = set(node.get("required", ())) - set(node.get("properties", {}))
        if missing:
            problems.append(f"{where}: required {sorted(missing)} not among properties")
        wrong = [v for v in node.get("enum", ()) if not _fits(kind, v)]
        if wrong:
            problems.append(f"{where}: enum values {wrong} are not {kind}")
        if kind == "object" and not (
            "properties" in node
            or "additionalProperties" in node
            or node.get("x-kubernetes-preserve-unknown-fields")
        ):
            problems.append(f"{where}: object accepting nothing")
    assert problems == []


def _fits(kind: str | None, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return kind == "string" and isinstance(value, str)


def test_definitions_describe_themselves() -> None:
    undescribed = [name for name, schema in DEFS.items() if not schema.get("description")]
    assert undescribed == []


# --- roots --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rk", SERVED, ids=lambda rk: f"{rk.kind}.{rk.group}")
def test_served_kind_has_its_root(rk: ResourceKind) -> None:
    root = DEFS[rk.schema]
    expected = [{"group": rk.group, "version": v, "kind": rk.kind} for v in rk.versions]
    assert root[GVK] == expected
    props = root["properties"]
    assert props["apiVersion"]["type"] == "string"
    assert props["kind"]["type"] == "string"
    assert props["metadata"]["$ref"] == REF_PREFIX + APIMACHINERY[0]
    assert props["spec"]["$ref"].removeprefix(REF_PREFIX) in DEFS
    assert props["status"] == {
        "description": props["status"]["description"],
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
    }


def test_every_root_is_a_served_kind() -> None:
    roots = sorted(name for name, schema in DEFS.items() if GVK in schema)
    assert roots == sorted(rk.schema for rk in SERVED)


# --- istio.io manifests -------------------------------------------------------------------------


def example_documents() -> list[Any]:
    cases = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            ident = f"{path.stem}:{doc['kind']}/{doc['metadata']['name']}"
            cases.append(pytest.param(doc, id=ident))
    return cases


def served_kind(obj: dict[str, Any]) -> ResourceKind:
    group, version = split_api_version(obj["apiVersion"])
    rk = REGISTRY.by_kind(group, obj["kind"])
    assert rk is not None, f"{obj['apiVersion']} {obj['kind']} is not served"
    assert version in rk.versions
    return rk


def test_every_served_kind_has_an_example() -> None:
    kinds = {served_kind(p.values[0]).schema for p in example_documents()}
    assert kinds >= {rk.schema for rk in SERVED}


@pytest.mark.parametrize("obj", example_documents())
def test_istio_io_manifest_is_accepted(obj: dict[str, Any]) -> None:
    validate_object(served_kind(obj), obj)


VS: dict[str, Any] = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "VirtualService",
    "metadata": {"name": "reviews"},
    "spec": {
        "hosts": ["reviews"],
        "http": [{"route": [{"destination": {"host": "reviews", "subset": "v1"}}]}],
    },
}
PA: dict[str, Any] = {
    "apiVersion": "security.istio.io/v1",
    "kind": "PeerAuthentication",
    "metadata": {"name": "default"},
    "spec": {"mtls": {"mode": "STRICT"}},
}
HTTPROUTE: dict[str, Any] = {
    "apiVersion": "gateway.networking.k8s.io/v1",
    "kind": "HTTPRoute",
    "metadata": {"name": "httpbin"},
    "spec": {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": [{"name": "httpbin"}]}]},
}
DR: dict[str, Any] = {
    "apiVersion": "networking.istio.io/v1beta1",
    "kind": "DestinationRule",
    "metadata": {"name": "reviews"},
    "spec": {"host": "reviews"},
}


def changed(base: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    """A copy of `base` with the field at `path` set to `value` (or removed when value is ...)."""
    obj = copy.deepcopy(base)
    target: Any = obj
    for part in path[:-1]:
        target = target[part]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return obj


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        pytest.param(
            changed(VS, ("spec", "http", 0, "route", 0, "destination", "hostname"), "x"),
            'VirtualService in version "v1" cannot be handled as a VirtualService: strict '
            'decoding error: unknown field "spec.http[0].route[0].destination.hostname"',
            id="misspelt-field",
        ),
        pytest.param(
            changed(VS, ("spec", "http", 0, "retries"), {"attempts": 3, "perTryTimout": "2s"}),
            'VirtualService in version "v1" cannot be handled as a VirtualService: strict '
            'decoding error: unknown field "spec.http[0].retries.perTryTimout"',
            id="misspelt-nested-field",
        ),
        pytest.param(
            changed(VS, ("spec", "route"), []),
            'VirtualService in version "v1" cannot be handled as a VirtualService: strict '
            'decoding error: unknown field "spec.route"',
            id="field-at-wrong-level",
        ),
        pytest.param(
            changed(PA, ("spec", "selector"), {"labels": {"app": "x"}}),
            'PeerAuthentication in version "v1" cannot be handled as a PeerAuthentication: '
            'strict decoding error: unknown field "spec.selector.labels"',
            id="selector-labels-instead-of-matchLabels",
        ),
        pytest.param(
            changed(HTTPROUTE, ("spec", "rules", 0, "backendRefs", 0, "host"), "httpbin"),
            'HTTPRoute in version "v1" cannot be handled as a HTTPRoute: strict decoding '
            'error: unknown field "spec.rules[0].backendRefs[0].host"',
            id="gateway-api-unknown-field",
        ),
    ],
)
def test_unknown_field_is_a_bad_request(obj: dict[str, Any], message: str) -> None:
    with pytest.raises(errors.BadRequest) as caught:
        validate_object(served_kind(obj), obj)
    assert caught.value.message == message


@pytest.mark.parametrize(
    ("obj", "field", "message"),
    [
        pytest.param(
            changed(VS, ("spec", "http", 0, "route", 0, "weight"), "50"),
            "spec.http[0].route[0].weight",
            'Invalid value: "string": spec.http[0].route[0].weight in body must be of type '
            'integer: "string"',
            id="weight-as-string",
        ),
        pytest.param(
            changed(VS, ("spec", "hosts"), "reviews"),
            "spec.hosts",
            'Invalid value: "string": spec.hosts in body must be of type array: "string"',
            id="hosts-not-a-list",
        ),
        pytest.param(
            changed(PA, ("spec", "mtls", "mode"), "STRICKT"),
            "spec.mtls.mode",
            'Unsupported value: "STRICKT": supported values: "UNSET", "DISABLE", '
            '"PERMISSIVE", "STRICT"',
            id="mtls-mode-not-in-enum",
        ),
        pytest.param(
            changed(DR, ("spec", "host"), ...),
            "spec.host",
            "Required value",
            id="destination-rule-without-host",
        ),
        pytest.param(
            changed(VS, ("spec", "http", 0, "route", 0, "destination"), ...),
            "spec.http[0].route[0].destination",
            "Required value",
            id="route-without-destination",
        ),
        pytest.param(
            changed(HTTPROUTE, ("spec", "rules", 0, "backendRefs", 0, "port"), "80"),
            "spec.rules[0].backendRefs[0].port",
            'Invalid value: "string": spec.rules[0].backendRefs[0].port in body must be of '
            'type integer: "string"',
            id="gateway-api-port-as-string",
        ),
    ],
)
def test_invalid_value_is_rejected(obj: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(errors.Invalid) as caught:
        validate_object(served_kind(obj), obj)
    assert [(c.field, c.message) for c in caught.value.causes] == [(field, message)]


def test_catalogue_serves_these_definitions() -> None:
    served = {name: schemas.definition(name) for name in DEFS}
    assert served == DEFS
