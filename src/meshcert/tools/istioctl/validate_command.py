"""`istioctl validate -f FILE|DIR|-` (alias `v`): Istio's own validation of the Istio resources
in files, before they reach a cluster, with the real command's texts and exit codes.

Source: istio/istio istioctl/pkg/validate/validate.go. Every Istio resource (networking,
security, telemetry and extensions kinds, matched by group and kind) is decoded strictly (an
unknown field is `cannot parse proto message: unknown field "x" in <message>`) and validated by
the same validators as the lab's validating webhook and analyze's IST0106 (`meshcert.mesh.
validation.validate_config`); an object without a namespace is validated in `-n` or
`default`. Services get the port-naming check and Deployments the telemetry-labels warning;
other Kubernetes objects pass unchecked, as in the real tool. Errors are one multierror,
`Error: N error(s) occurred:` with one `* Kind/namespace/name: message` point each (the
namespace as written in the file), exit code 1; warnings print as `"FILE" has warnings:`. The
real command writes its report to cobra's OutOrStderr, so everything goes to stderr.

IstioOperator documents get the operator's strict decoding, revision and gateway-name checks
(operator/pkg/apis/validation/validation.go). Not modelled: the operator's values, mesh config
and port checks, and a field of the wrong JSON type, which is left to the validators instead of
failing proto decoding.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from meshcert.kube.cluster import Cluster
from meshcert.kube.execution.filesystem import FileSystemError
from meshcert.kube.kinds import ResourceKind
from meshcert.kube.schemas.catalogue import definition, resolve
from meshcert.kube.validation import check_object
from meshcert.mesh.install import ISTIO_VERSION
from meshcert.mesh.validation import validate_config
from meshcert.mesh.validation.authorizationpolicies import validate_authorization_policy
from meshcert.mesh.validation.common import PROTOCOLS
from meshcert.mesh.validation.errors import go_quote
from meshcert.mesh.validation.peerauthentications import validate_peer_authentication
from meshcert.mesh.validation.requestauthentications import validate_request_authentication
from meshcert.mesh.validation.warnings import virtual_service_warnings

from .analyze.command import DIRECTORIES
from .commands import Command, Flag, Invocation, UsageError

Obj = dict[str, Any]

MISSING_FILENAME = """error: you must specify resources by --filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'"""
EXTENSIONS = (".json", ".yaml", ".yml")
DOCS = f"https://istio.io/v{'.'.join(ISTIO_VERSION.split('.')[:2])}/docs/"
DEPLOYMENT_REQUIREMENTS = DOCS + "ops/deployment/requirements/"
PROTOCOL_SELECTION = DOCS + "ops/configuration/traffic-management/protocol-selection/"
VALID_FIELDS = ("apiVersion", "kind", "metadata", "spec", "status")
# The proto package of each Istio API group (every served version shares the oldest's protos).
PROTO_PACKAGES = {
    "networking.istio.io": "istio.networking.v1alpha3",
    "security.istio.io": "istio.security.v1beta1",
    "telemetry.istio.io": "istio.telemetry.v1alpha1",
    "extensions.istio.io": "istio.extensions.v1alpha1",
}
NAME_LABELS = ("service.istio.io/canonical-name", "app.kubernetes.io/name", "app")
REVISION_LABELS = ("service.istio.io/canonical-revision", "app.kubernetes.io/version", "version")
OPERATOR_API_VERSION = "install.istio.io/v1alpha1"
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_OBJECT_NAME = re.compile(r"[a-z0-9.-]{1,254}")
_SEPARATOR = re.compile(r"^---[ \t]*$", re.M)

_WARNINGS: dict[str, Callable[[str, str, Mapping[str, Any]], list[str]]] = {
    "VirtualService": lambda _n, _ns, spec: virtual_service_warnings(spec),
    "AuthorizationPolicy": lambda n, ns, spec: validate_authorization_policy(n, ns, spec)[1],
    "RequestAuthentication": lambda _n, _ns, spec: validate_request_authentication(spec)[1],
    "PeerAuthentication": lambda _n, _ns, spec: validate_peer_authentication(spec)[1],
}


