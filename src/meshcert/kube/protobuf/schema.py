"""Field numbers of the generated.proto messages that `kubectl create <generator>` sends."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    """One field of a generated.proto message.

    `kind` is `string`, `bytes`, `int`, `bool`, `message` (with `message` naming the type),
    `map` (string keys; `values` is `string`, `bytes` or `quantity`), or a well-known Kubernetes
    type: `time`, `intorstring`, `quantity`, `fieldsv1`. `keep_zero` marks Go pointer fields
    (and fields without `omitempty`), whose zero value was sent on purpose.
    """

    number: int
    name: str
    kind: str
    message: str = ""
    repeated: bool = False
    values: str = ""
    keep_zero: bool = False


def _s(number: int, name: str, *, repeated: bool = False, keep: bool = False) -> Field:
    return Field(number, name, "string", repeated=repeated, keep_zero=keep)


def _i(number: int, name: str, *, keep: bool = False) -> Field:
    return Field(number, name, "int", keep_zero=keep)


def _b(number: int, name: str, *, keep: bool = False) -> Field:
    return Field(number, name, "bool", keep_zero=keep)


def _m(number: int, name: str, message: str, *, repeated: bool = False) -> Field:
    return Field(number, name, "message", message=message, repeated=repeated)


def _map(number: int, name: str, values: str = "string") -> Field:
    return Field(number, name, "map", values=values)


MESSAGES: dict[str, tuple[Field, ...]] = {
    "Empty": (),
    "ObjectMeta": (
        _s(1, "name"),
        _s(2, "generateName"),
        _s(3, "namespace"),
        _s(4, "selfLink"),
        _s(5, "uid"),
        _s(6, "resourceVersion"),
        _i(7, "generation"),
        Field(8, "creationTimestamp", "time"),
        Field(9, "deletionTimestamp", "time"),
        _i(10, "deletionGracePeriodSeconds", keep=True),
        _map(11, "labels"),
        _map(12, "annotations"),
        _m(13, "ownerReferences", "OwnerReference", repeated=True),
        _s(14, "finalizers", repeated=True),
        _m(17, "managedFields", "ManagedFieldsEntry", repeated=True),
    ),
    "OwnerReference": (
        _s(1, "kind", keep=True),
        _s(3, "name", keep=True),
        _s(4, "uid", keep=True),
        _s(5, "apiVersion", keep=True),
        _b(6, "controller", keep=True),
        _b(7, "blockOwnerDeletion", keep=True),
    ),
    "ManagedFieldsEntry": (
        _s(1, "manager"),
        _s(2, "operation"),
        _s(3, "apiVersion"),
        Field(4, "time", "time"),
        _s(6, "fieldsType"),
        Field(7, "fieldsV1", "fieldsv1"),
        _s(8, "subresource"),
    ),
    "LabelSelector": (
        _map(1, "matchLabels"),
        _m(2, "matchExpressions", "LabelSelectorRequirement", repeated=True),
    ),
    "LabelSelectorRequirement": (
        _s(1, "key", keep=True),
        _s(2, "operator", keep=True),
        _s(3, "values", repeated=True),
    ),
    "Namespace": (
        _m(1, "metadata", "ObjectMeta"),
        _m(2, "spec", "NamespaceSpec"),
        _m(3, "status", "NamespaceStatus"),
    ),
    "NamespaceSpec": (_s(1, "finalizers", repeated=True),),
    "NamespaceStatus": (_s(1, "phase"),),
    "ConfigMap": (
        _m(1, "metadata", "ObjectMeta"),
        _map(2, "data"),
        _map(3, "binaryData", "bytes"),
        _b(4, "immutable", keep=True),
    ),
    "Secret": (
        _m(1, "metadata", "ObjectMeta"),
        _map(2, "data", "bytes"),
        _s(3, "type"),
        _map(4, "stringData"),
        _b(5, "immutable", keep=True),
    ),
    "ServiceAccount": (
        _m(1, "metadata", "ObjectMeta"),
        _m(2, "secrets", "ObjectReference", repeated=True),
        _m(3, "imagePullSecrets", "LocalObjectReference", repeated=True),
        _b(4, "automountServiceAccountToken", keep=True),
    ),
    "ObjectReference": (
        _s(1, "kind"),
        _s(2, "namespace"),
        _s(3, "name"),
        _s(4, "uid"),
        _s(5, "apiVersion"),
        _s(6, "resourceVersion"),
        _s(7, "fieldPath"),
    ),
    "LocalObjectReference": (_s(1, "name"),),
    "Service": (
        _m(1, "metadata", "ObjectMeta"),
        _m(2, "spec", "ServiceSpec"),
        _m(3, "status", "ServiceStatus"),
    ),
    "ServiceSpec": (
        _m(1, "ports", "ServicePort", repeated=True),
        _map(2, "selector"),
        _s(3, "clusterIP"),
        _s(4, "type"),
        _s(5, "externalIPs", repeated=True),
        _s(7, "sessionAffinity"),
        _s(8, "loadBalancerIP"),
        _s(9, "loadBalancerSourceRanges", repeated=True),
        _s(10, "externalName"),
        _s(11, "externalTrafficPolicy"),
        _i(12, "healthCheckNodePort"),
        _b(13, "publishNotReadyAddresses"),
        _s(17, "ipFamilyPolicy", keep=True),
        _s(18, "clusterIPs", repeated=True),
        _s(19, "ipFamilies", repeated=True),
        _b(20, "allocateLoadBalancerNodePorts", keep=True),
        _s(21, "loadBalancerClass", keep=True),
        _s(22, "internalTrafficPolicy", keep=True),
        _s(23, "trafficDistribution", keep=True),
    ),
    "ServicePort": (
        _s(1, "name"),
        _s(2, "protocol"),
        _i(3, "port", keep=True),
        Field(4, "targetPort", "intorstring"),
        _i(5, "nodePort"),
        _s(6, "appProtocol", keep=True),
    ),
    "ServiceStatus": (_m(1, "loadBalancer", "Empty"),),
    "Deployment": (
        _m(1, "metadata", "ObjectMeta"),
        _m(2, "spec", "DeploymentSpec"),
        _m(3, "status", "Empty"),
    ),
    "DeploymentSpec": (
        _i(1, "replicas", keep=True),
        _m(2, "selector", "LabelSelector"),
        _m(3, "template", "PodTemplateSpec"),
        _m(4, "strategy", "DeploymentStrategy"),
        _i(5, "minReadySeconds"),
        _i(6, "revisionHistoryLimit", keep=True),
        _b(7, "paused"),
        _i(9, "progressDeadlineSeconds", keep=True),
    ),
    "DeploymentStrategy": (
        _s(1, "type"),
        _m(2, "rollingUpdate", "RollingUpdateDeployment"),
    ),
    "RollingUpdateDeployment": (
        Field(1, "maxUnavailable", "intorstring", keep_zero=True),
        Field(2, "maxSurge", "intorstring", keep_zero=True),
    ),
    "PodTemplateSpec": (_m(1, "metadata", "ObjectMeta"), _m(2, "spec", "PodSpec")),
    "PodSpec": (
        _m(2, "containers", "Container", repeated=True),
        _s(3, "restartPolicy"),
        _i(4, "terminationGracePeriodSeconds", keep=True),
        _i(5, "activeDeadlineSeconds", keep=True),
        _s(6, "dnsPolicy"),
        _map(7, "nodeSelector"),
        _s(8, "serviceAccountName"),
        _s(9, "serviceAccount"),
        _s(10, "nodeName"),
        _b(11, "hostNetwork"),
        _b(12, "hostPID"),
        _b(13, "hostIPC"),
        _m(15, "imagePullSecrets", "LocalObjectReference", repeated=True),
        _s(16, "hostname"),
        _s(17, "subdomain"),
        _s(19, "schedulerName"),
        _m(20, "initContainers", "Container", repeated=True),
        _b(21, "automountServiceAccountToken", keep=True),
    ),
    "Container": (
        _s(1, "name", keep=True),
        _s(2, "image"),
        _s(3, "command", repeated=True),
        _s(4, "args", repeated=True),
        _s(5, "workingDir"),
        _m(6, "ports", "ContainerPort", repeated=True),
        _m(7, "env", "EnvVar", repeated=True),
        _m(8, "resources", "ResourceRequirements"),
        _s(13, "terminationMessagePath"),
        _s(14, "imagePullPolicy"),
        _b(16, "stdin"),
        _b(17, "stdinOnce"),
        _b(18, "tty"),
        _s(20, "terminationMessagePolicy"),
        _s(24, "restartPolicy", keep=True),
    ),
    "ContainerPort": (
        _s(1, "name"),
        _i(2, "hostPort"),
        _i(3, "containerPort", keep=True),
        _s(4, "protocol"),
        _s(5, "hostIP"),
    ),
    "EnvVar": (_s(1, "name", keep=True), _s(2, "value")),
    "ResourceRequirements": (
        _map(1, "limits", "quantity"),
        _map(2, "requests", "quantity"),
    ),
}

# (apiVersion, kind) -> root message, for the kinds `kubectl create <generator>` sends.
KINDS: dict[tuple[str, str], str] = {
    ("v1", "Namespace"): "Namespace",
    ("v1", "ConfigMap"): "ConfigMap",
    ("v1", "Secret"): "Secret",
    ("v1", "ServiceAccount"): "ServiceAccount",
    ("v1", "Service"): "Service",
    ("apps/v1", "Deployment"): "Deployment",
}
