"""What a container starts with: its environment variables and the files the kubelet gives it.

Environment: PATH and HOSTNAME from the runtime, the service links of the pod's namespace
(`KUBERNETES_SERVICE_HOST`, ...), `envFrom`, then `env` (values, `$(VAR)` references, fieldRef,
configMapKeyRef, secretKeyRef), HOME last. Files: /etc/hostname, /etc/hosts, /etc/resolv.conf,
the service account token mount, configMap / secret volumes, and the usual empty directories.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .filesystem import FileSystem

if TYPE_CHECKING:
    from ..cluster import Cluster

Obj = dict[str, Any]

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
CLUSTER_DOMAIN = "cluster.local"
DNS_SERVICE_IP = "10.96.0.10"
KUBERNETES_SERVICE_IP = "10.96.0.1"
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
DIRECTORIES = (
    "/bin", "/dev", "/etc", "/home", "/proc", "/root", "/run", "/sbin", "/tmp", "/usr/bin",
    "/usr/local/bin", "/usr/sbin", "/var/log", "/var/run", "/var/tmp",
)  # fmt: skip
_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")
_FIELD_INDEX = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


def hostname_of(pod: Obj) -> str:
    spec = pod.get("spec") or {}
    return str(spec.get("hostname") or pod["metadata"]["name"])[:63]


def pod_ip(pod: Obj) -> str:
    return str((pod.get("status") or {}).get("podIP") or "")


def find_container(pod: Obj, name: str) -> Obj | None:
    spec = pod.get("spec") or {}
    for group in ("containers", "initContainers", "ephemeralContainers"):
        for container in spec.get(group) or []:
            if container.get("name") == name:
                return dict(container)
    return None


# environment -----------------------------------------------------------------------------------


def container_environment(cluster: Cluster, pod: Obj, container: Obj) -> dict[str, str]:
    """The environment a process started in `container` sees (call with the cluster locked)."""
    env: dict[str, str] = {"PATH": PATH, "HOSTNAME": hostname_of(pod)}
    namespace = str(pod["metadata"].get("namespace", ""))
    if (pod.get("spec") or {}).get("enableServiceLinks", True) is not False:
        env.update(_service_links(cluster, namespace))
    for source in container.get("envFrom") or []:
        env.update(_env_from(cluster, namespace, source))
    for var in container.get("env") or []:
        name = str(var.get("name", ""))
        if not name:
            continue
        if "valueFrom" in var:
            value = _value_from(cluster, pod, var["valueFrom"] or {})
            if value is not None:
                env[name] = value
        else:
            env[name] = _expand_refs(str(var.get("value", "")), env)
    env.setdefault("HOME", "/root")
    return env


def _expand_refs(value: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: defined names are replaced, `$$` escapes a `$`."""

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        return env.get(m.group(1), m.group(0))

    return _REF.sub(sub, value)


def _value_from(cluster: Cluster, pod: Obj, source: Obj) -> str | None:
    namespace = str(pod["metadata"].get("namespace", ""))
    if "fieldRef" in source:
        return _field(pod, str((source["fieldRef"] or {}).get("fieldPath", "")))
    for ref_key, plural in (("configMapKeyRef", "configmaps"), ("secretKeyRef", "secrets")):
        if ref_key in source:
            ref = source[ref_key] or {}
            data = _data_of(cluster, plural, namespace, str(ref.get("name", "")))
            return None if data is None else data.get(str(ref.get("key", "")))
    return None


def _field(pod: Obj, path: str) -> str | None:
    meta = pod["metadata"]
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    simple = {
        "metadata.name": meta.get("name"),
        "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"),
        "spec.nodeName": spec.get("nodeName"),
        "spec.serviceAccountName": spec.get("serviceAccountName") or "default",
        "status.hostIP": status.get("hostIP"),
        "status.podIP": status.get("podIP"),
        "status.podIPs": ",".join(str(i.get("ip")) for i in status.get("podIPs") or []),
    }
    if path in simple:
        value = simple[path]
        return "" if value is None else str(value)
    m = _FIELD_INDEX.match(path)
    if m:
        return str((meta.get(m.group(1)) or {}).get(m.group(2), ""))
    return None


def _data_of(cluster: Cluster, plural: str, namespace: str, name: str) -> dict[str, str] | None:
    obj = cluster.find(cluster.kind("", plural), namespace, name)
    if obj is None:
        return None
    out = {str(k): str(v) for k, v in (obj.get("data") or {}).items()}
    if plural == "secrets":
        out = {k: base64.b64decode(v).decode("utf-8", "replace") for k, v in out.items()}
        for k, v in (obj.get("stringData") or {}).items():
            out[str(k)] = str(v)
    else:
        for k, v in (obj.get("binaryData") or {}).items():
            out[str(k)] = base64.b64decode(str(v)).decode("utf-8", "replace")
    return out


