"""The schema catalogue: lookups, patch metadata, field schemas, and the generated file."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from meshcert.kube import schemas
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.schemas import REF_PREFIX, PatchMeta
from meshcert.kube.served_kinds import ALL, default_registry

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = default_registry()


def kind(group: str, plural: str) -> ResourceKind:
    rk = REGISTRY.by_plural(group, plural)
    assert rk is not None
    return rk


POD = kind("", "pods")
DEPLOYMENT = kind("apps", "deployments")
SERVICE = kind("", "services")


@pytest.mark.parametrize(
    ("rk", "path", "expected"),
    [
        (
            DEPLOYMENT,
            ("spec", "template", "spec", "containers"),
            PatchMeta("merge", "name", "map", ("name",)),
        ),
        (
            DEPLOYMENT,
            ("spec", "template", "spec", "containers", "env"),
            PatchMeta("merge", "name", "map", ("name",)),
        ),
        (
            POD,
            ("spec", "containers", "volumeMounts"),
            PatchMeta("merge", "mountPath", "map", ("mountPath",)),
        ),
        (
            POD,
            ("spec", "containers", "ports"),
            PatchMeta("merge", "containerPort", "map", ("containerPort", "protocol")),
        ),
        (POD, ("spec", "volumes"), PatchMeta("merge,retainKeys", "name", "map", ("name",))),
        (POD, ("spec", "imagePullSecrets"), PatchMeta("merge", "name", "map", ("name",))),
        (SERVICE, ("spec", "ports"), PatchMeta("merge", "port", "map", ("port", "protocol"))),
        (POD, ("status", "conditions"), PatchMeta("merge", "type", "map", ("type",))),
        (POD, ("metadata", "ownerReferences"), PatchMeta("merge", "uid", "map", ("uid",))),
        (DEPLOYMENT, ("spec", "strategy"), PatchMeta("retainKeys")),
        (DEPLOYMENT, ("spec", "replicas"), PatchMeta()),
        (POD, ("spec", "containers", "args"), PatchMeta(list_type="atomic")),
        (DEPLOYMENT, ("spec", "foo"), None),
        (DEPLOYMENT, ("metadata", "labels", "app"), PatchMeta()),
        (DEPLOYMENT, (), None),
    ],
    ids=[
        "containers",
        "env",
        "volumeMounts",
        "container-ports",
        "volumes-retainKeys",
        "imagePullSecrets",
        "service-ports",
        "conditions",
        "ownerReferences",
        "strategy-retainKeys",
        "scalar",
        "atomic-list",
        "unknown-field",
        "map-value",
        "root",
    ],
)
def test_patch_meta(rk: ResourceKind, path: tuple[str, ...], expected: PatchMeta | None) -> None:
    assert schemas.patch_meta(rk, path) == expected


def test_definition_unknown_name_raises_key_error() -> None:
    with pytest.raises(KeyError):
        schemas.definition("io.k8s.api.core.v1.NoSuchThing")


@pytest.mark.parametrize(
    ("node", "expected_description_start"),
    [
        ({"$ref": REF_PREFIX + "io.k8s.api.core.v1.PodSpec"}, "PodSpec is"),
        (
            {"allOf": [{"$ref": REF_PREFIX + "io.k8s.api.core.v1.PodSpec"}], "description": "x"},
            "PodSpec is",
        ),
        ({"type": "string", "description": "plain"}, "plain"),
    ],
    ids=["ref", "allOf-wrapper", "no-ref"],
)
def test_resolve(node: dict[str, object], expected_description_start: str) -> None:
    assert str(schemas.resolve(node)["description"]).startswith(expected_description_start)


@pytest.mark.parametrize(
    ("rk", "path", "expected_type"),
    [
        (DEPLOYMENT, ("spec", "replicas"), "integer"),
        (DEPLOYMENT, ("spec", "template", "spec", "containers"), "array"),
        (DEPLOYMENT, ("spec", "template", "spec", "containers", "image"), "string"),
        (POD, ("spec",), "object"),
        (POD, ("metadata", "labels"), "object"),
        (POD, ("spec", "containers", "livenessProbe", "timeoutSeconds"), "integer"),
    ],
    ids=["replicas", "containers", "container-image", "pod-spec", "labels", "nested-probe"],
)
def test_field_schema_type(rk: ResourceKind, path: tuple[str, ...], expected_type: str) -> None:
    found = schemas.field_schema(rk, path)
    assert found is not None
    assert found["type"] == expected_type


def test_field_schema_keeps_the_fields_own_description() -> None:
    found = schemas.field_schema(POD, ("spec",))
    assert found is not None
    assert "properties" in found  # PodSpec's fields
    assert found["description"].startswith("Specification of the desired behavior of the pod")


def test_field_schema_unknown_path_is_none() -> None:
    assert schemas.field_schema(POD, ("spec", "nope")) is None


def test_int_or_string_is_marked() -> None:
    found = schemas.field_schema(DEPLOYMENT, ("spec", "strategy", "rollingUpdate", "maxSurge"))
    assert found is not None
    assert found["x-kubernetes-int-or-string"] is True


@pytest.mark.parametrize("rk", ALL, ids=[f"{k.kind}.{k.group or 'core'}" for k in ALL])
def test_every_served_kind_has_a_root_with_its_gvk(rk: ResourceKind) -> None:
    root = schemas.root(rk)
    assert root.get("type", "object") == "object"
    gvks = root.get("x-kubernetes-group-version-kind")
    assert isinstance(gvks, list)
    assert {"group": rk.group, "version": rk.preferred_version, "kind": rk.kind} in gvks


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        out = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        for value in node.values():
            out.extend(_refs(value))
        return out
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def test_every_reference_resolves() -> None:
    cat = schemas.shared_catalogue()
    for name in cat.names():
        for ref in _refs(cat.definition(name)):
            assert ref.startswith(REF_PREFIX), (name, ref)
            cat.definition(ref.removeprefix(REF_PREFIX))


def test_no_definition_is_in_two_files() -> None:
    folder = ROOT / "src/meshcert/kube/schemas"
    owner: dict[str, str] = {}
    clashes: list[str] = []
    for path in sorted(folder.glob("*.json")) + sorted(folder.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        for name in data:
            if name in owner:
                clashes.append(f"{name}: {owner[name]} and {path.name}")
            owner[name] = path.name
    assert clashes == []


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "generate_kube_schemas", ROOT / "scripts/generate_kube_schemas.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_kubernetes_json_is_what_the_generator_writes() -> None:
    committed = (ROOT / "src/meshcert/kube/schemas/kubernetes.json").read_text(encoding="utf-8")
    assert _generator().build() == committed


def test_loading_is_lazy() -> None:
    """Importing the catalogue loads no schema; the first lookup does (its cost is measured by
    benchmarks/bench_validation.py)."""
    code = (
        "from meshcert.kube import schemas\n"
        "from meshcert.kube.served_kinds import default_registry\n"
        "assert schemas.shared_catalogue()._owner is None, 'loaded at import'\n"
        "pod = default_registry().by_plural('', 'pods')\n"
        "schemas.root(pod)\n"
        "print(schemas.patch_meta(pod, ('spec', 'containers')) is not None)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out == "True\n"


def _folder(tmp_path: Path, files: dict[str, str]) -> schemas.Catalogue:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return schemas.Catalogue(tmp_path)


def test_catalogue_parses_only_the_file_that_defines_a_name(tmp_path: Path) -> None:
    cat = _folder(
        tmp_path,
        {
            "a.yaml": "# comment\nio.a.One:\n  type: string\n'io.a.Two':\n  type: integer\n",
            "b.yaml": '"io.b.Three":\n  type: object\n  properties:\n    x: {type: string}\n',
            "kubernetes.json": '{"io.k8s.Four": {"type": "boolean"}}',
        },
    )
    assert cat.definition("io.a.Two") == {"type": "integer"}
    assert cat.definition("io.k8s.Four") == {"type": "boolean"}
    assert cat._parsed == {"a.yaml", "kubernetes.json"}
    assert cat.definition("io.b.Three")["properties"] == {"x": {"type": "string"}}
    assert list(cat.names()) == ["io.a.One", "io.a.Two", "io.b.Three", "io.k8s.Four"]


def test_catalogue_finds_names_the_key_scan_misses(tmp_path: Path) -> None:
    cat = _folder(tmp_path, {"a.yaml": "{io.flow.Style: {type: string}}\n"})
    assert cat.definition("io.flow.Style") == {"type": "string"}
    with pytest.raises(KeyError):
        cat.definition("io.flow.Missing")


def test_kubernetes_json_wins_over_a_yaml_file(tmp_path: Path) -> None:
    cat = _folder(
        tmp_path,
        {
            "a.yaml": "io.k8s.Same:\n  type: string\n",
            "kubernetes.json": '{"io.k8s.Same": {"type": "object"}}',
        },
    )
    assert cat.definition("io.k8s.Same") == {"type": "object"}
