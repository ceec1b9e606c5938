"""Whether istiod accepts a mesh config text, and the error it gives when not.

istiod 1.26 reads the `mesh` key of its ConfigMap with `mesh.ApplyMeshConfig` (istio/istio
pkg/config/mesh/mesh.go), in three steps, and so does this check:

1. YAML to JSON (sigs.k8s.io/yaml `YAMLToJSON`, go-yaml v2 underneath: `yes`/`no`/`on`/`off`
   and also `y`/`n` are booleans, a date stays a string). YAML that does not parse is refused.
2. The JSON decoded into the MeshConfig proto by `protomarshal.ApplyJSON`, the legacy jsonpb
   decoder, which retries with unknown fields allowed: a misspelt field name is ignored, not
   refused. A wrong JSON type or an enum value the proto does not know, anywhere in the tree
   (`defaultConfig`, `extensionProviders`, ...), is refused; the error is prefixed
   `failed to convert to proto. ` (`multierror.Prefix`). See `meshconfig_jsonpb` for the
   decoder and `meshconfig_schema` for the tree.
3. The decoded config over istiod's defaults checked by `agent.ValidateMeshConfig`, whose error
   is returned as it is (`meshconfig_validation`).

The decoder and the tree are imported on the first text checked, not with the lab.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import yaml

_PREFIX = "failed to convert to proto. "
_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL = "tag:yaml.org,2002:bool"
_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"
_GO_YAML_BOOLS = {
    **dict.fromkeys(("y", "Y", "yes", "Yes", "YES", "on", "On", "ON"), True),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("n", "N", "no", "No", "NO", "off", "Off", "OFF"), False),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}


@functools.cache
def _go_yaml_loader() -> Any:
    """PyYAML resolving plain scalars as go-yaml v2 does (resolve.go): `y`/`n` are booleans,
    `1e3` is a float, `1:30` (YAML 1.1 base 60) and timestamps are strings. Built on first
    use: its patterns are compiled only when a text is checked, not when the lab starts."""

    class GoYamlLoader(_BASE):  # type: ignore[misc]
        pass

    dropped = {"tag:yaml.org,2002:timestamp", _INT, _FLOAT}
    GoYamlLoader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in dropped]
        for first, resolvers in _BASE.yaml_implicit_resolvers.items()
    }
    GoYamlLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:y|Y|n|N)$"), list("yYnN"))
    GoYamlLoader.add_implicit_resolver(
        _INT,
        re.compile(r"^[-+]?(?:0b[0-1_]+|0[0-7_]+|0|[1-9][0-9_]*|0x[0-9a-fA-F_]+)$"),
        list("-+0123456789"),
    )
    GoYamlLoader.add_implicit_resolver(
        _FLOAT,
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    )
    GoYamlLoader.add_constructor(
        _BOOL, lambda loader, node: _GO_YAML_BOOLS[loader.construct_scalar(node)]
    )
    return GoYamlLoader


@functools.lru_cache(maxsize=128)
def mesh_config_error(text: str | None) -> str | None:
    """None when istiod would accept `text`; else the error `mesh.ApplyMeshConfig` returns."""
    if text is None or not text.strip():
        return None
    try:
        doc = yaml.load(text, Loader=_go_yaml_loader())
    except yaml.YAMLError as exc:
        return f"{_PREFIX}error converting YAML to JSON: {_yaml_error(exc)}"
    if doc is None:
        return None
    unsupported = _non_finite(doc)
    if unsupported is not None:  # json.Marshal in YAMLToJSON refuses it
        return f"{_PREFIX}json: unsupported value: {unsupported}"
    from .meshconfig_jsonpb import OBJECT, message_error, type_error
    from .meshconfig_schema import message_tree

    if not isinstance(doc, dict):
        return _PREFIX + type_error(doc, OBJECT)
    error = message_error(message_tree(), "MeshConfig", doc)
    if error is not None:
        return _PREFIX + error
    from .meshconfig_validation import validation_error

    return validation_error(doc)


def _non_finite(value: Any) -> str | None:
    """The first infinity or NaN json.Marshal meets (it visits map keys sorted), spelt as
    strconv.FormatFloat does."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("+Inf" if value > 0 else "-Inf")
    if isinstance(value, dict):
        value = [value[key] for key in sorted(value, key=str)]
    if isinstance(value, list):
        for item in value:
            found = _non_finite(item)
            if found is not None:
                return found
    return None


def _yaml_error(exc: yaml.YAMLError) -> str:
    """go-yaml v2's parse error (yaml.go `parser.fail`): `yaml: line N: <problem>`, the
    problem being libyaml's words (which the C loader reports too); N is the problem's
    0-based line, plus one for a scanner error, else the context's line, none when 0."""
    problem = getattr(exc, "problem", None) or "unknown problem parsing YAML content"
    mark, context = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    line = 0
    if mark is not None and mark.line != 0:
        line = mark.line + (1 if isinstance(exc, yaml.scanner.ScannerError) else 0)
    elif context is not None:
        line = context.line
    return f"yaml: line {line}: {problem}" if line else f"yaml: {problem}"
