"""Resource quantities read back in the API server's canonical form.

The cases are those of k8s.io/apimachinery pkg/api/resource/quantity_test.go
(TestQuantityParse, TestQuantityParseEmit, the invalid list) with the text
`Quantity.String()` gives for them (quantity.go `CanonicalizeBytes`, amount.go
`AsCanonicalBytes`, suffix.go), plus the parser's fast path that keeps a string already in
canonical form byte for byte (quantity.go `ParseQuantity`: `s: str`).
"""

from __future__ import annotations

import pytest

from meshcert.kube.admission import AdmissionRequest
from meshcert.kube.cluster import Cluster, new_cluster
from meshcert.kube.errors import BadRequest
from meshcert.kube.quantity import (
    FORMAT_WRONG,
    SUFFIX_WRONG,
    QuantityError,
    canonical,
    json_number_text,
)
from meshcert.kube.quantity_fields import canonical_quantities, quantity_paths

CANONICAL = [
    # what users write and read back
    ("1000m", "1"),
    ("2000m", "2"),
    ("1024Mi", "1Gi"),
    ("0.5", "500m"),
    ("1.5Gi", "1536Mi"),
    ("1000M", "1G"),
    ("1000000", "1M"),
    ("2048Mi", "2Gi"),
    ("2048Ki", "2Mi"),
    ("1536Ki", "1536Ki"),
    # already canonical: kept as sent
    ("100m", "100m"),
    ("128Mi", "128Mi"),
    ("100M", "100M"),
    ("1Ki", "1Ki"),
    ("1Gi", "1Gi"),
    ("2", "2"),
    ("0", "0"),
    ("1e3", "1e3"),
    ("1E6", "1E6"),
    ("12E", "12E"),
    ("+100m", "+100m"),
    ("1.", "1."),
    # zero in any suffix is "0"
    ("0n", "0"),
    ("0Mi", "0"),
    ("0.0", "0"),
    ("-0", "0"),
    # fractions and exponents
    ("1.2345", "1234500u"),
    ("9.01", "9010m"),
    ("8.1k", "8100"),
    ("1.08", "1080m"),
    ("0.001T", "1G"),
    (".001e12", "1e9"),
    ("0.001e0", "1e-3"),
    ("1000e-12", "1e-9"),
    ("1080000000n", "1080m"),
    ("307200Ki", "300Mi"),
    ("1025024Mi", "1001Gi"),
    ("5000m", "5"),
    ("00", "0"),
    ("0.001", "1m"),
    (".001", "1m"),
    (".0001k", "100m"),
    ("0.0005k", "500m"),
    ("0.5e-2", "5e-3"),
    ("1.2e3", "1200"),
    ("1.3E+6", "1300e3"),
    ("1.7E18", "1700e15"),
    ("1e14", "100e12"),
    ("1.1E-9", "2e-9"),
    # the fast path keeps any text whose digits and scale look canonical, fraction or not
    ("1.G", "1.G"),
    ("100.035k", "100.035k"),
    ("10.035M", "10.035M"),
    # finer than nano rounds away from zero
    ("3.001n", "4n"),
    ("0.9n", "1n"),
    ("0.0000000001", "1n"),
    ("0.00000012345", "124n"),
    # binary: fractions, small values and the int64 cap
    ("0.5Mi", "512Ki"),
    ("0.5Ki", "512"),
    ("1.1Ki", "1126400m"),
    ("100.035Ki", "102435840m"),
    (".001Ki", "1024m"),
    (".000001Ki", "1024u"),
    (".000000000001Ki", "2n"),
    ("9Ei", "9223372036854775807"),
    ("9223372036854775807Ki", "9223372036854775807"),
    # decimal values are not capped
    ("18446744073709551616", "18446744073709551616"),
    # signs
    ("-1000m", "-1"),
    ("-1024Mi", "-1Gi"),
    ("-1.5Gi", "-1536Mi"),
]


@pytest.mark.parametrize(("given", "stored"), CANONICAL)
def test_canonical_text(given: str, stored: str) -> None:
    assert canonical(given) == stored


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("abc", FORMAT_WRONG),
        ("1.5.5", FORMAT_WRONG),
        ("1.1.M", FORMAT_WRONG),
        ("1+1.0M", FORMAT_WRONG),
        ("", FORMAT_WRONG),
        ("0.1mi", SUFFIX_WRONG),
        ("0.1am", FORMAT_WRONG),
        (".5i", SUFFIX_WRONG),
        ("1i", SUFFIX_WRONG),
        ("-3.01e-", SUFFIX_WRONG),
        ("32MMi", SUFFIX_WRONG),
        ("1K", SUFFIX_WRONG),
        ("1e", SUFFIX_WRONG),
    ],
)
def test_malformed_quantities_fail_with_the_parsers_message(given: str, message: str) -> None:
    with pytest.raises(QuantityError) as caught:
        canonical(given)
    assert str(caught.value) == message


