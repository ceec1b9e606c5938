"""What an analyzer sees (`Context`: resources by kind, lookups) and what it reports
(`Message`: a message type, its arguments, the resource and, for files, the line).

After istio/istio pkg/config/analysis/analyzer.go (Metadata: name, description, inputs) and
pkg/config/analysis/diag/message.go (a message's origin and text).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from meshcert.mesh.controlplane.meshconfig_check import mesh_config_error

from .messages import MessageType
from .resources import Resource

MESH_CONFIGMAP = "istio"


@dataclass(frozen=True)
class Metadata:
    name: str
    description: str
    inputs: tuple[str, ...]


class Analyzer(Protocol):
    metadata: ClassVar[Metadata]

    def analyze(self, context: Context) -> None: ...


@dataclass(frozen=True)
class Message:
    type: MessageType
    resource: Resource | None
    args: tuple[Any, ...] = ()
    line: int = 0

    @property
    def text(self) -> str:
        return self.type.render(*self.args)

    @property
    def origin(self) -> str:
        """` (<friendly name>[ <file>[:<line>]])`, or "" for a message on no resource."""
        if self.resource is None:
            return ""
        ref = self.resource.reference(self.line)
        return f" ({self.resource.friendly_name}{' ' + ref if ref else ''})"

    def __str__(self) -> str:
        return f"{self.type.level.name} [{self.type.code}]{self.origin} {self.text}"

    def sort_key(self) -> tuple[int, str, int, str, str]:
        """diag.Messages.Sort: level (worst first), code, resource, then the whole line."""
        friendly = self.resource.friendly_name if self.resource else ""
        return (self.type.level.order, self.type.code, 0 if self.resource is None else 1,
                friendly, str(self))  # fmt: skip


@dataclass
class Context:
    """The resources of one analysis, indexed by kind and name; collects reported messages."""

    resources: Iterable[Resource]
    istio_namespace: str = "istio-system"
    # the mesh config text of `--meshConfigFile`, when given and valid (it replaces the cluster's)
    mesh_config_file: str | None = None
    messages: list[Message] = field(default_factory=list)
    _by_kind: dict[str, list[Resource]] = field(default_factory=dict, init=False)
    _by_name: dict[tuple[str, str, str], Resource] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for r in self.resources:
            key = (r.kind, r.namespace, r.name)
            if key in self._by_name:  # a file's object replaces the cluster's
                old = self._by_name[key]
                self._by_kind[r.kind] = [x for x in self._by_kind[r.kind] if x is not old]
            self._by_name[key] = r
            self._by_kind.setdefault(r.kind, []).append(r)

    def each(self, kind: str) -> list[Resource]:
        return self._by_kind.get(kind, [])

    def find(self, kind: str, namespace: str, name: str) -> Resource | None:
        return self._by_name.get((kind, namespace, name))

    def exists(self, kind: str, namespace: str, name: str) -> bool:
        return (kind, namespace, name) in self._by_name

    def mesh_text(self) -> str:
        """The mesh config text analysers see; "" stands for Istio's defaults.

        istioctl reads the `mesh` key of the `istio` ConfigMap in the istio namespace
        (istio/istio pkg/config/analysis/local/istiod_analyze.go
        `addRunningKubeIstioConfigMapSource`, the name fixed in local.go). When
        `mesh.ApplyMeshConfigDefaults` refuses that text the error is dropped without a word
        (`AddRunningKubeSourceWithRevision` logs only when reading the namespace fails) and
        analysis runs on `mesh.DefaultMeshConfig()`. A valid `--meshConfigFile` replaces it.
        """
        if self.mesh_config_file is not None:
            return self.mesh_config_file
        cm = self.find("ConfigMap", self.istio_namespace, MESH_CONFIGMAP)
        text = ((cm.obj.get("data") or {}) if cm else {}).get("mesh")
        if not isinstance(text, str) or mesh_config_error(text) is not None:
            return ""
        return text

    def report(
        self, type_: MessageType, resource: Resource, *args: Any, at: tuple[str | int, ...] = ()
    ) -> None:
        """Report a message on `resource`; `at` is the path of the field at fault (its line is
        given for objects from files, as Istio's util.ErrorLine does)."""
        line = resource.lines.get(at, 0) if at else 0
        self.messages.append(Message(type_, resource, tuple(args), line))
