"""`table_for`: objects of one kind as a meta.k8s.io/v1 Table, as `kubectl get` asks for them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..copying import clone
from ..errors import BadRequest
from ..kinds import ResourceKind
from . import admissionregistration, apps, core, gateway_api, istio, pods
from .columns import (
    CREATION_DESCRIPTION,
    NAME,
    Column,
    Printer,
    crd_printer,
    created,
    name_of,
)
from .formatting import rfc3339

INCLUDE_OBJECT = ("None", "Metadata", "Object")

PRINTERS: dict[tuple[str, str], Printer] = {
    **pods.PRINTERS,
    **core.PRINTERS,
    **apps.PRINTERS,
    **admissionregistration.PRINTERS,
    **istio.PRINTERS,
    **gateway_api.PRINTERS,
}

# The apiserver's default table convertor, for built-in kinds without a printer (CRDs).
DEFAULT_PRINTER = Printer(
    (NAME, Column("Created At", "date", CREATION_DESCRIPTION)),
    lambda obj, now: [name_of(obj), rfc3339(created(obj))],
)
# A custom resource whose CRD declares no printer columns is served with Name and Age.
CUSTOM_RESOURCE_PRINTER = crd_printer(())


def printer_for(kind: ResourceKind) -> Printer:
    """The printer the apiserver uses for a kind."""
    printer = PRINTERS.get(kind.key)
    if printer is not None:
        return printer
    return DEFAULT_PRINTER if kind.builtin else CUSTOM_RESOURCE_PRINTER


def table_for(
    kind: ResourceKind,
    objects: list[dict[str, Any]],
    *,
    include_object: str = "Metadata",
    now: datetime,
    list_meta: Mapping[str, Any] | None = None,
    no_headers: bool = False,
) -> dict[str, Any]:
    """A meta.k8s.io/v1 Table with one row per object, in the given order.

    `include_object` is the request's `includeObject`: `Metadata` (the default) puts a
    PartialObjectMetadata in each row, `Object` the whole object, `None` nothing; anything else
    is a 400 as in the apiserver. `list_meta` is the list's metadata (resourceVersion,
    continue, remainingItemCount); without it the Table takes a single object's
    resourceVersion. `now` (naive means UTC) is the moment ages are computed from, as the
    apiserver renders them. `no_headers` leaves out the column definitions, as watch events
    after the first may.
    """
    if include_object not in INCLUDE_OBJECT:
        raise BadRequest(f'unrecognized includeObject value: "{include_object}"')
    printer = printer_for(kind)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    rows = [_row(printer, obj, include_object, now) for obj in objects]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": _table_metadata(objects, list_meta),
        "columnDefinitions": [] if no_headers else [c.definition() for c in printer.columns],
        "rows": rows,
    }


def _row(
    printer: Printer, obj: dict[str, Any], include_object: str, now: datetime
) -> dict[str, Any]:
    row: dict[str, Any] = {"cells": printer.cells(obj, now)}
    conditions = printer.row_conditions(obj)
    if conditions:
        row["conditions"] = conditions
    if include_object == "Object":
        row["object"] = clone(obj)
    elif include_object == "Metadata":
        row["object"] = {
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": clone(obj.get("metadata") or {}),
        }
    return row


def _table_metadata(
    objects: list[dict[str, Any]], list_meta: Mapping[str, Any] | None
) -> dict[str, Any]:
    if list_meta is not None:
        keys = ("resourceVersion", "continue", "remainingItemCount")
        return {key: list_meta[key] for key in keys if list_meta.get(key) not in (None, "")}
    if len(objects) == 1:
        version = (objects[0].get("metadata") or {}).get("resourceVersion")
        if version:
            return {"resourceVersion": version}
    return {}