class _Report:
    """What one run found: errors in order, warnings per file, the files processed."""

    def __init__(self, inv: Invocation) -> None:
        self.inv = inv
        self.errors: list[str] = []
        self.warnings: dict[str, list[str]] = {}
        self.files: list[str] = []
        self.istio_namespace = str(inv.flag("istioNamespace") or "istio-system")
        self.default_namespace = str(inv.flag("namespace") or "default")


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return f"error converting YAML to JSON: yaml: line {mark.line + 1}: {problem}"
    return f"error converting YAML to JSON: yaml: {problem}"


def _documents(text: str) -> list[str]:
    """The documents of a stream as Kubernetes' YAMLReader splits it (`---` lines)."""
    return _SEPARATOR.split(text)


def _istio_kind(cluster: Cluster, api_version: str, kind: str) -> ResourceKind | None:
    """The Istio kind of an object, matched by group, version alias and kind."""
    group, _, version = api_version.rpartition("/")
    if group not in PROTO_PACKAGES:
        return None
    found = cluster.registry.by_kind(group, kind)
    return found if found is not None and version in found.versions else None


def _message_of(kind: ResourceKind, path: tuple[str | int, ...]) -> str:
    """The proto message holding the field at `path` (from the schema's `$ref` names)."""
    package = PROTO_PACKAGES[kind.group]
    message = kind.kind
    node: Any = definition(kind.schema)
    for key in path[:-1]:
        target = resolve(node)
        node = target.get("items") if isinstance(key, int) else (
            (target.get("properties") or {}).get(key)
        )  # fmt: skip
        if not isinstance(node, Mapping):
            break
        ref = str(node.get("$ref") or (node.get("items") or {}).get("$ref") or "")
        if ref and key != "spec":
            message = ref.rsplit(".", 1)[-1]
    return f"{package}.{message}"


def _unknown_field(kind: ResourceKind, obj: Obj) -> str | None:
    """jsonpb's strict-decoding error for the first unknown field under `spec`."""
    unknown, _causes = check_object(kind, obj)
    for path in unknown:
        if len(path) >= 2 and path[0] == "spec":
            return (
                f"cannot parse proto message: unknown field {go_quote(str(path[-1]))} in "
                f"{_message_of(kind, tuple(path))}"
            )
    return None


def _validate_istio(report: _Report, kind: ResourceKind, obj: Obj) -> tuple[list[str], list[str]]:
    problem = _unknown_field(kind, obj)
    if problem is not None:
        return [problem], []
    unknown = [k for k in obj if k not in VALID_FIELDS]
    if unknown:
        return [f"unknown field {go_quote(k)}" for k in unknown], []
    meta = obj.get("metadata") or {}
    name = str(meta.get("name") or "")
    namespace = str(meta.get("namespace") or "") or report.default_namespace
    spec = obj.get("spec") or {}
    if not isinstance(spec, Mapping):
        spec = {}
    errors = list(validate_config(kind.kind, name, namespace, spec).items)
    warn = _WARNINGS.get(kind.kind)
    return errors, (warn(name, namespace, spec) if warn else [])


def _unsupported_protocol(name: str) -> bool:
    return name.split("-", 1)[0].lower() not in PROTOCOLS


