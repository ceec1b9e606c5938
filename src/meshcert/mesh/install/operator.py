"""The effective IstioOperator spec: a profile, then `-f` files in order, then `--set` flags.

Source: istio/istio operator/pkg/render/manifest.go (profile from the overlays, overlays merged
in order, --set applied last) and istio.io docs/setup/install/istioctl ("Customizing the
configuration"): `--set` paths under `values.`, `meshConfig.` and `components.`, list entries
by index (`[0]`) or by key (`[name:istio-ingressgateway]`), dots in keys escaped as `\\.`.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import yaml

from meshcert.kube.cluster import Cluster
from meshcert.kube.validation import check_object, field_path

from .errors import InstallError
from .profiles import PROFILE_NAMES, profile_spec

Spec = dict[str, Any]

API_VERSION = "install.istio.io/v1alpha1"
# Top-level Helm values the charts read (istio/istio operator/pkg/apis/values_types.proto).
VALUE_KEYS = frozenset(
    {
        "base",
        "cni",
        "compatibilityVersion",
        "defaultRevision",
        "experimental",
        "gateways",
        "gatewayClasses",
        "global",
        "istio_cni",
        "istiodRemote",
        "meshConfig",
        "ownerName",
        "pilot",
        "platform",
        "profile",
        "revision",
        "revisionTags",
        "sidecarInjectorWebhook",
        "telemetry",
        "ztunnel",
    }
)
_INDEX = re.compile(r"^(?P<key>[^\[\]]*)\[(?P<sel>[^\]]*)\]$")


def parse_operator(text: str, source: str) -> Spec:
    """The spec of an IstioOperator document; InstallError when it is not one."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InstallError(f"could not parse {source}: {exc}") from exc
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InstallError(f"{source}: could not unmarshal IstioOperator: not a YAML object")
    if doc.get("kind") != "IstioOperator" or not str(doc.get("apiVersion", "")).startswith(
        "install.istio.io/"
    ):
        raise InstallError(
            f"{source}: expected kind IstioOperator in apiVersion {API_VERSION}, got kind "
            f'"{doc.get("kind", "")}"'
        )
    spec = doc.get("spec") or {}
    if not isinstance(spec, dict):
        raise InstallError(f"{source}: spec must be an object")
    return spec


def operator_name(files: list[tuple[str, str]]) -> str:
    """`metadata.name` of the IstioOperator the `-f` files overlay into (the last file naming
    one wins); "" when none does. istioctl labels what it installs with it
    (`install.operator.istio.io/owning-resource`) and prunes only what carries the same name."""
    name = ""
    for _, text in files:
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError:
            continue
        meta = doc.get("metadata") if isinstance(doc, dict) else None
        if isinstance(meta, dict) and meta.get("name"):
            name = str(meta["name"])
    return name


def merge(base: Any, overlay: Any) -> Any:
    """Overlay `overlay` on `base`: maps merge key by key, lists of named entries merge by
    `name`, other lists and scalars replace."""
    if isinstance(base, dict) and isinstance(overlay, dict):
        out = dict(base)
        for key, value in overlay.items():
            out[key] = merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    if _named_list(base) and _named_list(overlay):
        out_list = [copy.deepcopy(e) for e in base]
        for entry in overlay:
            for i, existing in enumerate(out_list):
                if existing.get("name") == entry.get("name"):
                    out_list[i] = merge(existing, entry)
                    break
            else:
                out_list.append(copy.deepcopy(entry))
        return out_list
    return copy.deepcopy(overlay)


def _named_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(e, dict) and "name" in e for e in value)


