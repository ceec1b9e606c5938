"""Decoding the protobuf bodies that `kubectl create <generator>` sends.

The fixtures under protobuf_fixtures/ are bytes captured from the real kubectl; the live tests
run kubectl again against a recording server that answers with what `decode_body` made of the
body, so kubectl's own `-o json` output shows what a user would see. Regenerate the fixtures with
`python tests/kube/test_protobuf.py`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kubectl_recorder import KubectlRecorder, Recorded, Reply

from meshcert.kube.errors import BadRequest, KubeError, UnsupportedMediaType
from meshcert.kube.protobuf import MEDIA_TYPE, decode_body

FIXTURES = Path(__file__).parent / "protobuf_fixtures"
BINARY_FILE = b"PNG\x89\x00\xff\xfe binary"


def _labels(name: str) -> dict[str, Any]:
    return {"name": name, "labels": {"app": name}}


def _deployment(name: str, replicas: int, container: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _labels(name),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{**container, "resources": {}}]},
            },
            "strategy": {},
        },
        "status": {},
    }


def _service(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _labels(name),
        "spec": {**spec, "selector": {"app": name}},
        "status": {"loadBalancer": {}},
    }


# (fixture name, kubectl arguments, the object decode_body must return)
CASES: list[tuple[str, list[str], dict[str, Any]]] = [
    (
        "namespace",
        ["create", "namespace", "demo"],
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "demo"},
            "spec": {},
            "status": {},
        },
    ),
    (
        "configmap-literals",
        [
            "create",
            "configmap",
            "app-config",
            "--from-literal=color=blue",
            "--from-literal=mode=prod",
        ],
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "app-config"},
            "data": {"color": "blue", "mode": "prod"},
        },
    ),
    (
        "configmap-binary",
        ["create", "configmap", "blobs", "--from-file={dir}/blob.bin", "--from-literal=note=hi"],
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "blobs"},
            "data": {"note": "hi"},
            "binaryData": {"blob.bin": "UE5HiQD//iBiaW5hcnk="},
        },
    ),
    (
        "namespace-in",
        ["-n", "istio-system", "create", "configmap", "ns-cm", "--from-literal=a=b"],
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "ns-cm", "namespace": "istio-system"},
            "data": {"a": "b"},
        },
    ),
    (
        "secret-generic",
        [
            "create",
            "secret",
            "generic",
            "db",
            "--from-literal=user=admin",
            "--from-literal=pass=s3cr3t",
        ],
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "db"},
            "data": {"pass": "czNjcjN0", "user": "YWRtaW4="},
        },
    ),
    (
        "secret-docker-registry",
        [
            "create",
            "secret",
            "docker-registry",
            "regcred",
            "--docker-server=registry.example.com",
            "--docker-username=u",
            "--docker-password=p",
            "--docker-email=u@example.com",
        ],
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "regcred"},
            "data": {
                ".dockerconfigjson": (
                    "eyJhdXRocyI6eyJyZWdpc3RyeS5leGFtcGxlLmNvbSI6eyJ1c2VybmFtZSI6InUiLCJwYXNz"
                    "d29yZCI6InAiLCJlbWFpbCI6InVAZXhhbXBsZS5jb20iLCJhdXRoIjoiZFRwdyJ9fX0="
                )
            },
            "type": "kubernetes.io/dockerconfigjson",
        },
    ),
    (
        "serviceaccount",
        ["create", "serviceaccount", "builder"],
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder"}},
    ),
    (
        "service-clusterip",
        ["create", "service", "clusterip", "web", "--tcp=80:8080", "--tcp=443:8443"],
        _service(
            "web",
            {
                "ports": [
                    {"name": "80-8080", "protocol": "TCP", "port": 80, "targetPort": 8080},
                    {"name": "443-8443", "protocol": "TCP", "port": 443, "targetPort": 8443},
                ],
                "type": "ClusterIP",
            },
        ),
    ),
    (
        "service-nodeport",
        ["create", "service", "nodeport", "np", "--tcp=80:http", "--node-port=30080"],
        _service(
            "np",
            {
                "ports": [
                    {
                        "name": "80-http",
                        "protocol": "TCP",
                        "port": 80,
                        "targetPort": "http",
                        "nodePort": 30080,
                    }
                ],
                "type": "NodePort",
            },
        ),
    ),
    (
        "service-externalname",
        ["create", "service", "externalname", "ext", "--external-name=example.com"],
        _service("ext", {"type": "ExternalName", "externalName": "example.com"}),
    ),
    (
        "service-headless",
        ["create", "service", "clusterip", "headless", "--clusterip=None"],
        _service("headless", {"clusterIP": "None", "type": "ClusterIP"}),
    ),
    (
        "deployment",
        ["create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80"],
        _deployment(
            "web", 2, {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
        ),
    ),
    (
        "deployment-command",
        ["create", "deployment", "sleeper", "--image=busybox", "--", "sleep", "3600"],
        _deployment(
            "sleeper", 1, {"name": "busybox", "image": "busybox", "command": ["sleep", "3600"]}
        ),
    ),
    (
        "deployment-zero",
        ["create", "deployment", "idle", "--image=nginx", "--replicas=0"],
        _deployment("idle", 0, {"name": "nginx", "image": "nginx"}),
    ),
]
IDS = [case[0] for case in CASES]


@pytest.mark.parametrize(("fixture", "expected"), [(c[0], c[2]) for c in CASES], ids=IDS)
def test_captured_kubectl_bodies_decode_to_the_objects_kubectl_meant(
    fixture: str, expected: dict[str, Any]
) -> None:
    assert decode_body((FIXTURES / f"{fixture}.pb").read_bytes()) == expected


def _answer_with_decoded_body(request: Recorded) -> Reply:
    """Reply to a create as an API server would: 201 with the object, or the error's Status."""
    if request.method != "POST":
        return Reply.json(404, {"kind": "Status", "apiVersion": "v1", "code": 404})
    try:
        return Reply.json(201, decode_body(request.body))
    except KubeError as error:
        return Reply.json(error.code, error.status())


