"""IST0134 ServiceEntryAddressesRequired: a ServiceEntry without `addresses` has a port whose
protocol is TCP or unset; such traffic is matched by destination IP, so without a virtual IP
the sidecar cannot tell the entry's traffic apart. One message per such port, on the port's
name. Source: istio/istio pkg/config/analysis/analyzers/serviceentry/protocoladdresses.go
(ProtocolAddressesAnalyzer). Not reported when the mesh config's
`defaultConfig.proxyMetadata` turns on ISTIO_META_DNS_CAPTURE together with
ISTIO_META_DNS_AUTO_ALLOCATE or PILOT_ENABLE_IP_AUTOALLOCATE, nor when the entry's status
already carries allocated addresses. The mesh config is the `--meshConfigFile` one when given
and valid, else the `istio` ConfigMap of the istio namespace (key `mesh`), as istioctl reads
the default revision's (`Context.mesh_text`); a text istiod would reject counts as Istio's
defaults, which have no proxyMetadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import yaml

from .. import messages as msg
from ..context import Context, Metadata


def proxy_metadata(context: Context) -> Mapping[str, Any]:
    """meshConfig.defaultConfig.proxyMetadata of the mesh config analysed ({} for defaults)."""
    text = context.mesh_text()
    try:
        mesh = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        return {}
    if not isinstance(mesh, Mapping):
        return {}
    meta = (mesh.get("defaultConfig") or {}).get("proxyMetadata")
    return meta if isinstance(meta, Mapping) else {}


def addresses_auto_allocated(context: Context) -> bool:
    meta = proxy_metadata(context)
    if str(meta.get("ISTIO_META_DNS_CAPTURE")) != "true":
        return False
    keys = ("ISTIO_META_DNS_AUTO_ALLOCATE", "PILOT_ENABLE_IP_AUTOALLOCATE")
    return any(str(meta.get(k)) == "true" for k in keys)


class ProtocolAddressesAnalyzer:
    metadata: ClassVar[Metadata] = Metadata(
        "serviceentry.Analyzer", "Checks the validity of ServiceEntry",
        ("ServiceEntry", "MeshConfig"))  # fmt: skip

    def analyze(self, context: Context) -> None:
        if addresses_auto_allocated(context):
            return
        for se in context.each("ServiceEntry"):
            if se.spec.get("addresses") or (se.obj.get("status") or {}).get("addresses"):
                continue
            for i, port in enumerate(se.spec.get("ports") or []):
                protocol = str((port or {}).get("protocol") or "")
                if protocol == "" or protocol.upper() == "TCP":
                    context.report(msg.ServiceEntryAddressesRequired, se,
                                   at=("spec", "ports", i, "name"))  # fmt: skip
