"""The Kubernetes release the lab's API server and kubelets claim to be.

Istio 1.26 supports Kubernetes 1.29 to 1.33 (istio.io docs/releases/supported-releases), so
the lab is a 1.33 cluster: `istioctl precheck` and version checks see a supported platform.
kubectl within one minor version either side talks to it without a skew warning; newer
clients (the test suite's 1.37) work, as they do against a real 1.33 server.
"""

from __future__ import annotations

MAJOR = 1
MINOR = 33
PATCH = 4
GIT_VERSION = f"v{MAJOR}.{MINOR}.{PATCH}"

__all__ = ["GIT_VERSION", "MAJOR", "MINOR", "PATCH"]
