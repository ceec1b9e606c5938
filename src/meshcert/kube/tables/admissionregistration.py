"""Printers of admission webhook configurations: NAME WEBHOOKS AGE."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .columns import AGE, NAME, Column, Object, Printer, created, name_of
from .formatting import age

_GROUP = "admissionregistration.k8s.io"
WEBHOOK_COLUMNS = (
    NAME,
    Column(
        "Webhooks",
        "integer",
        "Webhooks indicates the number of webhooks registered in this configuration",
    ),
    AGE,
)


def _webhook_cells(configuration: Object, now: datetime) -> list[Any]:
    webhooks = configuration.get("webhooks")
    count = len(webhooks) if isinstance(webhooks, list) else 0
    return [name_of(configuration), count, age(created(configuration), now)]


PRINTERS = {
    (_GROUP, "mutatingwebhookconfigurations"): Printer(WEBHOOK_COLUMNS, _webhook_cells),
    (_GROUP, "validatingwebhookconfigurations"): Printer(WEBHOOK_COLUMNS, _webhook_cells),
}
