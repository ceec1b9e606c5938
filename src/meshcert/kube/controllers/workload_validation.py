"""The apiserver's cheap validation of pods and workloads, with its messages: containers named
and with images, selectors that match their templates and do not change, what a pod update
may change, what a StatefulSet update may change.
"""

from __future__ import annotations

import json
from typing import Any

from ..copying import clone
from ..errors import Cause
from ..selectors import selector_from_dict

_POD_UPDATE_RULE = (
    "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
    "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set "
    "to 1 if it was previously negative)"
)
_STS_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)
_STS_RULE = (
    "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
    "'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' "
    "and 'minReadySeconds' are forbidden"
)


def render(value: Any) -> str:
    """A value as the apiserver prints it in `Invalid value: ...` (compact JSON)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=isinstance(value, dict))


def render_selector(selector: dict[str, Any]) -> str:
    ordered: dict[str, Any] = {}
    if selector.get("matchLabels"):
        ordered["matchLabels"] = dict(sorted(selector["matchLabels"].items()))
    if selector.get("matchExpressions"):
        ordered["matchExpressions"] = selector["matchExpressions"]
    return json.dumps(ordered, separators=(",", ":"))


def check_containers(spec: dict[str, Any], path: str) -> list[Cause]:
    """Containers present, named uniquely, each with an image."""
    causes: list[Cause] = []
    if not spec.get("containers"):
        causes.append(Cause("FieldValueRequired", "Required value", f"{path}.containers"))
    seen: set[str] = set()
    for key in ("initContainers", "containers"):
        for i, container in enumerate(spec.get(key) or []):
            where = f"{path}.{key}[{i}]"
            name = container.get("name")
            if not name:
                causes.append(Cause("FieldValueRequired", "Required value", f"{where}.name"))
            elif name in seen:
                causes.append(
                    Cause(
                        "FieldValueDuplicate", f"Duplicate value: {render(name)}", f"{where}.name"
                    )
                )
            else:
                seen.add(str(name))
            if not container.get("image"):
                causes.append(Cause("FieldValueRequired", "Required value", f"{where}.image"))
    return causes


def check_workload(kind: str, spec: dict[str, Any], old_spec: dict[str, Any] | None) -> list[Cause]:
    """Selector present, non-empty, matching the template labels, and unchanged on update."""
    causes: list[Cause] = []
    selector = spec.get("selector")
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        causes.append(
            Cause(
                "FieldValueInvalid",
                f"Invalid value: {replicas}: must be greater than or equal to 0",
                "spec.replicas",
            )
        )
    if not isinstance(selector, dict):
        causes.append(Cause("FieldValueRequired", "Required value", "spec.selector"))
    elif selector_from_dict(selector).empty:
        causes.append(
            Cause(
                "FieldValueInvalid",
                f"Invalid value: {render_selector(selector)}: empty selector is invalid for "
                f"{kind.lower()}",
                "spec.selector",
            )
        )
    elif not selector_from_dict(selector).matches(labels):
        causes.append(
            Cause(
                "FieldValueInvalid",
                f"Invalid value: {render(labels)}: `selector` does not match template `labels`",
                "spec.template.metadata.labels",
            )
        )
    if old_spec is not None and isinstance(selector, dict) and selector != old_spec.get("selector"):
        causes.append(
            Cause(
                "FieldValueInvalid",
                f"Invalid value: {render_selector(selector)}: field is immutable",
                "spec.selector",
            )
        )
    pod_spec = template.get("spec") or {}
    causes += check_containers(pod_spec, "spec.template.spec")
    policy = pod_spec.get("restartPolicy")
    if kind != "Pod" and policy not in (None, "Always"):
        causes.append(
            Cause(
                "FieldValueNotSupported",
                f'Unsupported value: {render(policy)}: supported values: "Always"',
                "spec.template.spec.restartPolicy",
            )
        )
    strategy = spec.get("strategy") or {}
    if (
        kind == "Deployment"
        and strategy.get("type") == "Recreate"
        and strategy.get("rollingUpdate")
    ):
        causes.append(
            Cause(
                "FieldValueForbidden",
                "Forbidden: may not be specified when strategy `type` is 'Recreate'",
                "spec.strategy.rollingUpdate",
            )
        )
    return causes


def check_statefulset_update(spec: dict[str, Any], old_spec: dict[str, Any]) -> list[Cause]:
    fixed = {k: v for k, v in spec.items() if k not in _STS_MUTABLE}
    before = {k: v for k, v in old_spec.items() if k not in _STS_MUTABLE}
    if fixed == before:
        return []
    return [Cause("FieldValueForbidden", _STS_RULE, "spec")]


def check_pod_update(spec: dict[str, Any], old: dict[str, Any]) -> list[Cause]:
    """What a pod update may change (images, deadline, added tolerations, binding, gates)."""
    masked = clone(spec)
    for key in ("initContainers", "containers"):
        new_list = masked.get(key) or []
        old_list = old.get(key) or []
        if len(new_list) == len(old_list):
            for new_c, old_c in zip(new_list, old_list, strict=True):
                if "image" in old_c and new_c.get("image"):
                    new_c["image"] = old_c["image"]
    if "activeDeadlineSeconds" in masked or "activeDeadlineSeconds" in old:
        masked["activeDeadlineSeconds"] = old.get("activeDeadlineSeconds")
        if masked["activeDeadlineSeconds"] is None:
            del masked["activeDeadlineSeconds"]
    old_tolerations = old.get("tolerations") or []
    new_tolerations = masked.get("tolerations") or []
    if all(t in new_tolerations for t in old_tolerations):
        _restore(masked, old, "tolerations")
    if not old.get("nodeName"):
        _restore(masked, old, "nodeName")
    old_gates = old.get("schedulingGates") or []
    if all(g in old_gates for g in masked.get("schedulingGates") or []):
        _restore(masked, old, "schedulingGates")
    if (old.get("terminationGracePeriodSeconds") or 0) < 0:
        _restore(masked, old, "terminationGracePeriodSeconds")
    if masked == old:
        return []
    return [Cause("FieldValueForbidden", _POD_UPDATE_RULE, "spec")]


def _restore(masked: dict[str, Any], old: dict[str, Any], key: str) -> None:
    if key in old:
        masked[key] = old[key]
    else:
        masked.pop(key, None)
