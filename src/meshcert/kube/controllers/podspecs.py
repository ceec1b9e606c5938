"""Defaults of pod specs (in pods and in workload templates), image references and QoS classes,
as the apiserver's defaulting functions and the kubelet's image handling produce them.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any

Spec = dict[str, Any]

PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1}
_SOURCE_KEYS = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)


def _default(obj: dict[str, Any], key: str, value: Any) -> None:
    if obj.get(key) is None:
        obj[key] = value


def all_containers(spec: Spec) -> list[dict[str, Any]]:
    """Init containers then containers (the dicts themselves)."""
    out: list[dict[str, Any]] = []
    for key in ("initContainers", "containers"):
        out.extend(c for c in spec.get(key) or [] if isinstance(c, dict))
    return out


def default_pod_spec(spec: Spec) -> None:
    """SetDefaults_PodSpec and the container, probe and volume defaults (templates and pods)."""
    _default(spec, "dnsPolicy", "ClusterFirst")
    _default(spec, "restartPolicy", "Always")
    _default(spec, "securityContext", {})
    _default(spec, "terminationGracePeriodSeconds", 30)
    _default(spec, "schedulerName", "default-scheduler")
    if spec.get("serviceAccount") and not spec.get("serviceAccountName"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    for container in all_containers(spec):
        default_container(container)
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict):
            default_volume(volume)


def default_pod(spec: Spec) -> None:
    """SetDefaults_Pod on top of the spec defaults: what only a pod (not a template) gets."""
    default_pod_spec(spec)
    _default(spec, "enableServiceLinks", True)
    for container in all_containers(spec):
        resources = container.get("resources") or {}
        limits = resources.get("limits") or {}
        if limits:
            requests = resources.setdefault("requests", {})
            for name, value in limits.items():
                requests.setdefault(name, value)
            container["resources"] = resources
        if spec.get("hostNetwork"):
            for port in container.get("ports") or []:
                _default(port, "hostPort", port.get("containerPort"))


def default_container(container: dict[str, Any]) -> None:
    image = str(container.get("image") or "")
    if image:
        _default(container, "imagePullPolicy", default_pull_policy(image))
    _default(container, "terminationMessagePath", "/dev/termination-log")
    _default(container, "terminationMessagePolicy", "File")
    _default(container, "resources", {})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            _default(port, "protocol", "TCP")
    for env in container.get("env") or []:
        field_ref = ((env or {}).get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            _default(field_ref, "apiVersion", "v1")
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = container.get(key)
        if isinstance(probe, dict):
            default_probe(probe)
    for handler in ((container.get("lifecycle") or {}).get(k) for k in ("postStart", "preStop")):
        if isinstance(handler, dict) and isinstance(handler.get("httpGet"), dict):
            _default(handler["httpGet"], "scheme", "HTTP")


def default_probe(probe: dict[str, Any]) -> None:
    for key, value in PROBE_DEFAULTS.items():
        _default(probe, key, value)
    _default(probe, "failureThreshold", 3)
    if isinstance(probe.get("httpGet"), dict):
        _default(probe["httpGet"], "scheme", "HTTP")
    if isinstance(probe.get("grpc"), dict):
        _default(probe["grpc"], "service", "")


def default_volume(volume: dict[str, Any]) -> None:
    if not any(key in volume for key in _SOURCE_KEYS):
        volume["emptyDir"] = {}
    for key in ("secret", "configMap", "projected", "downwardAPI"):
        source = volume.get(key)
        if isinstance(source, dict):
            _default(source, "defaultMode", 420)
    if isinstance(volume.get("hostPath"), dict):
        _default(volume["hostPath"], "type", "")
    items = (volume.get("downwardAPI") or {}).get("items") or []
    for item in items:
        if isinstance((item or {}).get("fieldRef"), dict):
            _default(item["fieldRef"], "apiVersion", "v1")


# images ---------------------------------------------------------------------------------------


def split_image(image: str) -> tuple[str, str, str]:
    """`repo[:tag][@digest]` -> (repo, tag, digest); a registry port is not a tag."""
    digest = ""
    if "@" in image:
        image, _, digest = image.partition("@")
    tag = ""
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        image, tag = image[:colon], image[colon + 1 :]
    return image, tag, digest


def default_pull_policy(image: str) -> str:
    """Always for `:latest` or no tag, IfNotPresent otherwise (and for digests)."""
    _, tag, digest = split_image(image)
    if digest:
        return "IfNotPresent"
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def qualified_repository(repo: str) -> str:
    """`nginx` -> `docker.io/library/nginx`; `istio/proxyv2` -> `docker.io/istio/proxyv2`."""
    first = repo.split("/", 1)[0]
    if "/" in repo and ("." in first or ":" in first or first == "localhost"):
        return repo
    if "/" not in repo:
        return f"docker.io/library/{repo}"
    return f"docker.io/{repo}"


def image_reference(image: str) -> str:
    """The image as containerd reports it in containerStatuses[].image."""
    repo, tag, digest = split_image(image)
    full = qualified_repository(repo)
    if digest and not tag:
        return f"{full}@{digest}"
    return f"{full}:{tag or 'latest'}"


# quality of service ---------------------------------------------------------------------------

_SUFFIXES: dict[str, Fraction] = {
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}


def parse_quantity(value: Any) -> Fraction:
    """A resource quantity (`500m`, `128Mi`, `1e3`, 2) as an exact number; 0 when unreadable."""
    return _parse_quantity(str(value).strip())


@functools.lru_cache(maxsize=1024)
def _parse_quantity(text: str) -> Fraction:  # Fractions are immutable: one per text
    for suffix in sorted(_SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix) and text != suffix:
            try:
                return Fraction(text[: -len(suffix)]) * _SUFFIXES[suffix]
            except ValueError:
                return Fraction(0)
    try:
        return Fraction(text)
    except ValueError:
        return Fraction(0)


def qos_class(spec: Spec) -> str:
    """Guaranteed, Burstable or BestEffort from the containers' cpu and memory resources."""
    any_set = False
    guaranteed = True
    for container in all_containers(spec):
        resources = container.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        for name in ("cpu", "memory"):
            request = requests.get(name, limits.get(name))
            limit = limits.get(name)
            if request is not None or limit is not None:
                any_set = True
            if limit is None or request is None or parse_quantity(request) != parse_quantity(limit):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
