"""HTTP caching of discovery and OpenAPI documents: ETags, 304, immutable hash-qualified URLs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import httpx
import pytest
from running_api import RunningApi

from meshcert.kube.apiserver import caching, discovery

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


@pytest.fixture
def client(api: RunningApi) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=api.url,
        verify=False,  # the test talks to the lab's self-signed loopback certificate
        headers={"Authorization": f"Bearer {api.token}"},
    ) as opened:
        yield opened


def _sha512(body: bytes) -> str:
    return hashlib.sha512(body).hexdigest().upper()


def test_openapi_index_has_an_etag_and_answers_304_when_it_matches(client: httpx.Client) -> None:
    first = client.get("/openapi/v3")
    assert first.status_code == 200
    assert first.headers["etag"] == f'"{_sha512(first.content)}"'
    again = client.get("/openapi/v3", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    other = client.get("/openapi/v3", headers={"If-None-Match": '"0123"'})
    assert other.status_code == 200
    assert other.content == first.content


def test_hash_qualified_document_is_immutable_for_a_year(client: httpx.Client) -> None:
    url = client.get("/openapi/v3").json()["paths"]["apis/apps/v1"]["serverRelativeURL"]
    reply = client.get(url)
    assert reply.status_code == 200
    digest = url.partition("?hash=")[2]
    assert _sha512(reply.content) == digest
    assert reply.headers["etag"] == f'"{digest}"'
    assert reply.headers["cache-control"] == "public, immutable"
    assert reply.headers["vary"] == "Accept"
    expires = parsedate_to_datetime(reply.headers["expires"])
    date = parsedate_to_datetime(reply.headers["date"])
    assert 364 <= (expires - date).days <= 366
    assert json.loads(reply.content)["openapi"] == "3.0.0"
    revalidated = client.get(url, headers={"If-None-Match": f'"{digest}"'})
    assert revalidated.status_code == 304


def test_document_without_hash_is_not_immutable(client: httpx.Client) -> None:
    reply = client.get("/openapi/v3/apis/apps/v1")
    assert reply.status_code == 200
    assert "cache-control" not in reply.headers
    assert "expires" not in reply.headers
    assert reply.headers["etag"] == f'"{_sha512(reply.content)}"'


def test_outdated_hash_is_redirected_to_the_current_url(client: httpx.Client) -> None:
    url = client.get("/openapi/v3").json()["paths"]["api/v1"]["serverRelativeURL"]
    stale = client.get("/openapi/v3/api/v1?hash=" + "0" * 128)
    assert stale.status_code == 301
    assert stale.headers["location"].endswith(url)
    assert "cache-control" not in stale.headers


def test_aggregated_discovery_has_an_etag_and_answers_304(client: httpx.Client) -> None:
    for path in ("/api", "/apis"):
        first = client.get(path, headers={"Accept": AGGREGATED})
        assert first.status_code == 200
        assert first.headers["content-type"] == discovery.AGGREGATED_CONTENT_TYPE
        assert first.headers["etag"] == f'"{_sha512(first.content)}"'
        assert first.headers["cache-control"] == "public"
        again = client.get(
            path, headers={"Accept": AGGREGATED, "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304
        assert again.content == b""


def test_legacy_discovery_is_unchanged(client: httpx.Client) -> None:
    reply = client.get("/apis", headers={"Accept": "application/json"})
    assert reply.json()["kind"] == "APIGroupList"
    assert "etag" not in reply.headers


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"ABC"', True),
        ('W/"ABC"', True),
        ('"X", "ABC"', True),
        ("*", True),
        ('"abc"', False),
        ("ABC", False),
        ("", False),
    ],
    ids=["exact", "weak", "list", "star", "case", "unquoted", "empty"],
)
def test_if_none_match(header: str, matches: bool) -> None:
    assert caching._matches(header, "ABC") is matches


def test_a_new_crd_changes_the_index_etag(api: RunningApi, client: httpx.Client) -> None:
    """kubectl revalidates the index on every run: a change in the served kinds must show."""
    import yaml

    from meshcert.kube.gateway_api import crd_manifests

    before = client.get("/openapi/v3").headers["etag"]
    api.ok("apply", "-f", "-", input=yaml.safe_dump_all(crd_manifests()))
    after = client.get("/openapi/v3", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert "apis/gateway.networking.k8s.io/v1" in after.json()["paths"]