def _with_json_output(arguments: list[str], directory: Path) -> list[str]:
    arguments = [a.replace("{dir}", str(directory)) for a in arguments]
    split = arguments.index("--") if "--" in arguments else len(arguments)
    return [*arguments[:split], "-o", "json", *arguments[split:]]


def capture(arguments: list[str], directory: Path) -> tuple[bytes, str, str]:
    """Run kubectl; return the body it sent, its content type and kubectl's stdout."""
    (directory / "blob.bin").write_bytes(BINARY_FILE)
    with KubectlRecorder(_answer_with_decoded_body) as server:
        result = server.kubectl(*_with_json_output(arguments, directory))
        assert result.returncode == 0, result.stderr
        (request,) = [r for r in server.requests if r.method == "POST"]
        return request.body, request.content_type, result.stdout


@pytest.mark.kubectl
@pytest.mark.parametrize(("fixture", "arguments", "expected"), CASES, ids=IDS)
def test_kubectl_create_round_trips_through_the_decoder(
    fixture: str, arguments: list[str], expected: dict[str, Any], tmp_path: Path
) -> None:
    body, content_type, stdout = capture(arguments, tmp_path)
    assert content_type == MEDIA_TYPE
    assert body == (FIXTURES / f"{fixture}.pb").read_bytes()
    assert json.loads(stdout) == expected


# --- hand-built bodies ---------------------------------------------------------------------------


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def field(number: int, value: bytes | str) -> bytes:
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def entry(number: int, key: str, value: bytes | str) -> bytes:
    return field(number, field(1, key) + field(2, value))


def envelope(api_version: str, kind: str, raw: bytes, encoding: str = "") -> bytes:
    type_meta = field(1, api_version) + field(2, kind)
    return b"k8s\x00" + field(1, type_meta) + field(2, raw) + field(3, encoding) + field(4, "")


def meta(*fields: bytes) -> bytes:
    return field(1, b"".join(fields))


