"""Gateway TLS credentials: the Secret a server's `tls.credentialName` names.

istiod serves them to the gateway over SDS from Secrets in the gateway workload's namespace
(istio/istio pilot/pkg/credentials/kube/secrets.go; istio.io
docs/tasks/traffic-management/ingress/secure-ingress and docs/reference/config/networking/
gateway "ServerTLSSettings.credentialName"):

- the certificate and key: `tls.crt` / `tls.key` (a `kubernetes.io/tls` Secret, or a generic
  one with those keys) or `cert` / `key` (a generic Secret);
- the CA for client certificates (MUTUAL, OPTIONAL_MUTUAL): `ca.crt` or `cacert` in the same
  Secret, else in a separate Secret `<credentialName>-cacert`.

`load_credential` returns the parsed material or the reason it cannot be used (missing Secret,
missing key, PEM that does not parse, key not matching the certificate); the gateway then has
no certificate for that server and closes connections for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography import x509

from ..security.ca import secret_text
from ..security.certificates_verification import PemError, keys_match, load_certificates

if TYPE_CHECKING:
    from meshcert.kube.cluster import Cluster

CA_SUFFIX = "-cacert"
_CACHE_KEY = "mesh.gateways.credentials"


@dataclass(frozen=True)
class Credential:
    """A server certificate chain, whether its key matches, and the client CA (may be empty)."""

    chain: tuple[x509.Certificate, ...]
    client_ca: tuple[x509.Certificate, ...]


def _secret(cluster: Cluster, namespace: str, name: str) -> dict[str, object] | None:
    kind = cluster.registry.by_plural("", "secrets")
    if kind is None:
        return None
    found = cluster.store.get(kind, namespace, name)
    return dict(found) if found is not None else None


def _first(secret: dict[str, object], *keys: str) -> str:
    for key in keys:
        text = secret_text(secret, key)
        if text:
            return text
    return ""


def _version(secret: dict[str, object] | None) -> str:
    meta = (secret or {}).get("metadata")
    return str(meta.get("resourceVersion")) if isinstance(meta, dict) else ""


def load_credential(cluster: Cluster, namespace: str, name: str,
                    need_ca: bool) -> Credential | str:  # fmt: skip
    """The credential `name` in `namespace` (call with `cluster.lock` held), or why not.
    Parsed once per version of its Secrets (cached in `cluster.extensions`)."""
    versions = tuple(_version(_secret(cluster, namespace, n)) for n in (name, name + CA_SUFFIX))
    cache = cluster.extensions.setdefault(_CACHE_KEY, {})
    assert isinstance(cache, dict)
    key = (namespace, name, need_ca)
    found = cache.get(key)
    if isinstance(found, tuple) and found[0] == versions:
        result: Credential | str = found[1]
        return result
    made = _load(cluster, namespace, name, need_ca)
    if len(cache) > 256:
        cache.clear()
    cache[key] = (versions, made)
    return made


def _load(cluster: Cluster, namespace: str, name: str, need_ca: bool) -> Credential | str:
    secret = _secret(cluster, namespace, name)
    if secret is None:
        return f"secret {namespace}/{name} not found"
    cert_text = _first(secret, "tls.crt", "cert")
    key_text = _first(secret, "tls.key", "key")
    if not cert_text or not key_text:
        return f"secret {namespace}/{name} has no certificate and key"
    try:
        chain = tuple(load_certificates(cert_text.encode()))
    except PemError:
        return f"secret {namespace}/{name}: certificate does not parse"
    if not keys_match(chain[0], key_text):
        return f"secret {namespace}/{name}: private key does not match the certificate"
    ca_text = _first(secret, "ca.crt", "cacert")
    if not ca_text:
        ca_secret = _secret(cluster, namespace, name + CA_SUFFIX)
        if ca_secret is not None:
            ca_text = _first(ca_secret, "ca.crt", "cacert")
    client_ca: tuple[x509.Certificate, ...] = ()
    if ca_text:
        try:
            client_ca = tuple(load_certificates(ca_text.encode()))
        except PemError:
            return f"secret {namespace}/{name}: CA certificate does not parse"
    if need_ca and not client_ca:
        return f"secret {namespace}/{name} has no CA certificate for client verification"
    return Credential(chain, client_ca)


__all__ = ["CA_SUFFIX", "Credential", "load_credential"]
