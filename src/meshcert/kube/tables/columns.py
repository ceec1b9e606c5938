"""Column definitions and printers: what a kind's Table holds and how one object becomes a row."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .formatting import go_json, go_print, human_duration, parse_timestamp
from .jsonpaths import JsonPath

Object = Mapping[str, Any]
Cells = Callable[[Object, datetime], list[Any]]
RowConditions = Callable[[Object], list[dict[str, str]]]

NAME_DESCRIPTION = (
    "Name must be unique within a namespace. Is required when creating resources, although some "
    "resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
)
CREATION_DESCRIPTION = (
    "CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients "
    "may not set this value. It is represented in RFC3339 form and is in UTC.\n\n"
    "Populated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
)
CONTAINERS_DESCRIPTION = "Names of each container in the template."
IMAGES_DESCRIPTION = "Images referenced by each container in the template."


@dataclass(frozen=True)
class Column:
    """One `metav1.TableColumnDefinition`; priority 1 columns show only with `-o wide`."""

    name: str
    type: str = "string"
    description: str = ""
    format: str = ""
    priority: int = 0

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


NAME = Column("Name", format="name", description=NAME_DESCRIPTION)
AGE = Column("Age", description=CREATION_DESCRIPTION)


@dataclass(frozen=True)
class Printer:
    """A kind's columns and the function that turns one object into that row's cells.

    As in the apiserver, every row carries the cells of every column, wide ones included:
    kubectl hides priority 1 columns unless asked for `-o wide`.
    """

    columns: tuple[Column, ...]
    cells: Cells
    conditions: RowConditions | None = None

    def row_conditions(self, obj: Object) -> list[dict[str, str]]:
        return self.conditions(obj) if self.conditions else []


def name_of(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def created(obj: Object) -> object:
    return (obj.get("metadata") or {}).get("creationTimestamp")


@dataclass(frozen=True)
class CrdColumn:
    """One `additionalPrinterColumns` entry of a CustomResourceDefinition version."""

    name: str
    type: str
    json_path: str
    description: str = ""
    format: str = ""
    priority: int = 0

    def column(self) -> Column:
        description = self.description or (
            f"Custom resource definition column (in JSONPath format): {self.json_path}"
        )
        return Column(self.name, self.type, description, self.format, self.priority)


_ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)

CRD_AGE = CrdColumn("Age", "date", ".metadata.creationTimestamp", CREATION_DESCRIPTION)


def crd_printer(columns: tuple[CrdColumn, ...]) -> Printer:
    """The apiextensions table convertor: Name, then each printer column by JSONPath.

    A CRD version without printer columns is served with a single `Age` column, as the
    apiserver does. String columns print what they find with kubectl's JSONPath printer (lists
    and maps as compact JSON, `["reviews"]`); date columns render as an age (`5m`).
    """
    columns = columns or (CRD_AGE,)
    paths = tuple(JsonPath(c.json_path) for c in columns)

    def cells(obj: Object, now: datetime) -> list[Any]:
        row: list[Any] = [name_of(obj)]
        for column, path in zip(columns, paths, strict=True):
            found = path.find(obj)
            row.append(_crd_cell(column.type, found[0], now) if found else None)
        return row

    return Printer((NAME, *(c.column() for c in columns)), cells)


def _crd_cell(column_type: str, value: Any, now: datetime) -> Any:
    if column_type == "string":
        if value is None:
            return None
        if isinstance(value, dict | list):
            return go_json(value)
        return go_print(value)
    if value is None:
        return None
    if column_type == "integer" and isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    if column_type == "number" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if column_type == "boolean" and isinstance(value, bool):
        return value
    if column_type == "date" and isinstance(value, str):
        moment = parse_timestamp(value)
        if moment is None:
            return "<invalid>"
        if moment == _ZERO_TIME:
            return "<unknown>"
        return human_duration(now - moment)
    return None
