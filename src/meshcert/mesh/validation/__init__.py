"""Istio's own validation of its resources (the `validation.istio.io` webhook): pure validators
per kind that return Istio's error messages, and the kube validating hook that applies them
while the cluster has Istio's ValidatingWebhookConfiguration. No I/O.
"""

from .hook import IstioValidationHook, active_webhook, install, validate_config

__all__ = ["IstioValidationHook", "active_webhook", "install", "validate_config"]
