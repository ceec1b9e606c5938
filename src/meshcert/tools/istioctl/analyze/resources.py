"""The objects an analysis reads, and where they come from.

A `Resource` is one Kubernetes or Istio object with the origin istioctl prints: its friendly
name `<Kind> <namespace>/<name>` (`<Kind> <name>` when cluster-scoped: the kind and
resource.FullName, as recent istioctl prints it, e.g. `(DestinationRule default/reviews)` on
istio.io's ist0173 page and in Istio's analyzers_test.go; older releases printed
`<name>.<namespace>`, which older istio.io pages still show) and, for files, `<file>:<line>`
(Position.String, no line for .json files).

Sources implement `Reader` (`read() -> list[Resource]`):
- `LabReader`: the in-process cluster's store (the lab, and `run_istioctl` in tests);
- `FileReader`: manifests given on the command line, documents split on `---` with the line
  each starts on (pkg/config/analysis/local: files are layered on top of the cluster);
- a reader over a real cluster's API through a kubeconfig is the same interface; it is not
  written yet (docs/istioctl.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

import yaml

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

NET = "networking.istio.io"
SEC = "security.istio.io"

# kind -> (group, plural, namespaced): what the analyzers read
KINDS: dict[str, tuple[str, str, bool]] = {
    "Namespace": ("", "namespaces", False),
    "Pod": ("", "pods", True),
    "Service": ("", "services", True),
    "Secret": ("", "secrets", True),
    "ConfigMap": ("", "configmaps", True),
    "Deployment": ("apps", "deployments", True),
    "MutatingWebhookConfiguration": (
        "admissionregistration.k8s.io", "mutatingwebhookconfigurations", False),
    "VirtualService": (NET, "virtualservices", True),
    "DestinationRule": (NET, "destinationrules", True),
    "Gateway": (NET, "gateways", True),
    "ServiceEntry": (NET, "serviceentries", True),
    "Sidecar": (NET, "sidecars", True),
    "PeerAuthentication": (SEC, "peerauthentications", True),
    "RequestAuthentication": (SEC, "requestauthentications", True),
    "AuthorizationPolicy": (SEC, "authorizationpolicies", True),
}  # fmt: skip


@dataclass(frozen=True)
class Resource:
    kind: str
    namespace: str
    name: str
    obj: Mapping[str, Any] = field(compare=False, repr=False)
    file: str = ""
    line: int = 0
    # for objects from files: the line of each field, by path ("spec", "http", 0, ...)
    lines: Mapping[tuple[str | int, ...], int] = field(default_factory=dict, compare=False,
                                                       repr=False)  # fmt: skip

    @cached_property
    def metadata(self) -> Mapping[str, Any]:
        return self.obj.get("metadata") or {}

    @cached_property
    def labels(self) -> Mapping[str, str]:
        return self.metadata.get("labels") or {}

    @cached_property
    def annotations(self) -> Mapping[str, str]:
        return self.metadata.get("annotations") or {}

    @cached_property
    def spec(self) -> Mapping[str, Any]:
        spec = self.obj.get("spec")
        return spec if isinstance(spec, Mapping) else {}

    @property
    def full_name(self) -> str:
        """resource.FullName: `namespace/name`, or `name` when cluster-scoped."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @property
    def friendly_name(self) -> str:
        return f"{self.kind} {self.full_name}"

    @property
    def origin_namespace(self) -> str:
        """The namespace messages on this resource belong to (a Namespace's is its name)."""
        return self.name if self.kind == "Namespace" else self.namespace

    def reference(self, line: int = 0) -> str:
        if not self.file:
            return ""
        if self.file.endswith(".json") or not (line or self.line):
            return self.file
        return f"{self.file}:{line or self.line}"


class Reader(Protocol):
    """A source of resources: the lab, files, or a cluster's API."""

    def read(self) -> list[Resource]: ...


Lines = Mapping[tuple[str | int, ...], int]