DECODED: list[tuple[str, bytes, dict[str, Any]]] = [
    (
        "configmap immutable false is kept",
        envelope("v1", "ConfigMap", meta(field(1, "c")) + varint_field(4, 0)),
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "immutable": False},
    ),
    (
        "secret stringData, type and immutable",
        envelope(
            "v1",
            "Secret",
            meta(field(1, "s"))
            + entry(2, "token", b"\x00\x01")
            + field(3, "Opaque")
            + entry(4, "user", "admin")
            + varint_field(5, 1),
        ),
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s"},
            "data": {"token": "AAE="},
            "type": "Opaque",
            "stringData": {"user": "admin"},
            "immutable": True,
        },
    ),
    (
        "object meta labels, annotations, owner, finalizers, timestamp",
        envelope(
            "v1",
            "ConfigMap",
            meta(
                field(1, "c"),
                field(2, "c-"),
                field(3, "prod"),
                varint_field(7, 3),
                field(8, varint_field(1, 1767225600)),
                entry(11, "app", "web"),
                entry(12, "note", "hello"),
                field(
                    13,
                    field(1, "Deployment")
                    + field(3, "web")
                    + field(4, "u-1")
                    + field(5, "apps/v1")
                    + varint_field(6, 1),
                ),
                field(14, "example.com/cleanup"),
            ),
        ),
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": "c",
                "generateName": "c-",
                "namespace": "prod",
                "generation": 3,
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "labels": {"app": "web"},
                "annotations": {"note": "hello"},
                "ownerReferences": [
                    {
                        "kind": "Deployment",
                        "name": "web",
                        "uid": "u-1",
                        "apiVersion": "apps/v1",
                        "controller": True,
                    }
                ],
                "finalizers": ["example.com/cleanup"],
            },
        },
    ),
    (
        "namespace spec finalizers",
        envelope("v1", "Namespace", meta(field(1, "n")) + field(2, field(1, "kubernetes"))),
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "n"},
            "spec": {"finalizers": ["kubernetes"]},
        },
    ),
    (
        "negative int32 and int-or-string percentages",
        envelope(
            "apps/v1",
            "Deployment",
            meta(field(1, "d"))
            + field(
                2,
                varint_field(6, -1)
                + field(
                    4,
                    field(1, "RollingUpdate")
                    + field(2, field(1, varint_field(1, 1) + field(3, "25%"))),
                ),
            ),
        ),
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {
                "revisionHistoryLimit": -1,
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%"}},
            },
        },
    ),
    (
        "container env and resource quantities",
        envelope(
            "apps/v1",
            "Deployment",
            meta(field(1, "d"))
            + field(
                2,
                field(
                    3,
                    field(
                        2,
                        field(
                            2,
                            field(1, "app")
                            + field(7, field(1, "MODE") + field(2, "prod"))
                            + field(8, entry(1, "cpu", field(1, "500m"))),
                        ),
                    ),
                ),
            ),
        ),
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "app",
                                "env": [{"name": "MODE", "value": "prod"}],
                                "resources": {"limits": {"cpu": "500m"}},
                            }
                        ]
                    }
                }
            },
        },
    ),
    (
        "unknown fields without data are skipped",
        envelope(
            "v1", "ServiceAccount", meta(field(1, "sa"), field(99, b"")) + field(60, field(1, b""))
        ),
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}},
    ),
]


@pytest.mark.parametrize(
    ("body", "expected"), [c[1:] for c in DECODED], ids=[c[0] for c in DECODED]
)
def test_hand_built_bodies_decode(body: bytes, expected: dict[str, Any]) -> None:
    assert decode_body(body) == expected