def _env_from(cluster: Cluster, namespace: str, source: Obj) -> dict[str, str]:
    prefix = str(source.get("prefix") or "")
    for key, plural in (("configMapRef", "configmaps"), ("secretRef", "secrets")):
        if key in source:
            data = _data_of(cluster, plural, namespace, str((source[key] or {}).get("name", "")))
            return {prefix + k: v for k, v in (data or {}).items()}
    return {}


def _service_links(cluster: Cluster, namespace: str) -> dict[str, str]:
    """The docker-link style variables the kubelet sets for each service in the namespace."""
    kind = cluster.kind("", "services")
    services = {str(s["metadata"]["name"]): s for s in cluster.list(kind, namespace)}
    master = cluster.find(kind, "default", "kubernetes")
    services["kubernetes"] = master or {
        "spec": {
            "clusterIP": KUBERNETES_SERVICE_IP,
            "ports": [{"name": "https", "port": 443, "protocol": "TCP"}],
        }
    }
    out: dict[str, str] = {}
    for name, svc in services.items():
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        ports = spec.get("ports") or []
        if not ip or ip == "None" or not ports:
            continue
        prefix = name.upper().replace("-", "_")
        out[f"{prefix}_SERVICE_HOST"] = str(ip)
        out[f"{prefix}_SERVICE_PORT"] = str(ports[0].get("port"))
        for port in ports:
            number = port.get("port")
            proto = str(port.get("protocol") or "TCP")
            if port.get("name"):
                port_name = str(port["name"]).upper().replace("-", "_")
                out[f"{prefix}_SERVICE_PORT_{port_name}"] = str(number)
            base = f"{prefix}_PORT_{number}_{proto}"
            out[base] = f"{proto.lower()}://{ip}:{number}"
            out[f"{base}_PROTO"] = proto.lower()
            out[f"{base}_PORT"] = str(number)
            out[f"{base}_ADDR"] = str(ip)
        first = ports[0]
        first_proto = str(first.get("protocol") or "TCP").lower()
        out[f"{prefix}_PORT"] = f"{first_proto}://{ip}:{first.get('port')}"
    return dict(sorted(out.items()))


# files -----------------------------------------------------------------------------------------


