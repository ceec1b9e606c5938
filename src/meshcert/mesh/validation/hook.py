"""Istio's validating admission webhook as a kube validating hook.

Active only while a ValidatingWebhookConfiguration holds an Istio validation webhook
(`validation.istio.io` in `istiod-default-validator`, `rev.validation.istio.io` in
`istio-validator[-<rev>]-istio-system`) whose rules and objectSelector cover the object, as a
real apiserver calls it. A denial is the apiserver's webhook error (k8s.io/apiserver
webhookerrors.ToStatusErr: code 400 and Istio sets no reason, so kubectl prints
`Error from server: error when creating "vs.yaml": admission webhook ... denied the request`) with
Istio's message `configuration is invalid: <errors>` (pkg/webhooks/validation/server). While
istiod has no ready endpoint the call fails: failurePolicy Fail rejects with the apiserver's
`Internal error occurred: failed calling webhook ...`, Ignore lets the object through.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from meshcert.kube import errors
from meshcert.kube.admission import AdmissionRequest
from meshcert.kube.selectors import selector_from_dict

from .errors import Errors

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

# The validators load with the first Istio object validated: a lab seeded without Istio
# configuration does not import them (docs/benchmarks.md, lab start).

WEBHOOK_SUFFIX = "validation.istio.io"
NET, SEC = "networking.istio.io", "security.istio.io"


class WebhookDenied(errors.KubeError):
    """A webhook's rejection as the apiserver returns it (webhookerrors.ToStatusErr): code
    400 and no reason, so kubectl prints `Error from server: ...`."""

    code = 400
    reason = ""


def validate_config(kind: str, name: str, namespace: str, spec: Mapping[str, Any]) -> Errors:
    """Istio's validation errors for one networking.istio.io object (empty = valid)."""
    from .authorizationpolicies import validate_authorization_policy
    from .destinationrules import validate_destination_rule
    from .gateways import validate_gateway
    from .peerauthentications import validate_peer_authentication
    from .requestauthentications import validate_request_authentication
    from .serviceentries import validate_service_entry, validate_sidecar
    from .virtualservices import validate_virtual_service

    if kind == "VirtualService":
        return validate_virtual_service(namespace, spec)
    if kind == "DestinationRule":
        return validate_destination_rule(namespace, spec)
    if kind == "Gateway":
        return validate_gateway(name, spec)
    if kind == "ServiceEntry":
        return validate_service_entry(namespace, spec)
    if kind == "Sidecar":
        return validate_sidecar(namespace, spec)
    if kind == "AuthorizationPolicy":
        return validate_authorization_policy(name, namespace, spec)[0]
    if kind == "RequestAuthentication":
        return validate_request_authentication(spec)[0]
    if kind == "PeerAuthentication":
        return validate_peer_authentication(spec)[0]
    return Errors()


def _rule_covers(rule: Mapping[str, Any], group: str, plural: str, operation: str) -> bool:
    def has(key: str, value: str) -> bool:
        values = [str(v) for v in rule.get(key) or []]
        return "*" in values or value in values

    return has("apiGroups", group) and has("resources", plural) and has("operations", operation)


def active_webhook(cluster: Cluster, request: AdmissionRequest) -> str | None:
    """The name of the first Istio validation webhook that the apiserver would call for
    `request` (configurations by name, webhooks in order), or None."""
    found = _active(cluster, request)
    return str(found.get("name")) if found is not None else None


def _unreachable(cluster: Cluster, hook: Mapping[str, Any]) -> str | None:
    """Why the apiserver cannot call `hook`'s service (k8s.io/apiserver webhook dispatch:
    `no endpoints available for service "istiod"`), or None when istiod answers."""
    service = (hook.get("clientConfig") or {}).get("service")
    if not isinstance(service, Mapping):
        return None
    ns, name = str(service.get("namespace") or ""), str(service.get("name") or "")
    port = service.get("port") or 443
    path = str(service.get("path") or "/validate")
    svc_kind = cluster.registry.by_plural("", "services")
    ep_kind = cluster.registry.by_plural("", "endpoints")
    if svc_kind is None or ep_kind is None:
        return None
    if cluster.store.get(svc_kind, ns, name) is None:
        return f'failed to call webhook: service "{name}" not found'
    endpoints = cluster.store.get(ep_kind, ns, name) or {}
    if any(s.get("addresses") for s in endpoints.get("subsets") or []):
        return None
    seconds = hook.get("timeoutSeconds") or 10
    return (
        f'failed to call webhook: Post "https://{name}.{ns}.svc:{port}{path}?timeout={seconds}s": '
        f'no endpoints available for service "{name}"'
    )


