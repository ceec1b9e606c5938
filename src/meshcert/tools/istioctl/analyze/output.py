"""Printing messages as istioctl analyze does: `log` (one line each, optionally coloured),
`json` (Go's MarshalIndent with tabs, keys sorted, HTML characters escaped) and `yaml`
(sigs.k8s.io/yaml: the same maps as block YAML). Source: istio/istio
istioctl/pkg/util/formatting/formatter.go and pkg/config/analysis/diag/message.go
(Unstructured: code, level, message, origin, reference, documentationUrl).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import yaml

from .context import Message
from .messages import DOCS

FORMATS = ("log", "json", "yaml")
COLORS = {"Info": "", "Warning": "\033[33m", "Error": "\033[1;31m"}


def unstructured(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"code": m.type.code, "level": m.type.level.name}
    if m.resource is not None:
        out["origin"] = m.resource.friendly_name
        ref = m.resource.reference(m.line)
        if ref:
            out["reference"] = ref
    out["message"] = m.text
    out["documentationUrl"] = f"{DOCS}/{m.type.code.lower()}/?ref=istioctl-analyze"
    return dict(sorted(out.items()))


def render(m: Message, color: bool = False) -> str:
    if not color:
        return str(m)
    prefix = COLORS.get(m.type.level.name, "")
    level = f"{prefix}{m.type.level.name}\033[0m"
    return f"{level} [{m.type.code}]{m.origin} {m.text}"


def go_json(value: Any) -> str:
    text = json.dumps(value, indent="\t", ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def format_messages(messages: Sequence[Message], fmt: str, color: bool = False) -> str:
    """The text istioctl writes to stdout (before its final newline)."""
    if fmt == "json":
        return go_json([unstructured(m) for m in messages])
    if fmt == "yaml":
        if not messages:
            return "[]\n"
        docs = [unstructured(m) for m in messages]
        return yaml.safe_dump(docs, allow_unicode=True, width=1 << 30, default_flow_style=False)
    return "\n".join(render(m, color) for m in messages)
