"""Properties of every patch mechanism over generated objects."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from meshcert.kube import patching
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.served_kinds import default_registry


def _kind(plural: str) -> ResourceKind:
    kind = default_registry().by_plural("", plural)
    assert kind is not None
    return kind


PODS = _kind("pods")
CONFIGMAPS = _kind("configmaps")

_KEYS = st.text(alphabet="abcdefghij", min_size=1, max_size=4)
_SCALARS = st.one_of(st.booleans(), st.integers(-5, 5), st.text(max_size=4))
# JSON values without null: in a merge patch, null means "delete".
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=3)),
    max_leaves=12,
)
_OBJECTS = st.dictionaries(_KEYS, _VALUES, max_size=4)


def _pod(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


@settings(max_examples=60, deadline=None)
@given(_OBJECTS)
def test_an_object_merge_patched_with_itself_is_unchanged(obj: dict[str, Any]) -> None:
    assert patching.merge_patch(obj, obj) == obj


@settings(max_examples=60, deadline=None)
@given(_OBJECTS, _OBJECTS)
def test_merge_patch_is_idempotent(obj: dict[str, Any], patch: dict[str, Any]) -> None:
    once = patching.merge_patch(obj, patch)

    assert patching.merge_patch(once, patch) == once


@settings(max_examples=60, deadline=None)
@given(_OBJECTS)
def test_empty_strategic_and_json_patches_change_nothing(spec: dict[str, Any]) -> None:
    pod = _pod(spec)
    kept = copy.deepcopy(pod)

    assert patching.apply_patch(PODS, pod, patching.STRATEGIC, {}) == kept
    assert patching.apply_patch(PODS, pod, patching.JSON, []) == kept
    assert pod == kept


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(_KEYS, st.text(max_size=4), max_size=4),
    st.dictionaries(_KEYS, st.text(max_size=4), max_size=4),
)
def test_server_side_apply_is_idempotent_and_owns_exactly_what_it_applied(
    labels: dict[str, str], data: dict[str, str]
) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": labels},
        "data": data,
    }
    first = patching.server_side_apply(CONFIGMAPS, None, config, field_manager="m", force=False)

    again = patching.server_side_apply(CONFIGMAPS, first, config, field_manager="m", force=False)

    assert again == first
    owned = first["metadata"].get("managedFields", [{}])[0].get("fieldsV1", {})
    assert set(owned.get("f:data", {})) == {f"f:{k}" for k in data}
    assert set(owned.get("f:metadata", {}).get("f:labels", {})) == {f"f:{k}" for k in labels}