def _active(cluster: Cluster, request: AdmissionRequest) -> Mapping[str, Any] | None:
    kind = cluster.registry.by_plural(
        "admissionregistration.k8s.io", "validatingwebhookconfigurations"
    )
    if kind is None:
        return None
    labels = ((request.object or {}).get("metadata") or {}).get("labels") or {}
    for config in cluster.store.list(kind):
        for hook in config.get("webhooks") or []:
            name = str(hook.get("name") or "")
            if not name.endswith(WEBHOOK_SUFFIX):
                continue
            rules = hook.get("rules") or []
            if rules and not any(
                _rule_covers(r, request.kind.group, request.kind.plural, request.operation)
                for r in rules
            ):
                continue
            try:
                selector = selector_from_dict(hook.get("objectSelector"))
            except errors.KubeError:
                continue
            if not selector.empty and not selector.matches(labels):
                continue
            return hook  # type: ignore[no-any-return]
    return None


class IstioValidationHook:
    """The validating hook `equip` registers; denies invalid Istio networking objects."""

    name = WEBHOOK_SUFFIX

    def validate(self, cluster: Cluster, request: AdmissionRequest) -> None:
        if request.operation not in ("CREATE", "UPDATE") or request.object is None:
            return
        if request.subresource or request.kind.group not in (NET, SEC):
            return
        if request.kind.kind == "PeerAuthentication":  # the CRD's CEL rules: the apiserver's
            _check_crd_rules(request)
        hook = _active(cluster, request)
        if hook is None:
            return
        webhook = str(hook.get("name"))
        unreachable = _unreachable(cluster, hook)
        if unreachable is not None:
            if hook.get("failurePolicy", "Fail") == "Ignore":
                return
            raise errors.InternalError(
                f'Internal error occurred: failed calling webhook "{webhook}": {unreachable}'
            )
        spec = request.object.get("spec") or {}
        meta = request.object.get("metadata") or {}
        problems = validate_config(
            request.kind.kind,
            str(meta.get("name") or request.name),
            str(meta.get("namespace") or request.namespace),
            spec if isinstance(spec, Mapping) else {},
        )
        if problems:
            raise WebhookDenied(
                f'admission webhook "{webhook}" denied the request: '
                f"configuration is invalid: {problems}"
            )
        request.warnings.extend(_warnings(request.kind.kind, meta, spec))


def _warnings(kind: str, meta: Mapping[str, Any], spec: Any) -> list[str]:
    """What the webhook tells the user about a valid object (kubectl prints `Warning: ...`)."""
    from .authorizationpolicies import validate_authorization_policy
    from .gateways import gateway_warnings
    from .peerauthentications import validate_peer_authentication
    from .requestauthentications import validate_request_authentication
    from .unmodelled import unmodelled_warnings
    from .warnings import virtual_service_warnings

    if not isinstance(spec, Mapping):
        return unmodelled_warnings(kind)
    if kind == "VirtualService":
        return virtual_service_warnings(spec)
    if kind == "Gateway":
        return gateway_warnings(spec)
    if kind == "AuthorizationPolicy":
        name, ns = str(meta.get("name") or ""), str(meta.get("namespace") or "")
        return validate_authorization_policy(name, ns, spec)[1]
    if kind == "PeerAuthentication":
        return validate_peer_authentication(spec)[1]
    if kind == "RequestAuthentication":
        return validate_request_authentication(spec)[1]
    return unmodelled_warnings(kind)


def _check_crd_rules(request: AdmissionRequest) -> None:
    from .peerauthentications import crd_rule_violations

    obj = request.object or {}
    spec = obj.get("spec")
    causes = crd_rule_violations(spec) if isinstance(spec, Mapping) else []
    if causes:
        name = str((obj.get("metadata") or {}).get("name") or request.name)
        raise errors.invalid(request.kind.kind, request.kind.group, name, causes)


def install(cluster: Cluster) -> None:
    """Register the hook on `cluster` (once)."""
    if not any(isinstance(h, IstioValidationHook) for h in cluster.validating_hooks):
        cluster.validating_hooks.append(IstioValidationHook())


__all__ = [
    "WEBHOOK_SUFFIX",
    "IstioValidationHook",
    "WebhookDenied",
    "active_webhook",
    "install",
    "validate_config",
]