def test_the_regular_expression_message_is_apimachinerys() -> None:
    assert FORMAT_WRONG == (
        "quantities must match the regular expression "
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


@pytest.mark.parametrize(
    ("number", "stored"),
    [(1, "1"), (0.5, "500m"), (1000, "1k"), (1000.0, "1k"), (2.5, "2500m"), (1e-7, "100e-9")],
)
def test_json_numbers_are_stored_as_strings(number: float, stored: str) -> None:
    """Quantity.UnmarshalJSON parses a JSON number's text; MarshalJSON always writes a string."""
    assert canonical(number) == stored


def test_json_number_text_is_what_a_go_encoder_writes() -> None:
    """encoding/json writes floats positionally from 1e-6 up to 1e21, with an exponent outside."""
    assert json_number_text(1e-5) == "0.00001"
    assert json_number_text(1e16) == "10000000000000000"
    assert json_number_text(1e21) == "1e+21"
    assert json_number_text(1e-7) == "1e-07"


@pytest.mark.parametrize("value", [True, {"a": 1}, [1], "1 2"])
def test_other_json_values_are_refused(value: object) -> None:
    with pytest.raises(QuantityError):
        canonical(value)


def test_surrounding_blanks_are_trimmed() -> None:
    """UnmarshalJSON trims the text before parsing it."""
    assert canonical(" 100m ") == "100m"


# -- the fields of built-in objects ---------------------------------------------------------


@pytest.fixture
def cluster() -> Cluster:
    return new_cluster()


def _pod(resources: dict[str, object]) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "containers": [{"name": "web", "image": "nginx", "resources": resources}],
            "overhead": {"cpu": "250.0m"},
            "volumes": [{"name": "scratch", "emptyDir": {"sizeLimit": "1024Mi"}}],
        },
    }


def test_every_quantity_field_of_a_pod_is_rewritten(cluster: Cluster) -> None:
    pods = cluster.kind("", "pods")
    given = _pod({"requests": {"cpu": "1000m", "memory": 1024}, "limits": {"cpu": 0.5}})
    out = canonical_quantities(pods, given)
    spec = out["spec"]
    assert spec["containers"][0]["resources"] == {
        "requests": {"cpu": "1", "memory": "1024"},
        "limits": {"cpu": "500m"},
    }
    assert spec["overhead"] == {"cpu": "250m"}
    assert spec["volumes"][0]["emptyDir"] == {"sizeLimit": "1Gi"}
    # the object given is left as it was: stored objects are never changed in place
    assert given["spec"]["containers"][0]["resources"]["requests"]["cpu"] == "1000m"  # type: ignore[index]


def test_a_null_in_a_resource_map_is_stored_as_zero(cluster: Cluster) -> None:
    """A map of Quantity values decodes JSON null with Quantity.UnmarshalJSON (zero), which
    encodes as "0"; a pointer field (emptyDir.sizeLimit) decodes null as absent."""
    pods = cluster.kind("", "pods")
    given = _pod({"limits": {"cpu": None}})
    given["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] = None  # type: ignore[index]
    out = canonical_quantities(pods, given)
    assert out["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "0"}}
    assert out["spec"]["volumes"][0]["emptyDir"] == {"sizeLimit": None}


def test_an_object_already_canonical_is_returned_as_is(cluster: Cluster) -> None:
    pods = cluster.kind("", "pods")
    given = _pod({"requests": {"cpu": "100m", "memory": "128Mi"}})
    given["spec"]["overhead"] = {"cpu": "250m"}  # type: ignore[index]
    given["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] = "1Gi"  # type: ignore[index]
    assert canonical_quantities(pods, given) is given


def test_a_malformed_quantity_is_the_decoders_bad_request(cluster: Cluster) -> None:
    deployments = cluster.kind("apps", "deployments")
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"resources": {"limits": {"cpu": "abc"}}}]}}},
    }
    with pytest.raises(BadRequest) as caught:
        canonical_quantities(deployments, obj)
    assert str(caught.value) == (
        'Deployment in version "v1" cannot be handled as a Deployment: ' + FORMAT_WRONG
    )


def test_kinds_without_quantities_have_no_paths(cluster: Cluster) -> None:
    assert quantity_paths(cluster.kind("", "services")) is None
    assert quantity_paths(cluster.kind("", "configmaps")) is None
    assert quantity_paths(cluster.kind("networking.istio.io", "virtualservices")) is None
    assert quantity_paths(cluster.kind("apps", "statefulsets")) is not None


class _ProxyLimits:
    """A mutating hook writing non-canonical limits, as a sidecar injector's patch may."""

    name = "ProxyLimits"

    def mutate(self, cluster: Cluster, request: AdmissionRequest) -> None:
        obj = request.object
        if obj is not None and request.kind.kind == "Pod":
            for c in obj["spec"]["containers"]:
                c["resources"] = {"limits": {"cpu": "2000m", "memory": "1024Mi"}}


def test_writes_of_controllers_and_mutating_hooks_are_stored_canonical(cluster: Cluster) -> None:
    """The apiserver decodes a webhook's patched object like a request body, so what the
    injector writes is stored canonical too; pods the ReplicaSet controller creates are."""
    cluster.mutating_hooks.insert(0, _ProxyLimits())
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "default"}})
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx"}]},
            },
        },
    }
    cluster.create(cluster.kind("apps", "deployments"), deploy, "default")
    pods = [o for rk, o in cluster.store.items() if rk.kind == "Pod"]
    assert pods
    for pod in pods:
        # defaulting copies the limits into the missing requests
        assert pod["spec"]["containers"][0]["resources"] == {
            "limits": {"cpu": "2", "memory": "1Gi"},
            "requests": {"cpu": "2", "memory": "1Gi"},
        }