def _service_ports(report: _Report, svc: Obj) -> list[str]:
    meta = svc.get("metadata") or {}
    namespace = str(meta.get("namespace") or "")
    if namespace == report.istio_namespace:
        return []
    where = go_quote(f"{meta.get('name') or ''}/{namespace}/:")
    problems: list[str] = []
    for port in (svc.get("spec") or {}).get("ports") or []:
        if not isinstance(port, Mapping):
            continue
        if str(port.get("protocol") or "").upper() == "UDP":
            continue
        if port.get("appProtocol") is not None:
            if str(port["appProtocol"]).lower() not in PROTOCOLS:
                problems.append(f"service {where} doesn't follow Istio protocol selection. "
                                f"This is not recommended, See {PROTOCOL_SELECTION}")  # fmt: skip
        elif port.get("name") is None:
            problems.append(f"service {where} has an unnamed port. This is not recommended, "
                            f"See {DEPLOYMENT_REQUIREMENTS}")  # fmt: skip
        elif _unsupported_protocol(str(port["name"])):
            named = go_quote(str(port["name"]))
            problems.append(f"service {where} port {named} does not follow the Istio naming "
                            f"convention. See {DEPLOYMENT_REQUIREMENTS}")  # fmt: skip
    return problems


def _go_map(labels: Mapping[str, Any]) -> str:
    """Go's %q of a map[string]string: keys sorted, both sides quoted."""
    return "map[" + " ".join(f"{go_quote(k)}:{go_quote(str(v))}" for k, v in sorted(
        labels.items())) + "]"  # fmt: skip


def _deployment_labels(report: _Report, deployment: Obj) -> None:
    meta = deployment.get("metadata") or {}
    namespace = str(meta.get("namespace") or "")
    if namespace == report.istio_namespace:
        return
    template = ((deployment.get("spec") or {}).get("template") or {}).get("metadata") or {}
    labels = template.get("labels") or {}
    if any(k in labels for k in NAME_LABELS) and any(k in labels for k in REVISION_LABELS):
        return
    where = go_quote(f"{meta.get('name') or ''}/{namespace}:")
    report.inv.err(f"deployment {where} may not provide Istio metrics and telemetry labels: "
                   f"{_go_map(labels)}. See {DEPLOYMENT_REQUIREMENTS}\n")  # fmt: skip


def _validate_object(report: _Report, obj: Obj) -> tuple[list[str], list[str]]:
    api_version, kind_name = str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")
    kind = _istio_kind(report.inv.cluster, api_version, kind_name)
    if kind is not None:
        return _validate_istio(report, kind, obj)
    if isinstance(obj.get("items"), list):
        errors: list[str] = []
        for item in obj["items"]:
            if isinstance(item, dict) and item.get("kind") == "Service":
                errors += _service_ports(report, item)
            if isinstance(item, dict) and item.get("kind") == "Deployment":
                _deployment_labels(report, item)
        if errors:
            return errors, []
    if kind_name == "Service":
        return _service_ports(report, obj), []
    if kind_name == "Deployment":
        _deployment_labels(report, obj)
    if api_version == OPERATOR_API_VERSION and kind_name == "IstioOperator":
        return _istio_operator(report, obj), []
    return [], []


def _istio_operator(report: _Report, obj: Obj) -> list[str]:
    """operator/pkg/apis/validation ParseAndValidateIstioOperator: strict JSON decoding, then
    the revision and gateway names (one util.Errors, joined by newlines)."""
    unknown = [k for k in obj if k not in VALID_FIELDS]
    if unknown:
        return [f"unknown field {go_quote(k)}" for k in unknown]
    kind = report.inv.cluster.registry.by_kind("install.istio.io", "IstioOperator")
    paths = check_object(kind, obj)[0] if kind is not None else []
    spec_paths = [p for p in paths if len(p) >= 2 and p[0] == "spec"]
    if spec_paths:
        return [f"could not unmarshal: json: unknown field {go_quote(str(spec_paths[0][-1]))}"]
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    problems: list[str] = []
    revision = str((spec or {}).get("revision") or "")
    if revision and not (len(revision) <= 63 and _DNS1123_LABEL.match(revision)):
        problems.append(f"invalid revision specified: {revision}")
    components = (spec or {}).get("components") or {}
    for field, context in (
        ("egressGateways", "egressGateways.name"),
        ("ingressGateways", "inressGateways.name"),
    ):  # sic, validation.go
        for gateway in components.get(field) or []:
            name = str((gateway or {}).get("name") or "")
            if name and not _OBJECT_NAME.fullmatch(name):
                problems.append(f"invalid value {context}: {name}")
                break
    return ["\n".join(problems)] if problems else []


