"""A cluster where Istio's validating webhook is active: the `istiod-default-validator`
configuration for security.istio.io and networking.istio.io, and an istiod Service with a
ready endpoint (as `istioctl install` leaves them), plus namespaces `foo` and `istio-system`."""

from __future__ import annotations

import yaml

from meshcert.kube.cluster import Cluster, new_cluster
from meshcert.mesh.validation import install

WEBHOOK = """
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata: {name: istiod-default-validator}
webhooks:
- name: validation.istio.io
  admissionReviewVersions: [v1]
  sideEffects: None
  failurePolicy: Ignore
  clientConfig: {service: {name: istiod, namespace: istio-system, path: /validate}}
  rules:
  - apiGroups: [security.istio.io, networking.istio.io]
    apiVersions: ["*"]
    operations: [CREATE, UPDATE]
    resources: ["*"]
---
apiVersion: v1
kind: Service
metadata: {name: istiod, namespace: istio-system}
spec: {ports: [{name: https-webhook, port: 443, targetPort: 15017}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: istiod, namespace: istio-system}
subsets: [{addresses: [{ip: 10.244.0.9}], ports: [{name: https-webhook, port: 15017}]}]
"""


def validating_cluster() -> Cluster:
    made = new_cluster()
    install(made)
    for ns in ("foo", "istio-system"):
        made.create(made.kind("", "namespaces"), {"metadata": {"name": ns}})
    for doc in yaml.safe_load_all(WEBHOOK):
        made.create(made.kind_of(doc), doc)
    return made
