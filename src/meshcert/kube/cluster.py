"""The cluster: API semantics over the store.

Create, update, patch and delete with the apiserver's rules (defaults, preconditions,
generation, admission, schema validation, cascading deletion), then the built-in controllers
run to a fixed point, then commit listeners see every change of the request (so a lab can make
it durable before the client gets its answer).
"""

from __future__ import annotations

import builtins
import os
import random
import re
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

from . import errors
from .admission import AdmissionRequest, MutatingHook, ValidatingHook
from .clock import Clock, SystemClock, timestamp
from .copying import clone
from .errors import Cause, KubeError
from .execution.filesystem import FileSystems
from .execution.programs import ProgramRegistry
from .execution.shipped import shipped_programs
from .kinds import KindRegistry, ResourceKind
from .logs import LogBook
from .selectors import FieldSelector, LabelSelector
from .served_kinds import default_registry
from .store import Obj, Store, WatchEvent

MAX_RECONCILE_ROUNDS = 10_000
_NAME_SUFFIX = "bcdfghjklmnpqrstvwxz2456789"
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
_NOT_SPEC = frozenset({"apiVersion", "kind", "metadata", "status"})
# Kinds whose API writes no `metadata.generation`.
_NO_GENERATION = frozenset({"ConfigMap", "Secret", "Event", "Endpoints", "ServiceAccount"})


class Controller(Protocol):
    """Reacts to changes of the kinds in `watches` ((group, plural) pairs) by writing objects."""

    name: str
    watches: tuple[tuple[str, str], ...]

    def reconcile(self, cluster: Cluster, event: WatchEvent) -> None: ...


CommitListener = Callable[[list[WatchEvent]], None]
Validator = Callable[[ResourceKind, Obj], None]
Pruner = Callable[[ResourceKind, Obj], "builtins.list[str]"]
Patcher = Callable[..., Obj]


def new_uid() -> str:
    """A random (version 4) UUID as text, as `str(uuid.uuid4())` makes it: the same random
    source and bits, formatted directly (a fifth of the cost; every write of a new object
    takes one)."""
    value = int.from_bytes(os.urandom(16), "big")
    value = (value & _UUID_CLEAR) | _UUID_SET
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


# RFC 4122: the version (4) in bits 76-79, the variant (binary 10) in bits 62-63.
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class _Transaction:
    """`Cluster.transaction()`: holds the lock; the outermost one's end settles the cluster
    (controllers, then commit listeners), whether its block raised or not."""

    __slots__ = ("_cluster",)

    def __init__(self, cluster: Cluster) -> None:
        self._cluster = cluster

    def __enter__(self) -> None:
        cluster = self._cluster
        cluster.lock.acquire()
        cluster._depth += 1

    def __exit__(self, *exc: object) -> None:
        cluster = self._cluster
        try:
            cluster._depth -= 1
            if cluster._depth == 0:
                cluster._settle()
        finally:
            cluster.lock.release()


def _random_suffix(n: int = 5) -> str:
    return "".join(random.choices(_NAME_SUFFIX, k=n))


# The NamespaceLifecycle admission plug-in refuses to delete these.
IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})


def spec_of(obj: Obj) -> dict[str, Any]:
    """Everything that is not metadata or status: what bumps `generation` when it changes."""
    return {k: v for k, v in obj.items() if k not in _NOT_SPEC}


