"""Installing Istio into the simulated cluster: profiles, IstioOperator overlays and `--set`,
the charts rendered as objects (base, istiod, gateways, CNI, ztunnel), applying and pruning
them, uninstalling, and revision tags. Shared by `istioctl` and `helm` (meshcert.tools).

No I/O: callers read files and hand their text in. Imports only `meshcert.kube` and
`meshcert.mesh.controlplane`.
"""

from __future__ import annotations

from .errors import InstallError
from .installing import InstallResult, install, manifest_yaml, render_spec, uninstall
from .operator import effective_spec
from .profiles import PROFILE_NAMES, profile_spec
from .tags import Tag, list_tags, remove_tag, set_tag
from .versions import ISTIO_VERSION

__all__ = [
    "ISTIO_VERSION",
    "PROFILE_NAMES",
    "InstallError",
    "InstallResult",
    "Tag",
    "effective_spec",
    "install",
    "list_tags",
    "manifest_yaml",
    "profile_spec",
    "remove_tag",
    "render_spec",
    "set_tag",
    "uninstall",
]
