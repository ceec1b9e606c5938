"""The `KubeClient` protocol: what grading may ask of a cluster, and nothing more.

Resources are read by apiVersion, kind, namespace and name (or a label selector), as dicts in
the shape the API serves them; programs run either in a pod's container (`exec`, as `kubectl
exec` does) or on the grader's own machine (`istioctl`, as a candidate runs it). Keeping the
surface this small is what lets the in-process and the HTTP client give the same verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

Obj = dict[str, Any]


class ExecOutcome(NamedTuple):
    """A program's end: exit code and both streams as text (UTF-8, undecodable bytes
    replaced)."""

    exit_code: int
    stdout: str
    stderr: str


class ClientError(Exception):
    """The cluster could not be asked (unreachable, refused, unknown kind, no such pod).

    A check that meets one fails with this message rather than crashing the grader."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KubeClient(Protocol):
    """Read resources and run programs in a cluster (a lab or a real one)."""

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Obj | None:
        """The object, or None when it does not exist (`namespace` is "" for cluster-scoped
        kinds). Raises ClientError when the kind is unknown or the cluster cannot answer."""
        ...

    def list(
        self, api_version: str, kind: str, namespace: str | None = None, selector: str = ""
    ) -> list[Obj]:
        """Objects of a kind in `namespace` (None: all namespaces) matching the label
        `selector` (kubectl's syntax), sorted by namespace and name."""
        ...

    def exec(self, namespace: str, pod: str, container: str, argv: Sequence[str]) -> ExecOutcome:
        """Run `argv` in a pod's container and wait for its end."""
        ...

    def istioctl(self, argv: Sequence[str]) -> ExecOutcome:
        """Run `istioctl argv` against the cluster from the grader's machine."""
        ...


def decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


__all__ = ["ClientError", "ExecOutcome", "KubeClient", "Obj", "decode"]