def seed_files(fs: FileSystem, cluster: Cluster, pod: Obj, container: Obj) -> None:
    """Fill a new container file system (call with the cluster locked)."""
    for directory in DIRECTORIES:
        fs.mkdir(directory, parents=True)
    namespace = str(pod["metadata"].get("namespace", ""))
    spec = pod.get("spec") or {}
    fs.write("/etc/hostname", f"{hostname_of(pod)}\n".encode())
    fs.write("/etc/hosts", hosts_file(pod).encode())
    fs.write("/etc/resolv.conf", resolv_conf(pod).encode())
    if spec.get("automountServiceAccountToken") is not False:
        account = str(spec.get("serviceAccountName") or "default")
        fs.mkdir(SERVICE_ACCOUNT_DIR, parents=True)
        fs.write(f"{SERVICE_ACCOUNT_DIR}/namespace", namespace.encode())
        fs.write(f"{SERVICE_ACCOUNT_DIR}/token", service_account_token(pod, account).encode())
        fs.write(f"{SERVICE_ACCOUNT_DIR}/ca.crt", CA_CERT.encode())
    volumes = {str(v.get("name")): v for v in spec.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        volume = volumes.get(str(mount.get("name")))
        path = str(mount.get("mountPath") or "")
        if volume is None or not path.startswith("/"):
            continue
        fs.mkdir(path, parents=True)
        for name, data in _volume_files(cluster, namespace, volume).items():
            target = f"{path.rstrip('/')}/{name}"
            fs.mkdir(target.rsplit("/", 1)[0] or "/", parents=True)
            fs.write(target, data)


def mounted_file(
    cluster: Cluster, pod: Mapping[str, Any], container: Mapping[str, Any], path: str
) -> bytes | None:
    """The bytes a container reads at `path` from its configMap / secret volume mounts (the
    same files `seed_files` writes into exec file systems), or None. For a server's own
    files (an nginx.conf, a certificate) read outside any exec."""
    namespace = str(pod["metadata"].get("namespace", ""))
    volumes = {str(v.get("name")): v for v in (pod.get("spec") or {}).get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        base = str(mount.get("mountPath") or "").rstrip("/")
        volume = volumes.get(str(mount.get("name")))
        if volume is None or not path.startswith(base + "/"):
            continue
        found = _volume_files(cluster, namespace, volume).get(path[len(base) + 1 :])
        if found is not None:
            return found
    return None


def _volume_files(cluster: Cluster, namespace: str, volume: Mapping[str, Any]) -> dict[str, bytes]:
    for key, plural, name_key in (
        ("configMap", "configmaps", "name"),
        ("secret", "secrets", "secretName"),
    ):
        if key in volume:
            source = volume[key] or {}
            data = _data_of(cluster, plural, namespace, str(source.get(name_key, "")))
            if data is None:
                return {}
            items = source.get("items")
            if items:
                return {
                    str(i.get("path")): data[str(i.get("key"))].encode()
                    for i in items
                    if str(i.get("key")) in data
                }
            return {k: v.encode() for k, v in data.items()}
    return {}


def hosts_file(pod: Obj) -> str:
    """The kubelet-managed /etc/hosts."""
    lines = [
        "# Kubernetes-managed hosts file.",
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "fe00::0\tip6-localnet",
        "fe00::0\tip6-mcastprefix",
        "fe00::1\tip6-allnodes",
        "fe00::2\tip6-allrouters",
    ]
    ip = pod_ip(pod)
    spec = pod.get("spec") or {}
    host = hostname_of(pod)
    if ip:
        subdomain = spec.get("subdomain")
        if subdomain:
            namespace = pod["metadata"].get("namespace", "")
            fqdn = f"{host}.{subdomain}.{namespace}.svc.{CLUSTER_DOMAIN}"
            lines.append(f"{ip}\t{fqdn}\t{host}")
        else:
            lines.append(f"{ip}\t{host}")
    aliases = spec.get("hostAliases") or []
    if aliases:
        lines.append("")
        lines.append("# Entries added by HostAliases.")
        for alias in aliases:
            lines.append(f"{alias.get('ip')}\t" + "\t".join(alias.get("hostnames") or []))
    return "\n".join(lines) + "\n"


def resolv_conf(pod: Obj) -> str:
    """/etc/resolv.conf for the pod's dnsPolicy (ClusterFirst unless told otherwise)."""
    spec = pod.get("spec") or {}
    namespace = pod["metadata"].get("namespace", "")
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    config = spec.get("dnsConfig") or {}
    searches: list[str] = []
    servers: list[str] = []
    options: list[str] = []
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        d = CLUSTER_DOMAIN
        searches = [f"{namespace}.svc.{d}", f"svc.{d}", d]
        servers = [DNS_SERVICE_IP]
        options = ["ndots:5"]
    elif policy == "Default":
        servers = ["8.8.8.8"]
    searches += [str(s) for s in config.get("searches") or []]
    servers += [str(s) for s in config.get("nameservers") or []]
    for opt in config.get("options") or []:
        name = str(opt.get("name"))
        options = [o for o in options if o.split(":")[0] != name]
        options.append(f"{name}:{opt['value']}" if opt.get("value") is not None else name)
    lines = []
    if searches:
        lines.append("search " + " ".join(searches))
    lines += [f"nameserver {s}" for s in servers]
    if options:
        lines.append("options " + " ".join(options))
    return "\n".join(lines) + "\n"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def service_account_token(pod: Obj, account: str) -> str:
    """A projected service account token shaped like the kubelet's (not signed by anything)."""
    meta = pod["metadata"]
    namespace = str(meta.get("namespace", ""))
    header = {"alg": "RS256", "kid": "meshcert-service-account-key"}
    claims = {
        "aud": [f"https://kubernetes.default.svc.{CLUSTER_DOMAIN}"],
        "iss": f"https://kubernetes.default.svc.{CLUSTER_DOMAIN}",
        "sub": f"system:serviceaccount:{namespace}:{account}",
        "kubernetes.io": {
            "namespace": namespace,
            "pod": {"name": meta.get("name"), "uid": meta.get("uid")},
            "serviceaccount": {"name": account},
        },
    }
    head = _b64url(json.dumps(header, separators=(",", ":")).encode())
    body = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64url(hashlib.sha512(f"{head}.{body}".encode()).digest() * 4)
    return f"{head}.{body}.{signature}"


CA_CERT = """-----BEGIN CERTIFICATE-----
MIIBdzCCAR2gAwIBAgIBADAKBggqhkjOPQQDAjAVMRMwEQYDVQQDEwprdWJlcm5l
dGVzMB4XDTI2MDEwMTAwMDAwMFoXDTM2MDEwMTAwMDAwMFowFTETMBEGA1UEAxMK
a3ViZXJuZXRlczBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABG1lc2hjZXJ0IHNp
bXVsYXRlZCBjbHVzdGVyIENBIHBsYWNlaG9sZGVyIGtleSBtYXRlcmlhbCAxMjOj
QjBAMA4GA1UdDwEB/wQEAwICpDAPBgNVHRMBAf8EBTADAQH/MB0GA1UdDgQWBBRt
ZXNoY2VydC1jbHVzdGVyLWNhMAoGCCqGSM49BAMCA0gAMEUCIG1lc2hjZXJ0LXNp
bXVsYXRlZC1zaWduYXR1cmUCIQDtZXNoY2VydC1zaW11bGF0ZWQtc2lnbmF0dXJl
-----END CERTIFICATE-----
"""
