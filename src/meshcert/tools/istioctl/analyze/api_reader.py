"""Reading the analyzed kinds from any cluster through its Kubernetes API (read-only: LIST
only), the second `Reader` next to `LabReader`: the same analyzers then run on a real cluster.

The caller resolves the kubeconfig (server, CA and the user's credentials: a bearer token, a
client certificate in the TLS context it passes, an exec plugin's answer) —
`meshcert.lab.kube_auth` does that for `meshcert istioctl analyze` (docs/istioctl.md). A kind
the server does not serve (404: Istio's CRDs not installed) is skipped, as istioctl skips
collections it cannot watch; lists are paged (`limit`/`continue`).
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from .resources import KINDS, Resource

# the versions to try per API group, preferred first
VERSIONS = {
    "": ("v1",),
    "apps": ("v1",),
    "admissionregistration.k8s.io": ("v1",),
    "networking.istio.io": ("v1", "v1beta1", "v1alpha3"),
    "security.istio.io": ("v1", "v1beta1"),
}
PAGE = 500


class ApiReadError(Exception):
    """The cluster could not be read (unreachable, unauthorized, a server error)."""


@dataclass
class ApiReader:
    server: str
    token: str = ""
    ca_pem: bytes = b""
    insecure: bool = False
    timeout: float = 30.0
    tls: ssl.SSLContext | None = None  # the caller's (client certificate, CA), else built here

    def _context(self) -> ssl.SSLContext:
        if self.tls is not None:
            return self.tls
        context = ssl.create_default_context(cadata=self.ca_pem.decode() or None)
        if self.insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _get(self, path: str, context: ssl.SSLContext) -> dict[str, Any] | None:
        request = urllib.request.Request(self.server.rstrip("/") + path)
        request.add_header("Accept", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, context=context, timeout=self.timeout) as answer:
                body: dict[str, Any] = json.loads(answer.read())
                return body
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise ApiReadError(f"{exc.code} {exc.reason} for GET {path}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiReadError(f"cannot reach {self.server}: {reason}") from exc

    def read(self) -> list[Resource]:
        context = self._context()
        out: list[Resource] = []
        for kind, (group, plural, namespaced) in KINDS.items():
            for version in VERSIONS[group]:
                base = (
                    f"/api/{version}/{plural}" if not group else f"/apis/{group}/{version}/{plural}"
                )
                items = self._list(base, context)
                if items is None:
                    continue
                for obj in items:
                    meta = obj.get("metadata") or {}
                    ns = str(meta.get("namespace") or "") if namespaced else ""
                    out.append(Resource(kind, ns, str(meta.get("name") or ""), obj))
                break
        return out

    def _list(self, base: str, context: ssl.SSLContext) -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = []
        token = ""
        while True:
            query = {"limit": str(PAGE), **({"continue": token} if token else {})}
            body = self._get(f"{base}?{urllib.parse.urlencode(query)}", context)
            if body is None:
                return None
            items.extend(body.get("items") or [])
            token = str((body.get("metadata") or {}).get("continue") or "")
            if not token:
                return items