class Cluster:
    """One simulated cluster. Not thread-safe by itself: callers hold `lock` (an RLock)."""

    def __init__(self, registry: KindRegistry | None = None, clock: Clock | None = None) -> None:
        self.registry = registry or default_registry()
        self.store = Store(self.registry)
        self.registry.crd_exists = self._crd_exists
        self.lock = self.store.lock
        self.clock: Clock = clock or SystemClock()
        self.mutating_hooks: builtins.list[MutatingHook] = []
        self.validating_hooks: builtins.list[ValidatingHook] = []
        self.controllers: builtins.list[Controller] = []
        self.commit_listeners: builtins.list[CommitListener] = []
        self.validator: Validator | None = None
        self.pruner: Pruner | None = None
        self.uid_factory: Callable[[], str] = new_uid
        self._pending: deque[WatchEvent] = deque()
        self._changes: builtins.list[WatchEvent] = []
        self._depth = 0
        self._reconciling = False
        self._warnings: builtins.list[str] | None = None
        # The controllers that watch each kind (by `ResourceKind.key`), for `controllers` as
        # it was when the table was made (`_settle` remakes it when the list has changed).
        self._routes: dict[tuple[str, str], builtins.list[Controller]] = {}
        self._routed: builtins.list[Controller] = []
        self.extensions: dict[str, Any] = {}
        self.programs: ProgramRegistry = shipped_programs()
        self.files = FileSystems(self.store)
        self.logs = LogBook(self.store, self.clock)

    # kinds -----------------------------------------------------------------------------------

    def _crd_exists(self, name: str) -> bool:
        crd = self.registry.by_plural("apiextensions.k8s.io", "customresourcedefinitions")
        return crd is not None and self.store.get(crd, "", name) is not None

    def kind(self, group: str, plural: str) -> ResourceKind:
        rk = self.registry.by_plural(group, plural)
        if rk is None:
            raise errors.NotFound(f"the server could not find the requested resource ({plural})")
        return rk

    def kind_of(self, obj: Obj) -> ResourceKind:
        api_version = str(obj.get("apiVersion", ""))
        kind = str(obj.get("kind", ""))
        rk = self.registry.for_object(api_version, kind)
        if rk is None:
            raise errors.NotFound(
                f'no matches for kind "{kind}" in version "{api_version}"', kind=kind
            )
        return rk

    # reads -----------------------------------------------------------------------------------

    def get(self, kind: ResourceKind, namespace: str, name: str) -> Obj:
        with self.lock:
            obj = self.store.get(kind, namespace, name)
        if obj is None:
            raise errors.not_found(kind.plural, kind.group, name)
        return obj

    def find(self, kind: ResourceKind, namespace: str, name: str) -> Obj | None:
        with self.lock:
            return self.store.get(kind, namespace, name)

    def list(
        self,
        kind: ResourceKind,
        namespace: str | None = None,
        labels: LabelSelector | None = None,
        fields: FieldSelector | None = None,
    ) -> builtins.list[Obj]:
        with self.lock:
            items = self.store.list(kind, namespace)
        if labels is not None and not labels.empty:
            items = [o for o in items if labels.matches(o["metadata"].get("labels"))]
        if fields is not None and not fields.empty:
            items = [o for o in items if fields.matches(o)]
        return items

    # writes ----------------------------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes: controllers and commit listeners run once, when the outermost ends."""
        return _Transaction(self)

    @contextmanager
    def collecting_warnings(self) -> Iterator[builtins.list[str]]:
        """Collect the warnings admission hooks give about the writes made in the block (the
        request's own writes: not those controllers make in reaction)."""
        with self.lock:
            previous, self._warnings = self._warnings, []
            try:
                yield self._warnings
            finally:
                self._warnings = previous

    def create(
        self,
        kind: ResourceKind,
        obj: Obj,
        namespace: str = "",
        *,
        dry_run: bool = False,
        field_manager: str = "",
        dropped: builtins.list[str] | None = None,
        owned: bool = False,
    ) -> Obj:
        """Create an object. `field_manager` is recorded in managedFields; with `dropped` given,
        unknown fields are removed and their paths appended to it (fieldValidation Warn or
        Ignore) instead of failing the request (Strict). `owned`: the caller hands `obj` over
        (a decoded request body nobody else holds), so it is stored without a copy."""
        with self.transaction():
            if not owned:
                obj = clone(obj)
            obj["apiVersion"] = obj.get("apiVersion") or kind.api_version()
            obj["kind"] = obj.get("kind") or kind.kind
            self._decode(kind, obj, dropped)
            meta = obj.get("metadata")
            if meta is None:
                meta = obj["metadata"] = {}
            if not isinstance(meta, dict):
                raise errors.BadRequest("metadata must be an object")
            self._place(kind, meta, namespace)
            name = meta.get("name") or ""
            if not name and meta.get("generateName"):
                name = meta["name"] = f"{meta['generateName']}{_random_suffix()}"
            if not name:
                raise errors.invalid(
                    kind.kind,
                    kind.group,
                    "",
                    [
                        Cause(
                            "FieldValueRequired",
                            "Required value: name or generateName is required",
                            "metadata.name",
                        )
                    ],
                )
            self._check_name(kind, name)
            ns = meta.get("namespace", "")
            if self.store.get(kind, ns, name) is not None:
                raise errors.already_exists(kind.plural, kind.group, name)
            for key in ("resourceVersion", "uid", "creationTimestamp", "deletionTimestamp"):
                meta.pop(key, None)
            meta["uid"] = self.uid_factory()
            meta["creationTimestamp"] = timestamp(self.clock.now())
            if kind.kind not in _NO_GENERATION:
                meta["generation"] = 1
            obj = self._track(kind, None, obj, field_manager)
            request = AdmissionRequest("CREATE", kind, ns, name, obj, None, dry_run)
            self._admit(request)
            obj = request.object or obj
            if dry_run:
                obj["metadata"].setdefault("resourceVersion", "")
                return obj
            event = self.store.put(kind, obj, "ADDED")
            self._record(event)
            return obj

    def update(
        self,
        kind: ResourceKind,
        obj: Obj,
        namespace: str = "",
        name: str = "",
        *,
        subresource: str = "",
        dry_run: bool = False,
        field_manager: str = "",
        dropped: builtins.list[str] | None = None,
        owned: bool = False,
    ) -> Obj:
        """Replace an object (PUT). Honours the resourceVersion precondition when given.
        `owned`: the caller hands `obj` over (a copy nobody else holds), as `create`."""
        with self.transaction():
            given = obj.get("metadata")
            if owned:
                pass  # the caller's copy is the cluster's now
            elif subresource == "status" and dropped is None and isinstance(given, dict):
                # A status write keeps everything of the stored object but its status (see
                # `_replace`): only the top level and metadata are changed here.
                obj = {**obj, "metadata": dict(given)}
            else:
                obj = clone(obj)
            self._decode(kind, obj, dropped)
            meta = obj.get("metadata")
            if not isinstance(meta, dict):
                raise errors.BadRequest("metadata must be an object")
            name = name or str(meta.get("name", ""))
            ns = namespace if kind.namespaced else ""
            if kind.namespaced and meta.get("namespace") and namespace:  # noqa: SIM102
                if meta["namespace"] != namespace:
                    raise errors.BadRequest(
                        "the namespace of the provided object does not match the namespace "
                        "sent on the request"
                    )
            if meta.get("name") and meta["name"] != name:
                raise errors.BadRequest(
                    "the name of the object "
                    f"({meta['name']}) does not match the name on the URL ({name})"
                )
            current = self.get(kind, ns, name)
            wanted = meta.get("resourceVersion")
            if wanted and wanted != current["metadata"]["resourceVersion"]:
                raise self.conflict(kind, name)
            obj = self._track(kind, current, obj, field_manager, subresource)
            return self._replace(
                kind, current, obj, subresource=subresource, dry_run=dry_run, owned=owned
            )

    def conflict(self, kind: ResourceKind, name: str) -> errors.Conflict:
        return errors.Conflict(
            f'Operation cannot be fulfilled on {kind.label} "{name}": the object has been '
            "modified; please apply your changes to the latest version and try again",
            name=name,
            group=kind.group,
            kind=kind.plural,
        )

    def _replace(
        self,
        kind: ResourceKind,
        current: Obj,
        obj: Obj,
        *,
        subresource: str = "",
        dry_run: bool = False,
        owned: bool = False,
    ) -> Obj:
        """The update of `current` to `obj` (the cluster's copy: its top level and metadata
        are changed in place). `owned`: `obj`'s status is handed over too (a status write
        stores it without a copy)."""
        cur_meta = current["metadata"]
        obj["apiVersion"] = obj.get("apiVersion") or current["apiVersion"]
        obj["kind"] = current["kind"]
        meta = obj.setdefault("metadata", {})
        for key in ("name", "namespace", "uid", "creationTimestamp", "generation"):
            if key in cur_meta:
                meta[key] = cur_meta[key]
            else:
                meta.pop(key, None)
        meta["resourceVersion"] = cur_meta["resourceVersion"]
        has_status = "status" in kind.subresources
        if subresource == "status":
            # Stored objects are never changed in place, so the new version shares all but
            # its metadata (resourceVersion changes) and status with the current one.
            status = obj.get("status")
            obj = {**current, "metadata": dict(cur_meta)}
            if status is None:
                obj.pop("status", None)
            else:
                obj["status"] = status if owned else clone(status)
        elif has_status:
            if "status" in current:
                obj["status"] = clone(current["status"])
            else:
                obj.pop("status", None)
        if spec_of(obj) != spec_of(current) and "generation" in cur_meta:
            meta["generation"] = int(cur_meta["generation"]) + 1
        request = AdmissionRequest(
            "UPDATE",
            kind,
            meta.get("namespace", ""),
            meta["name"],
            obj,
            current,
            dry_run,
            subresource,
        )
        if subresource != "status":
            self._admit(request)
            obj = request.object or obj
        elif self.validator is not None and not self._reconciling:
            self.validator(kind, obj)
        if obj == current or dry_run:
            return obj if dry_run else current
        event = self.store.put(kind, obj, "MODIFIED")
        self._record(event)
        return obj

    def patch(
        self,
        kind: ResourceKind,
        namespace: str,
        name: str,
        patch_type: str,
        body: Any,
        *,
        subresource: str = "",
        field_manager: str = "",
        force: bool = False,
        dry_run: bool = False,
        dropped: builtins.list[str] | None = None,
    ) -> tuple[Obj, bool]:
        """Apply a patch; returns (object, created). Apply patches create missing objects."""
        from . import patching

        with self.transaction():
            now = timestamp(self.clock.now())
            ns = namespace if kind.namespaced else ""
            current = self.store.get(kind, ns, name)
            if current is None:
                if patch_type != patching.APPLY:
                    raise errors.not_found(kind.plural, kind.group, name)
                if dropped is not None and isinstance(body, dict):
                    body = clone(body)
                    self._decode(kind, body, dropped)
                obj = patching.server_side_apply(
                    kind, None, body, field_manager=field_manager, force=force, now=now
                )
                return self.create(kind, obj, ns, dry_run=dry_run, owned=True), True
            if patch_type == patching.APPLY and dropped is not None and isinstance(body, dict):
                body = clone(body)
                self._decode(kind, body, dropped)
            new = patching.apply_patch(
                kind,
                current,
                patch_type,
                body,
                field_manager=field_manager,
                force=force,
                now=now,
                subresource=subresource,
            )
            self._decode(kind, new, dropped)
            wanted = (new.get("metadata") or {}).get("resourceVersion")
            if wanted and wanted != current["metadata"]["resourceVersion"]:
                raise self.conflict(kind, name)
            new_meta = new.get("metadata")
            if isinstance(new_meta, dict):
                for key in ("name", "namespace"):
                    if key in new_meta and new_meta[key] != current["metadata"].get(key):
                        raise errors.BadRequest(
                            f"metadata.{key}: Invalid value: {new_meta[key]!r}: field is immutable"
                        )
            return (
                self._replace(kind, current, new, subresource=subresource, dry_run=dry_run),
                False,
            )

    def delete(
        self,
        kind: ResourceKind,
        namespace: str,
        name: str,
        *,
        propagation: str = "Background",
        uid: str | None = None,
        resource_version: str | None = None,
        dry_run: bool = False,
    ) -> Obj:
        with self.transaction():
            ns = namespace if kind.namespaced else ""
            current = self.get(kind, ns, name)
            if uid and current["metadata"]["uid"] != uid:
                raise errors.Conflict(
                    f"Precondition failed: UID in precondition: {uid}, UID in object meta: "
                    f"{current['metadata']['uid']}",
                    name=name,
                    group=kind.group,
                    kind=kind.plural,
                )
            if resource_version and current["metadata"]["resourceVersion"] != resource_version:
                raise self.conflict(kind, name)
            request = AdmissionRequest("DELETE", kind, ns, name, None, current, dry_run)
            for hook in self.validating_hooks:
                hook.validate(self, request)
            self._warn(request)
            if kind.kind == "Namespace" and kind.group == "" and name in IMMORTAL_NAMESPACES:
                raise errors.Forbidden(
                    f'namespaces "{name}" is forbidden: this namespace may not be deleted',
                    name=name,
                    kind="namespaces",
                )
            if dry_run:
                return current
            if kind.kind == "Namespace" and kind.group == "":
                self._delete_namespace_contents(name)
            event = self.store.remove(kind, ns, name)
            if event is not None:
                self._record(event)
            self._cascade(current, orphan=propagation == "Orphan")
            return current

    def delete_collection(
        self,
        kind: ResourceKind,
        namespace: str | None,
        labels: LabelSelector | None = None,
        fields: FieldSelector | None = None,
    ) -> builtins.list[Obj]:
        with self.transaction():
            victims = self.list(kind, namespace, labels, fields)
            for obj in victims:
                meta = obj["metadata"]
                if self.store.get(kind, meta.get("namespace", ""), meta["name"]) is not None:
                    self.delete(kind, meta.get("namespace", ""), meta["name"])
            return victims

    # events ----------------------------------------------------------------------------------

    def record_event(
        self,
        involved: Obj,
        reason: str,
        message: str,
        *,
        type_: str = "Normal",
        component: str = "",
        field_path: str = "",
    ) -> None:
        """Write a core/v1 Event about `involved`, as a controller or kubelet would; events are
        named `<object>.<hex nanoseconds>` so that they list in the order they happened."""
        from .controllers.events import emit

        emit(
            self,
            involved,
            reason,
            message,
            component=component,
            type_=type_,
            field_path=field_path,
        )

    # internals -------------------------------------------------------------------------------

    def _place(self, kind: ResourceKind, meta: dict[str, Any], namespace: str) -> None:
        if not kind.namespaced:
            meta.pop("namespace", None)
            return
        ns = meta.get("namespace") or namespace
        if namespace and meta.get("namespace") and meta["namespace"] != namespace:
            raise errors.BadRequest(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"
            )
        if not ns:
            ns = "default"
        meta["namespace"] = ns
        ns_kind = self.registry.by_plural("", "namespaces")
        if ns_kind is not None and self.store.get(ns_kind, "", ns) is None:
            raise errors.NotFound(f'namespaces "{ns}" not found', name=ns, kind="namespaces")

    def _check_name(self, kind: ResourceKind, name: str) -> None:
        pattern, what = _DNS1123_SUBDOMAIN, "subdomain"
        if kind.kind in ("Namespace", "Service"):
            pattern, what = _DNS1123_LABEL, "label"
        limit = 63 if what == "label" else 253
        if len(name) <= limit and pattern.match(name):
            return
        if what == "label":
            detail = (
                "a lowercase RFC 1123 label must consist of lower case alphanumeric "
                "characters or '-', and must start and end with an alphanumeric character "
                "(e.g. 'my-name',  or '123-abc', regex used for validation is "
                "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
            )
        else:
            detail = (
                "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                "characters, '-' or '.', and must start and end with an alphanumeric character "
                "(e.g. 'example.com', regex used for validation is "
                "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            )
        raise errors.invalid(
            kind.kind,
            kind.group,
            name,
            [Cause("FieldValueInvalid", f'Invalid value: "{name}": {detail}', "metadata.name")],
        )

    def _decode(self, kind: ResourceKind, obj: Obj, dropped: builtins.list[str] | None) -> None:
        """Drop unknown fields into `dropped` (non-strict field validation); Strict leaves
        them for the validator to reject."""
        from .quantity_fields import decode_quantities

        decode_quantities(kind, obj)  # quantities read back canonical, or fail to decode
        if dropped is not None and self.pruner is not None:
            dropped.extend(self.pruner(kind, obj))

    def _track(
        self, kind: ResourceKind, old: Obj | None, new: Obj, manager: str, subresource: str = ""
    ) -> Obj:
        """`new` (the cluster's own copy, changed in place) with managedFields updated for a
        create or update by `manager`."""
        if not manager:
            return new
        from .patching import track_update

        now = timestamp(self.clock.now())
        return track_update(
            kind, old, new, field_manager=manager, subresource=subresource, now=now, copy=False
        )

    def _admit(self, request: AdmissionRequest) -> None:
        for mhook in self.mutating_hooks:
            mhook.mutate(self, request)
        # Schema validation guards what clients send; the built-in controllers' own writes
        # (made while reconciling) are trusted, as their tests check what they write.
        if self.validator is not None and request.object is not None and not self._reconciling:
            self.validator(request.kind, request.object)
        for vhook in self.validating_hooks:
            vhook.validate(self, request)
        self._warn(request)

    def _warn(self, request: AdmissionRequest) -> None:
        if request.warnings and self._warnings is not None and not self._reconciling:
            self._warnings.extend(request.warnings)

    def _record(self, event: WatchEvent) -> None:
        self._pending.append(event)
        self._changes.append(event)

    def _settle(self) -> None:
        """Run controllers until nothing changes, then hand the changes to commit listeners."""
        if not self._reconciling:
            self._reconciling = True
            try:
                rounds = 0
                if self._routed != self.controllers:
                    self._routes, self._routed = {}, list(self.controllers)
                routes = self._routes
                while self._pending:
                    rounds += 1
                    if rounds > MAX_RECONCILE_ROUNDS:
                        raise errors.InternalError("controllers did not settle")
                    event = self._pending.popleft()
                    key = event.kind.key
                    watchers = routes.get(key)
                    if watchers is None:
                        watchers = routes[key] = [c for c in self._routed if key in c.watches]
                    for controller in watchers:
                        self._depth += 1
                        try:
                            controller.reconcile(self, event)
                        except KubeError:
                            pass
                        finally:
                            self._depth -= 1
            finally:
                self._reconciling = False
                self._pending.clear()
        if self._depth == 0 and self._changes:
            changes, self._changes = self._changes, []
            try:
                for listener in self.commit_listeners:
                    listener(changes)
            except BaseException:
                # A listener that fails vetoes the commit (the lab could not make it durable):
                # undo it, so that nothing the client was not told about stays.
                self._undo(changes)
                raise

    def _undo(self, changes: builtins.list[WatchEvent]) -> None:
        """Restore what `changes` overwrote, newest first; watchers see the restoring events."""
        for event in reversed(changes):
            meta = event.object["metadata"]
            if event.previous is None:
                self.store.remove(event.kind, meta.get("namespace", ""), meta["name"])
            else:
                restored = clone(event.previous)
                self.store.put(
                    event.kind, restored, "MODIFIED" if event.type != "DELETED" else "ADDED"
                )

    def _delete_namespace_contents(self, namespace: str) -> None:
        for rk in self.registry:
            if not rk.namespaced:
                continue
            for obj in list(self.store.list(rk, namespace)):
                event = self.store.remove(rk, namespace, obj["metadata"]["name"])
                if event is not None:
                    self._record(event)

    def _cascade(self, owner: Obj, *, orphan: bool) -> None:
        uid = owner["metadata"].get("uid")
        if not uid or not self.store.has_dependents(str(uid)):
            return
        for rk, obj in list(self.store.items()):
            refs = obj["metadata"].get("ownerReferences") or []
            if not any(r.get("uid") == uid for r in refs):
                continue
            meta = obj["metadata"]
            if self.store.get(rk, meta.get("namespace", ""), meta["name"]) is None:
                continue
            if orphan:
                new = clone(obj)
                new["metadata"]["ownerReferences"] = [r for r in refs if r.get("uid") != uid]
                if not new["metadata"]["ownerReferences"]:
                    del new["metadata"]["ownerReferences"]
                self._record(self.store.put(rk, new, "MODIFIED"))
            else:
                self.delete(rk, meta.get("namespace", ""), meta["name"])


def new_cluster(clock: Clock | None = None) -> Cluster:
    """A cluster with everything built in wired: schema validation, defaulting and the
    built-in controllers. (Programs, files and logs are set up by the constructor.)"""
    from .controllers import builtin_controllers, builtin_hooks
    from .quantity_fields import CanonicalQuantities
    from .validation import prune_unknown_fields, validate_object

    cluster = Cluster(clock=clock)
    cluster.validator = validate_object
    cluster.pruner = prune_unknown_fields
    cluster.mutating_hooks.extend(builtin_hooks())
    cluster.mutating_hooks.append(CanonicalQuantities())  # last: what decoding would store
    cluster.controllers.extend(builtin_controllers())
    return cluster


def random_name_suffix(length: int = 5) -> str:
    """The suffix alphabet Kubernetes uses for generated names (no vowels, no look-alikes)."""
    return _random_suffix(length)


def hash_suffix(text: str) -> str:
    """A pod-template-hash like value (10 chars from the Kubernetes suffix alphabet)."""
    import hashlib

    digest = hashlib.sha256(text.encode()).digest()
    alphabet = _NAME_SUFFIX
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


__all__ = [
    "Cluster",
    "CommitListener",
    "Controller",
    "hash_suffix",
    "new_cluster",
    "random_name_suffix",
    "spec_of",
]
