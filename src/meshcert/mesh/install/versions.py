"""The Istio release the lab installs and its image coordinates."""

from __future__ import annotations

ISTIO_VERSION = "1.26.2"
HUB = "docker.io/istio"
HELM_CHART_VERSION = ISTIO_VERSION


def image(name: str, hub: str = HUB, tag: str = ISTIO_VERSION) -> str:
    """`docker.io/istio/<name>:<tag>`, as the charts spell Istio's images."""
    return f"{hub}/{name}:{tag}"