def _validate_file(report: _Report, path: str, text: str) -> None:
    report.files.append(path)
    warnings = report.warnings.setdefault(path, [])
    for doc in _documents(text):
        try:
            obj = yaml.safe_load(doc)
        except yaml.YAMLError as exc:
            report.errors.append(f"failed to decode file {path}:  {_yaml_problem(exc)}")
            return
        if obj is None:
            continue
        if not isinstance(obj, dict):
            report.errors.append(
                f"failed to decode file {path}:  error unmarshaling JSON: while decoding JSON: "
                f"json: cannot unmarshal {'array' if isinstance(obj, list) else 'string'} into "
                "Go value of type map[string]interface {}"
            )
            return
        raw_meta = obj.get("metadata")
        meta: Obj = raw_meta if isinstance(raw_meta, dict) else {}
        prefix = f"{obj.get('kind') or ''}/{meta.get('namespace') or ''}/{meta.get('name') or ''}:"
        errors, found = _validate_object(report, obj)
        report.errors += [f"{prefix} {e}" for e in errors]
        warnings += [f"{prefix} {w}" for w in found]


def _gather(report: _Report, name: str) -> None:
    inv = report.inv
    if name == "-":
        _validate_file(report, "-", inv.stdin().decode("utf-8", "replace"))
        return
    lister = DIRECTORIES.get()

    def walk(directory: str) -> None:  # filepath.Walk: lexical order, depth first
        for entry in sorted(lister(directory) or []):
            path = posixpath.join(directory, entry)
            if lister(path) is not None:
                walk(path)
            elif path.endswith(EXTENSIONS):
                _validate_file(report, path, inv.read_file(path).decode("utf-8", "replace"))

    if lister(name) is not None:
        walk(name)
        return
    try:
        data = inv.read_file(name)
    except FileSystemError:
        report.errors.append(
            f"cannot stat file {go_quote(name)}: stat {name}: no such file or directory"
        )
        return
    _validate_file(report, name, data.decode("utf-8", "replace"))


def _warning_text(warnings: list[str]) -> str:
    return "\n\t" + "\n\t".join(f"* {w}" for w in warnings) + "\n"


def run_validate(inv: Invocation) -> int:
    names = [str(n) for n in inv.flag("filename") or []]
    if not names:
        raise UsageError(MISSING_FILENAME)
    report = _Report(inv)
    for name in names:
        _gather(report, name)
    for fname in report.files:
        warnings = report.warnings.get(fname)
        if report.errors and not warnings:
            continue
        if fname == "-":
            inv.err(_warning_text(warnings) if warnings else "validation succeed\n")
            break
        if warnings:
            inv.err(f"{go_quote(fname)} has warnings: {_warning_text(warnings)}\n")
        else:
            inv.err(f"{go_quote(fname)} is valid\n")
    if report.errors:
        count = len(report.errors)
        points = "\n\t".join(f"* {e}" for e in report.errors)
        noun = "error" if count == 1 else "errors"
        raise UsageError(f"{count} {noun} occurred:\n\t{points}\n\n")
    return 0


def add_validate_command(root: Command) -> None:
    root.add(
        Command(
            "validate",
            "Validate Istio policy and rules files",
            run_validate,
            (
                Flag("filename", "f", kind="list", help="Inputs of files to validate"),
                Flag(
                    "referential",
                    "x",
                    kind="bool",
                    default=True,
                    help="Enable structural validation for policy and telemetry",
                ),
            ),
            aliases=("v",),
            max_args=0,
            usage="-f FILENAME [options]",
        )
    )


__all__ = ["add_validate_command", "run_validate"]
