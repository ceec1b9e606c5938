"""Image references, pull policies and resource quantities as Kubernetes reads them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from meshcert.kube.controllers.podspecs import image_reference, parse_quantity, split_image


@pytest.mark.parametrize(
    ("image", "reference"),
    [
        ("nginx", "docker.io/library/nginx:latest"),
        ("nginx:1.27", "docker.io/library/nginx:1.27"),
        ("istio/proxyv2:1.26.0", "docker.io/istio/proxyv2:1.26.0"),
        ("gcr.io/istio-release/pilot:1.26.0", "gcr.io/istio-release/pilot:1.26.0"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("nginx@sha256:" + "b" * 64, "docker.io/library/nginx@sha256:" + "b" * 64),
    ],
    ids=["short", "tag", "org", "registry", "registry-port", "digest"],
)
def test_images_are_reported_fully_qualified(image: str, reference: str) -> None:
    assert image_reference(image) == reference


def test_a_registry_port_is_not_a_tag() -> None:
    assert split_image("localhost:5000/app") == ("localhost:5000/app", "", "")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Fraction(1, 2)),
        ("0.5", Fraction(1, 2)),
        ("128Mi", 128 * 2**20),
        ("1G", 10**9),
        (2, 2),
        ("1e3", 1000),
    ],
    ids=["milli", "decimal", "mebi", "giga", "int", "exponent"],
)
def test_quantities_are_read_exactly(text: object, value: Fraction) -> None:
    assert parse_quantity(text) == value
