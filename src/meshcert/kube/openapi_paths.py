"""The `paths` of an OpenAPI v3 group-version document: one entry per resource URL.

Each served kind gets its collection and item URLs (plus all-namespaces list, `status` and
`scale`) with the operations the API server answers there. kubectl reads two things from them:
the PATCH operation's `x-kubernetes-group-version-kind` and its `fieldValidation` parameter (then
it asks the server for strict field validation instead of validating on the client).
"""

from __future__ import annotations

from typing import Any

from .kinds import ResourceKind
from .schemas import REF_PREFIX

STATUS = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
PATCH = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
SCALE = "io.k8s.api.autoscaling.v1.Scale"
_READ_TYPES = ("application/json", "application/yaml", "application/vnd.kubernetes.protobuf")
_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
    "application/apply-patch+cbor",
)

Operation = dict[str, Any]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF_PREFIX + name}


def _query(name: str, description: str, kind: str = "string") -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": {"type": kind, "uniqueItems": True},
    }


def _path_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "description": description,
        "required": True,
        "schema": {"type": "string", "uniqueItems": True},
    }


DRY_RUN = _query(
    "dryRun",
    "When present, modifications are not persisted. The only valid value is All.",
)
FIELD_MANAGER = _query("fieldManager", "The name of the actor making the change.")
FIELD_VALIDATION = _query(
    "fieldValidation",
    "How the server treats unknown or duplicate fields in the request body: Ignore (drop "
    "them), Warn (drop them and answer a warning per field) or Strict (fail the request). "
    "kubectl asks for Strict.",
)
FORCE = _query(
    "force",
    "Server-side apply only: take ownership of fields other managers own.",
    "boolean",
)
_LIST_PARAMS = [
    _query("labelSelector", "Only objects whose labels match this selector."),
    _query("fieldSelector", "Only objects whose fields match this selector."),
    _query("limit", "The most objects to return in one page.", "integer"),
    _query("continue", "The token of the page to continue from."),
    _query("resourceVersion", "Which version of the collection to serve."),
    _query("resourceVersionMatch", "How resourceVersion is applied to list calls."),
    _query("timeoutSeconds", "Timeout of the list or watch call.", "integer"),
    _query("watch", "Watch for changes instead of listing.", "boolean"),
    _query("allowWatchBookmarks", "Ask for BOOKMARK watch events.", "boolean"),
    _query(
        "sendInitialEvents",
        "Start the watch with ADDED events for the current objects, then a BOOKMARK.",
        "boolean",
    ),
]
_NAME = _path_param("name", "name of the object")
_NAMESPACE = _path_param("namespace", "object name and auth scope, such as for teams and projects")
_PRETTY = _query("pretty", "If 'true', then the output is pretty printed.")


def operation_prefix(group: str, version: str) -> str:
    """`CoreV1`, `AppsV1`, `NetworkingIstioIoV1beta1` as in the API server's operationIds."""
    if not group:
        return "Core" + version.capitalize()
    parts = group.removesuffix(".k8s.io").split(".")
    return "".join(p[:1].upper() + p[1:] for p in parts) + version[:1].upper() + version[1:]


def _content(schema: dict[str, Any], types: tuple[str, ...] = _READ_TYPES) -> dict[str, Any]:
    return {t: {"schema": schema} for t in types}


def _responses(schema_name: str, *codes: str) -> dict[str, Any]:
    return {
        code: {"description": _CODE_TEXT[code], "content": _content(_ref(schema_name))}
        for code in codes
    } | {"401": {"description": "Unauthorized"}}


_CODE_TEXT = {"200": "OK", "201": "Created", "202": "Accepted"}