REFUSED: list[tuple[str, bytes, type[KubeError], str]] = [
    (
        "json body",
        b'{"kind":"ConfigMap"}',
        BadRequest,
        "the request body is not Kubernetes protobuf: it does not start with the k8s\\x00 prefix",
    ),
    (
        "truncated varint",
        b"k8s\x00\x08\xff",
        BadRequest,
        "malformed protobuf body: truncated varint",
    ),
    (
        "length past the end",
        b"k8s\x00\x12\x10abc",
        BadRequest,
        "malformed protobuf body: field 2 runs past the end of the message",
    ),
    (
        "group wire type",
        b"k8s\x00\x0b",
        BadRequest,
        "malformed protobuf body: unsupported wire type 3 in field 1",
    ),
    (
        "no type meta",
        b"k8s\x00" + field(2, b""),
        BadRequest,
        "the protobuf body names no apiVersion and kind in its typeMeta",
    ),
    (
        "string that is not utf-8",
        envelope("v1", "ConfigMap", meta(field(1, b"\xff\xfe"))),
        BadRequest,
        "malformed protobuf body: metadata.name: string is not valid UTF-8",
    ),
    (
        "varint where a string belongs",
        envelope("v1", "ConfigMap", meta(varint_field(1, 5))),
        BadRequest,
        "malformed protobuf body: metadata.name: expected a length-delimited string",
    ),
    (
        "kind without a decoder",
        envelope("apps/v1", "StatefulSet", meta(field(1, "db"))),
        UnsupportedMediaType,
        "this API server cannot decode a protobuf StatefulSet (apps/v1); send it as JSON "
        "(application/json), as `kubectl apply -f` and `kubectl create -f` do",
    ),
    (
        "unknown field with data",
        envelope("apps/v1", "Deployment", field(2, field(3, field(2, field(1, field(1, "v")))))),
        UnsupportedMediaType,
        "this API server cannot decode protobuf field 1 of spec.template.spec in a protobuf "
        "Deployment (apps/v1); send the object as JSON (application/json) instead",
    ),
    (
        "gzip content encoding",
        envelope("v1", "ConfigMap", b"", encoding="gzip"),
        UnsupportedMediaType,
        "protobuf bodies with content encoding 'gzip' are not supported; send the object as "
        "JSON (application/json)",
    ),
]


@pytest.mark.parametrize(
    ("body", "error", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED]
)
def test_bodies_that_cannot_be_decoded_get_a_status(
    body: bytes, error: type[KubeError], message: str
) -> None:
    with pytest.raises(error) as raised:
        decode_body(body)
    assert raised.value.status()["message"] == message
    assert raised.value.status()["code"] == error.code


@pytest.mark.kubectl
def test_kubectl_prints_the_415_for_a_kind_it_cannot_send_as_json(tmp_path: Path) -> None:
    """The message kubectl shows when the lab refuses a protobuf body."""

    def refuse(request: Recorded) -> Reply:
        error = UnsupportedMediaType(
            "this API server cannot decode a protobuf ConfigMap (v1); send it as JSON",
            kind="ConfigMap",
        )
        return Reply.json(error.code, error.status())

    with KubectlRecorder(refuse) as server:
        result = server.kubectl("create", "configmap", "x", "--from-literal=a=b")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: failed to create configmap: this API server cannot decode a protobuf "
        "ConfigMap (v1); send it as JSON"
    )


def test_the_schema_is_consistent() -> None:
    """Every referenced message exists and no message repeats a field number or name."""
    from meshcert.kube.protobuf.schema import KINDS, MESSAGES

    assert set(KINDS.values()) <= set(MESSAGES)
    for name, fields in MESSAGES.items():
        assert len({f.number for f in fields}) == len(fields), name
        assert len({f.name for f in fields}) == len(fields), name
        for f in fields:
            assert f.kind != "message" or f.message in MESSAGES, (name, f.name)
            assert f.kind != "map" or f.values in ("string", "bytes", "quantity"), (name, f.name)


def regenerate() -> None:
    """Capture every case again from the real kubectl into protobuf_fixtures/."""
    import tempfile

    FIXTURES.mkdir(exist_ok=True)
    for fixture, arguments, _ in CASES:
        with tempfile.TemporaryDirectory() as directory:
            body, _, _ = capture(arguments, Path(directory))
        (FIXTURES / f"{fixture}.pb").write_bytes(body)
        print(f"captured {fixture}.pb ({len(body)} bytes)")


if __name__ == "__main__":
    regenerate()
