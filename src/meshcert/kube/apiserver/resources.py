"""Resource verbs: get, list, create, update, patch, delete, deletecollection, status and scale.

Each verb is a synchronous function from (cluster, target, request facts) to a `Reply`; the ASGI
layer only decodes the request and writes the reply.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from .. import errors
from ..cluster import Cluster
from ..copying import clone
from ..kinds import ResourceKind
from ..selectors import parse_field_selector, parse_label_selector
from ..store import Obj
from .paths import ResourceTarget

PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
)


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Params:
    """The query parameters the verbs read."""

    query: dict[str, str]
    user_agent: str = ""

    def get(self, key: str, default: str = "") -> str:
        return self.query.get(key, default)

    @property
    def dry_run(self) -> bool:
        return self.get("dryRun") == "All"

    @property
    def field_manager(self) -> str:
        """The named manager, else the client's user agent up to its first `/`, as the
        apiserver records writers that give no fieldManager (`OpenAPI-Generator`)."""
        return self.get("fieldManager") or self.user_agent.split("/", 1)[0][:128]

    @property
    def force(self) -> bool:
        return self.get("force") in ("true", "1")

    @property
    def field_validation(self) -> str:
        """Strict, Warn or Ignore; Warn when absent, the apiserver's default since 1.23."""
        value = self.get("fieldValidation") or "Warn"
        if value not in ("Strict", "Warn", "Ignore"):
            raise errors.BadRequest(
                f"fieldValidation parameter unsupported: {value!r}; valid values are "
                "Strict, Warn and Ignore"
            )
        return value

    def dropped(self) -> list[str] | None:
        """Where the cluster collects the unknown fields it drops; None under Strict."""
        return None if self.field_validation == "Strict" else []


def warnings_header(
    params: Params, dropped: list[str] | None, warnings: list[str] | None = None
) -> dict[str, str]:
    """The `Warning` header: each dropped unknown field (fieldValidation=Warn), then what
    admission hooks warned about."""
    texts = list(warnings or ())
    if dropped and params.field_validation == "Warn":
        texts = [f'unknown field "{path}"' for path in dropped] + texts
    if not texts:
        return {}
    return {"Warning": ", ".join(f"299 - {json.dumps(text)}" for text in texts)}


def present(obj: Obj, kind: ResourceKind, version: str) -> Obj:
    """The object as the requested version shows it (all versions share one schema)."""
    api_version = kind.api_version(version)
    if obj.get("apiVersion") == api_version and obj.get("kind") == kind.kind:
        return obj
    out = dict(obj)
    out["apiVersion"] = api_version
    out["kind"] = kind.kind
    return out


def _list_body(
    kind: ResourceKind,
    version: str,
    items: list[Obj],
    rv: int,
    list_meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "kind": kind.list_kind,
        "apiVersion": kind.api_version(version),
        "metadata": {"resourceVersion": str(rv), **(list_meta or {})},
        "items": [present(o, kind, version) for o in items],
    }


def _key(obj: Obj) -> str:
    meta = obj["metadata"]
    return f"{meta.get('namespace', '')}/{meta['name']}"