def resource_of(obj: Mapping[str, Any], default_namespace: str, file: str = "", line: int = 0,
                lines: Lines | None = None) -> Resource | None:  # fmt: skip
    kind = str(obj.get("kind") or "")
    if kind not in KINDS:
        return None
    group = KINDS[kind][0]
    api_group = str(obj.get("apiVersion") or "").rpartition("/")[0]
    if api_group != group:
        return None  # e.g. a Gateway API Gateway
    meta = obj.get("metadata") or {}
    namespaced = KINDS[kind][2]
    namespace = str(meta.get("namespace") or default_namespace) if namespaced else ""
    return Resource(kind, namespace, str(meta.get("name") or ""), obj, file, line, lines or {})


@dataclass
class LabReader:
    """Every analyzed kind from an in-process cluster."""

    cluster: Cluster

    def read(self) -> list[Resource]:
        out: list[Resource] = []
        registry = self.cluster.registry
        with self.cluster.lock:
            for kind, (group, plural, namespaced) in KINDS.items():
                rk = registry.by_plural(group, plural)
                if rk is None:
                    continue
                for obj in self.cluster.store.list(rk):
                    meta = obj.get("metadata") or {}
                    ns = str(meta.get("namespace") or "") if namespaced else ""
                    out.append(Resource(kind, ns, str(meta.get("name") or ""), obj))
        return out


class FileParseError(Exception):
    """A file that is not YAML or JSON objects (istioctl: "Error(s) adding files")."""


def split_documents(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each `---`-separated document."""
    docs: list[tuple[int, str]] = []
    start, lines = 1, list[str]()
    for number, line in enumerate(text.splitlines(), start=1):
        if line.rstrip() == "---" or line.startswith("--- "):
            docs.append((start, "\n".join(lines)))
            start, lines = number + 1, []
        else:
            lines.append(line)
    docs.append((start, "\n".join(lines)))
    return docs


@dataclass
class FileReader:
    """Manifests from files (name -> text); objects without a namespace go to `namespace`."""

    files: list[tuple[str, str]]
    namespace: str = "default"
    errors: list[str] = field(default_factory=list)

    def read(self) -> list[Resource]:
        out: list[Resource] = []
        for name, text in self.files:
            try:
                out.extend(self._parse(name, text))
            except FileParseError as exc:
                self.errors.append(f"{name}: {exc}")
        return out

    def _parse(self, name: str, text: str) -> Iterable[Resource]:
        found: list[Resource] = []
        for start, chunk in split_documents(text):
            try:
                doc = yaml.load(chunk, Loader=_Loader)
            except yaml.YAMLError as exc:
                raise FileParseError(str(exc).replace("\n", " ")) from exc
            if doc is None:
                continue
            if not isinstance(doc, Mapping):
                raise FileParseError("not an object")
            lines = field_lines(chunk, start)
            is_list = str(doc.get("kind", "")).endswith("List")
            items = doc.get("items") if is_list else [doc]
            for i, item in enumerate(items or []):
                if isinstance(item, Mapping):
                    prefix: tuple[str | int, ...] = ("items", i) if is_list else ()
                    mine = {
                        p[len(prefix) :]: n for p, n in lines.items() if p[: len(prefix)] == prefix
                    }
                    line = _first_content_line(chunk, start)
                    r = resource_of(item, self.namespace, name, line, mine)
                    if r is not None:
                        found.append(r)
        return found


def field_lines(chunk: str, start: int) -> dict[tuple[str | int, ...], int]:
    """The line of every field of a YAML document, by path (what Istio's util.ErrorLine
    finds for a message); `start` is the document's first line in its file."""
    out: dict[tuple[str | int, ...], int] = {}
    try:
        root = yaml.compose(chunk, Loader=_Loader)
    except yaml.YAMLError:
        return out

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        out[path] = start + node.start_mark.line
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    walk(value, (*path, key.value))
                    out[(*path, key.value)] = start + key.start_mark.line
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, (*path, i))

    if root is not None:
        walk(root, ())
    return out


def _first_content_line(chunk: str, start: int) -> int:
    for offset, line in enumerate(chunk.splitlines()):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return start + offset
    return start


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
