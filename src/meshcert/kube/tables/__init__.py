"""Server-side printing: objects as the meta.k8s.io/v1 Table that `kubectl get` asks for.

Each kind's columns and cells follow the apiserver's printers (built-in kinds) or the CRD's
`additionalPrinterColumns` (Istio, Gateway API), so kubectl shows what a real cluster shows.
Pure functions over object dicts; no I/O.
"""

from __future__ import annotations

from .converting import printer_for, table_for

__all__ = ["printer_for", "table_for"]
