"""Sidecar injection: the mutating admission hook that plays Istio's injection webhooks, the
choice of injector from the MutatingWebhookConfigurations in the cluster (revisions, tags,
the default), and the sidecar template (istio-init, istio-proxy, labels and annotations).

No I/O; imports `meshcert.kube` and `meshcert.mesh.install` (the proxy container).
"""

from __future__ import annotations

from .hook import IGNORED_NAMESPACES, SidecarInjectorHook, injection_required, register
from .selection import Injector, choose_injector
from .template import inject

__all__ = [
    "IGNORED_NAMESPACES",
    "Injector",
    "SidecarInjectorHook",
    "choose_injector",
    "inject",
    "injection_required",
    "register",
]