def _continue_key(token: str) -> str:
    """The key a `continue` token resumes after; 400 for a token this server did not issue."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        start = data["start"]
        if data.get("v") != "meshcert/v1" or not isinstance(start, str):
            raise ValueError(token)
    except (ValueError, KeyError, TypeError) as exc:
        raise errors.BadRequest("continue key is not valid: incorrect encoded start") from exc
    return start


def paginate(items: list[Obj], params: Params, rv: int) -> tuple[list[Obj], dict[str, Any]]:
    """One page of a list (`limit` and `continue`, as kubectl's chunked get sends them) and
    the list metadata that leads to the next page."""
    limit_text = params.get("limit")
    token = params.get("continue")
    if not limit_text and not token:
        return items, {}
    ordered = sorted(items, key=_key)
    if token:
        start = _continue_key(token)
        ordered = [o for o in ordered if _key(o) > start]
    try:
        limit = int(limit_text) if limit_text else 0
    except ValueError as exc:
        raise errors.BadRequest(f"invalid limit {limit_text!r}: must be an integer") from exc
    if limit <= 0 or len(ordered) <= limit:
        return ordered, {}
    page = ordered[:limit]
    next_token = json.dumps({"v": "meshcert/v1", "rv": rv, "start": _key(page[-1])})
    return page, {
        "continue": base64.urlsafe_b64encode(next_token.encode()).decode(),
        "remainingItemCount": len(ordered) - limit,
    }


def get(cluster: Cluster, target: ResourceTarget) -> Reply:
    with cluster.lock:
        obj = cluster.get(target.kind, target.namespace or "", target.name)
        if target.subresource == "scale":
            return Reply(200, scale_of(target.kind, obj))
        return Reply(200, present(obj, target.kind, target.version))


def list_(
    cluster: Cluster, target: ResourceTarget, params: Params
) -> tuple[list[Obj], int, dict[str, Any]]:
    """The page of matching objects, the list's resourceVersion and its continue metadata."""
    labels = parse_label_selector(params.get("labelSelector"))
    fields = parse_field_selector(params.get("fieldSelector"))
    with cluster.lock:
        items = cluster.list(target.kind, target.namespace, labels, fields)
        rv = cluster.store.resource_version
    page, meta = paginate(items, params, rv)
    return page, rv, meta


def list_reply(cluster: Cluster, target: ResourceTarget, params: Params) -> Reply:
    items, rv, meta = list_(cluster, target, params)
    return Reply(200, _list_body(target.kind, target.version, items, rv, meta))


def _check_body_kind(target: ResourceTarget, body: Any) -> Obj:
    if not isinstance(body, dict):
        raise errors.BadRequest("the body of the request must be a JSON object")
    kind = target.kind
    api_version = body.get("apiVersion")
    body_kind = body.get("kind")
    if body_kind and body_kind != kind.kind:
        raise errors.BadRequest(
            f"the server could not process this request: kind {body_kind!r} does not match "
            f"the resource {kind.label} (expected kind {kind.kind!r})"
        )
    if api_version:
        group, _, version = str(api_version).rpartition("/")
        if group != kind.group or version not in kind.versions:
            raise errors.BadRequest(
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({kind.api_version(target.version)})"
            )
    return body


def create(cluster: Cluster, target: ResourceTarget, params: Params, body: Any) -> Reply:
    if target.name:
        raise errors.MethodNotAllowed(
            f"the server does not allow this method on the requested resource "
            f"({target.kind.label} {target.name})"
        )
    obj = _check_body_kind(target, body)
    obj = dict(obj)
    obj["apiVersion"] = target.kind.api_version(target.version)
    obj["kind"] = target.kind.kind
    dropped = params.dropped()
    with cluster.collecting_warnings() as warnings:
        created = cluster.create(
            target.kind,
            obj,
            target.namespace or "",
            dry_run=params.dry_run,
            field_manager=params.field_manager,
            dropped=dropped,
            owned=True,  # the decoded body belongs to this request
        )
        return Reply(
            201,
            present(created, target.kind, target.version),
            warnings_header(params, dropped, warnings),
        )


def update(cluster: Cluster, target: ResourceTarget, params: Params, body: Any) -> Reply:
    if target.subresource == "scale":
        return _update_scale(cluster, target, params, body)
    obj = dict(_check_body_kind(target, body))
    obj["apiVersion"] = target.kind.api_version(target.version)
    obj["kind"] = target.kind.kind
    dropped = params.dropped()
    with cluster.collecting_warnings() as warnings:
        updated = cluster.update(
            target.kind,
            obj,
            target.namespace or "",
            target.name,
            subresource=target.subresource,
            dry_run=params.dry_run,
            field_manager=params.field_manager,
            dropped=dropped,
        )
        return Reply(
            200,
            present(updated, target.kind, target.version),
            warnings_header(params, dropped, warnings),
        )


def patch(
    cluster: Cluster, target: ResourceTarget, params: Params, patch_type: str, body: Any
) -> Reply:
    if patch_type not in PATCH_TYPES:
        raise errors.UnsupportedMediaType(
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{', '.join(PATCH_TYPES)}"
        )
    if patch_type == "application/apply-patch+yaml":
        if not params.field_manager:
            raise errors.BadRequest(
                'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is '
                "required for apply patch"
            )
        if isinstance(body, dict):
            _check_body_kind(target, body)
    dropped = params.dropped()
    with cluster.collecting_warnings() as warnings:
        if target.subresource == "scale":
            current = cluster.get(target.kind, target.namespace or "", target.name)
            from .. import patching

            scale = patching.apply_patch(
                target.kind, scale_of(target.kind, current), patch_type, body
            )
            return _update_scale(cluster, target, params, scale)
        obj, created = cluster.patch(
            target.kind,
            target.namespace or "",
            target.name,
            patch_type,
            body,
            subresource=target.subresource,
            field_manager=params.field_manager,
            force=params.force,
            dry_run=params.dry_run,
            dropped=dropped,
        )
        return Reply(
            201 if created else 200,
            present(obj, target.kind, target.version),
            warnings_header(params, dropped, warnings),
        )


def delete(cluster: Cluster, target: ResourceTarget, params: Params, body: Any) -> Reply:
    options = body if isinstance(body, dict) else {}
    propagation = params.get("propagationPolicy") or options.get("propagationPolicy") or ""
    pre = options.get("preconditions") or {}
    dry_run = params.dry_run or options.get("dryRun") == ["All"]
    with cluster.lock:
        if not target.name:
            labels = parse_label_selector(params.get("labelSelector"))
            fields = parse_field_selector(params.get("fieldSelector"))
            if dry_run:
                victims = cluster.list(target.kind, target.namespace, labels, fields)
            else:
                victims = cluster.delete_collection(target.kind, target.namespace, labels, fields)
            rv = cluster.store.resource_version
            return Reply(200, _list_body(target.kind, target.version, victims, rv))
        gone = cluster.delete(
            target.kind,
            target.namespace or "",
            target.name,
            propagation=propagation or "Background",
            uid=pre.get("uid"),
            resource_version=pre.get("resourceVersion"),
            dry_run=dry_run,
        )
        return Reply(200, present(gone, target.kind, target.version))


# scale subresource -----------------------------------------------------------------------------


def scale_of(kind: ResourceKind, obj: Obj) -> Obj:
    """The autoscaling/v1 Scale view of a Deployment, ReplicaSet or StatefulSet."""
    meta = obj["metadata"]
    selector = (obj.get("spec") or {}).get("selector") or {}
    labels = selector.get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta.get("namespace", ""),
            "uid": meta.get("uid", ""),
            "resourceVersion": meta.get("resourceVersion", ""),
            "creationTimestamp": meta.get("creationTimestamp"),
        },
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        },
    }


def _update_scale(cluster: Cluster, target: ResourceTarget, params: Params, body: Any) -> Reply:
    if not isinstance(body, dict):
        raise errors.BadRequest("the body of the request must be a Scale object")
    replicas = (body.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise errors.invalid(
            "Scale",
            "autoscaling",
            target.name,
            [
                errors.Cause(
                    "FieldValueInvalid",
                    f"Invalid value: {replicas}: must be greater than or equal to 0",
                    "spec.replicas",
                )
            ],
        )
    with cluster.lock:
        current = cluster.get(target.kind, target.namespace or "", target.name)
        wanted = (body.get("metadata") or {}).get("resourceVersion")
        if wanted and wanted != current["metadata"]["resourceVersion"]:
            raise cluster.conflict(target.kind, target.name)
        new = clone(current)
        new.setdefault("spec", {})["replicas"] = replicas
        new["metadata"].pop("resourceVersion", None)
        updated = cluster.update(
            target.kind, new, target.namespace or "", target.name, dry_run=params.dry_run
        )
        return Reply(200, scale_of(target.kind, updated))