def split_path(path: str) -> list[str]:
    """`a.b\\.c.d` -> ["a", "b.c", "d"]."""
    parts, current, escaped = [], "", False
    for ch in path:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ".":
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def parse_value(text: str) -> Any:
    """A --set value: true/false, integers and floats are typed; anything else is a string."""
    if text in ("true", "false"):
        return text == "true"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def apply_set(spec: Spec, expression: str) -> None:
    """Apply one `--set path=value` to `spec` in place."""
    path, sep, raw = expression.partition("=")
    if not sep or not path:
        raise InstallError(f"--set {expression}: expected path=value")
    parts = split_path(path.removeprefix("spec."))
    head = _INDEX.match(parts[0])
    top = head.group("key") if head else parts[0]
    if top not in _SPEC_FIELDS:
        raise InstallError(f'unknown field "{top}" in IstioOperatorSpec (from --set {path})')
    if top == "values" and len(parts) > 1 and _key(parts[1]) not in VALUE_KEYS:
        raise InstallError(f'unknown field "{_key(parts[1])}" in Values (from --set {path})')
    value = parse_value(raw)
    node: Any = spec
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        match = _INDEX.match(part)
        if match is None:
            if not isinstance(node, dict):
                raise InstallError(f"--set {path}: {'.'.join(parts[:i])} is not an object")
            if last:
                node[part] = value
            else:
                nxt = node.get(part)
                if not isinstance(nxt, (dict, list)):
                    nxt = node[part] = {}
                node = nxt
            continue
        key, selector = match.group("key"), match.group("sel")
        if not isinstance(node, dict):
            raise InstallError(f"--set {path}: {'.'.join(parts[:i])} is not an object")
        items = node.setdefault(key, [])
        if not isinstance(items, list):
            raise InstallError(f"--set {path}: {key} is not a list")
        entry = _select(items, selector, path)
        if last:
            items[items.index(entry)] = value
        else:
            node = entry


def _select(items: list[Any], selector: str, path: str) -> Any:
    if selector.isdigit():
        index = int(selector)
        while len(items) <= index:
            items.append({})
        return items[index]
    field, sep, wanted = selector.partition(":")
    if not sep:
        raise InstallError(f"--set {path}: bad list selector [{selector}]")
    for item in items:
        if isinstance(item, dict) and str(item.get(field)) == wanted:
            return item
    item = {field: wanted}
    items.append(item)
    return item


def _key(part: str) -> str:
    match = _INDEX.match(part)
    return match.group("key") if match else part


_SPEC_FIELDS = frozenset(
    {
        "profile",
        "dryRun",
        "installPackagePath",
        "hub",
        "tag",
        "namespace",
        "revision",
        "compatibilityVersion",
        "meshConfig",
        "components",
        "values",
        "unvalidatedValues",
    }
)


def effective_spec(
    cluster: Cluster,
    files: list[tuple[str, str]],
    sets: list[str],
    revision: str | None = None,
) -> Spec:
    """The spec istioctl installs for these `-f` files ((path, text) in order) and --set flags;
    InstallError on an unknown profile, field or bad value."""
    overlays = [parse_operator(text, path) for path, text in files]
    set_spec: Spec = {}
    for expression in sets:
        apply_set(set_spec, expression)
    profile = "default"
    for overlay in [*overlays, set_spec]:
        if overlay.get("profile"):
            profile = str(overlay["profile"])
    if profile not in PROFILE_NAMES:
        raise InstallError(
            f'profile "{profile}" not found. Available profiles: {", ".join(PROFILE_NAMES)}'
        )
    spec = profile_spec(profile)
    for overlay in overlays:
        spec = merge(spec, overlay)
    spec = dict(merge(spec, set_spec))
    if revision:
        spec["revision"] = revision
    _validate(cluster, spec)
    return spec


def _validate(cluster: Cluster, spec: Spec) -> None:
    kind = cluster.kind("install.istio.io", "istiooperators")
    obj = {"apiVersion": API_VERSION, "kind": "IstioOperator", "metadata": {}, "spec": spec}
    unknown, causes = check_object(kind, obj)
    if unknown:
        raise InstallError(f'unknown field "{field_path(unknown[0])}" in IstioOperator')
    if causes:
        cause = causes[0]
        raise InstallError(f"invalid IstioOperator: {cause.field}: {cause.message}")
    for key in spec.get("values") or {}:
        if key not in VALUE_KEYS:
            raise InstallError(f'unknown field "{key}" in Values')
    revision = spec.get("revision") or ""
    if revision and not re.match(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", str(revision)):
        raise InstallError(
            f'invalid revision specified: "{revision}": a revision must consist of lower case '
            "alphanumeric characters or '-'"
        )