class _Builder:
    """Operations of one kind in one version."""

    def __init__(self, kind: ResourceKind, version: str, list_schema: str) -> None:
        self.kind = kind
        self.version = version
        self.list_schema = list_schema
        self.prefix = operation_prefix(kind.group, version)
        self.scope = "Namespaced" if kind.namespaced else ""

    def gvk(self, kind: str | None = None) -> dict[str, str]:
        return {"group": self.kind.group, "version": self.version, "kind": kind or self.kind.kind}

    def op(
        self,
        verb: str,
        action: str,
        description: str,
        responses: dict[str, Any],
        parameters: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None,
        suffix: str = "",
        gvk: dict[str, str] | None = None,
    ) -> Operation:
        out: Operation = {
            "tags": [self.prefix[:1].lower() + self.prefix[1:]],
            "description": description,
            "operationId": f"{verb}{self.prefix}{self.scope}{self.kind.kind}{suffix}",
            "responses": responses,
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk or self.gvk(),
        }
        if parameters:
            out["parameters"] = parameters
        if body is not None:
            out["requestBody"] = body
        return out

    def write_body(self, schema: str) -> dict[str, Any]:
        return {"content": {"*/*": {"schema": _ref(schema)}}, "required": True}

    def patch_body(self) -> dict[str, Any]:
        types = tuple(
            t for t in _PATCH_TYPES if self.kind.builtin or t != _PATCH_TYPES[2]
        )  # strategic merge patch only for kinds compiled into kubectl
        return {"content": {t: {"schema": _ref(PATCH)} for t in types}, "required": True}

    def collection(self) -> dict[str, Any]:
        kind = self.kind.kind
        ops: dict[str, Any] = {
            "get": self.op(
                "list",
                "list",
                f"list or watch objects of kind {kind}",
                _responses(self.list_schema, "200"),
                _LIST_PARAMS,
            ),
            "post": self.op(
                "create",
                "post",
                f"create a {kind}",
                _responses(self.kind.schema, "200", "201", "202"),
                [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
                self.write_body(self.kind.schema),
            ),
            "parameters": [_NAMESPACE, _PRETTY] if self.kind.namespaced else [_PRETTY],
        }
        if "deletecollection" in self.kind.verbs:
            ops["delete"] = self.op(
                "deleteCollection",
                "deletecollection",
                f"delete collection of {kind}",
                _responses(STATUS, "200"),
                [DRY_RUN, *_LIST_PARAMS],
                self.write_body(DELETE_OPTIONS) | {"required": False},
            )
        return ops

    def item(self) -> dict[str, Any]:
        kind, kind_schema = self.kind.kind, self.kind.schema
        return {
            "get": self.op(
                "read", "get", f"read the specified {kind}", _responses(kind_schema, "200")
            ),
            "put": self.op(
                "replace",
                "put",
                f"replace the specified {kind}",
                _responses(kind_schema, "200", "201"),
                [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
                self.write_body(kind_schema),
            ),
            "delete": self.op(
                "delete",
                "delete",
                f"delete a {kind}",
                _responses(STATUS, "200", "202"),
                [
                    DRY_RUN,
                    _query(
                        "gracePeriodSeconds", "Seconds before the object is deleted.", "integer"
                    ),
                    _query("propagationPolicy", "Orphan, Background or Foreground."),
                ],
                self.write_body(DELETE_OPTIONS) | {"required": False},
            ),
            "patch": self.op(
                "patch",
                "patch",
                f"partially update the specified {kind}",
                _responses(kind_schema, "200", "201"),
                [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
                self.patch_body(),
            ),
            "parameters": [_NAME, *([_NAMESPACE] if self.kind.namespaced else []), _PRETTY],
        }

    def subresource(self, name: str) -> dict[str, Any]:
        kind = self.kind.kind
        schema, gvk, suffix = self.kind.schema, self.gvk(), name.capitalize()
        if name == "scale":
            schema, gvk = SCALE, {"group": "autoscaling", "version": "v1", "kind": "Scale"}
        return {
            "get": self.op(
                "read",
                "get",
                f"read {name} of the specified {kind}",
                _responses(schema, "200"),
                suffix=suffix,
                gvk=gvk,
            ),
            "put": self.op(
                "replace",
                "put",
                f"replace {name} of the specified {kind}",
                _responses(schema, "200", "201"),
                [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
                self.write_body(schema),
                suffix,
                gvk,
            ),
            "patch": self.op(
                "patch",
                "patch",
                f"partially update {name} of the specified {kind}",
                _responses(schema, "200", "201"),
                [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
                self.patch_body(),
                suffix,
                gvk,
            ),
            "parameters": [_NAME, *([_NAMESPACE] if self.kind.namespaced else []), _PRETTY],
        }

    def all_namespaces(self) -> dict[str, Any]:
        return {
            "get": self.op(
                "list",
                "list",
                f"list or watch objects of kind {self.kind.kind}",
                _responses(self.list_schema, "200"),
                _LIST_PARAMS,
                suffix="ForAllNamespaces",
            )
            | {"operationId": f"list{self.prefix}{self.kind.kind}ForAllNamespaces"},
            "parameters": [_PRETTY],
        }


def kind_paths(kind: ResourceKind, version: str, list_schema: str) -> dict[str, Any]:
    """The URL paths of `kind` in `version`, each with its operations."""
    base = f"/apis/{kind.group}/{version}" if kind.group else f"/api/{version}"
    b = _Builder(kind, version, list_schema)
    scoped = (
        f"{base}/namespaces/{{namespace}}/{kind.plural}"
        if kind.namespaced
        else (f"{base}/{kind.plural}")
    )
    out: dict[str, Any] = {scoped: b.collection(), f"{scoped}/{{name}}": b.item()}
    for sub in ("status", "scale"):
        if sub in kind.subresources:
            out[f"{scoped}/{{name}}/{sub}"] = b.subresource(sub)
    if kind.namespaced:
        out[f"{base}/{kind.plural}"] = b.all_namespaces()
    return out
