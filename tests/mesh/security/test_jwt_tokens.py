"""JWT and JWKS parsing and verification against jwt_verify_lib's rules and texts.

Sources: google/jwt_verify_lib src/status.cc, src/jwt.cc, src/jwks.cc, src/verify.cc;
Envoy source/extensions/filters/http/jwt_authn/filter.cc (generateRcDetails); istio/istio
security/tools/jwt/samples (jwks.json, demo.jwt, groups-scope.jwt, key.pem) and
pilot/pkg/model/jwks_resolver.go (CreateFakeJwks).
"""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from hypothesis import given, settings
from hypothesis import strategies as st

from meshcert.mesh import internet
from meshcert.mesh.security.jwks import fake_jwks, parse_jwks, public_jwk
from meshcert.mesh.security.jwt_status import Status, response_details
from meshcert.mesh.security.jwt_tokens import (
    Jwt,
    check_time,
    parse_jwt,
    sign_jwt,
    verify_signature,
)


def parsed(token: str) -> Jwt:
    jwt = parse_jwt(token.strip())
    assert isinstance(jwt, Jwt), jwt
    return jwt


def test_the_docs_sample_tokens_verify_against_the_sample_jwks() -> None:
    keys = parse_jwks(internet.JWKS)
    demo = parsed(internet.DEMO_JWT)
    assert verify_signature(demo, keys) is Status.OK
    assert (demo.iss, demo.sub, demo.exp) == ("testing@secure.istio.io",) * 2 + (4685989700,)
    groups = parsed(internet.GROUPS_SCOPE_JWT)
    assert verify_signature(groups, keys) is Status.OK
    assert groups.payload["groups"] == ["group1", "group2"]


def test_the_sample_kid_is_the_key_thumbprint() -> None:
    key = load_pem_private_key(internet.SAMPLE_KEY_PEM.encode(), None)
    assert public_jwk(key) == json.loads(internet.JWKS)["keys"][0]


def test_a_failed_fetch_rejects_tokens_by_kid() -> None:
    fake = fake_jwks("https://example.com/jwks.json")
    assert fake.startswith('{"keys":[ {"e":"AQAB","kid":"abc","kty":"RSA","n":"RXJyb3It')
    demo = parsed(internet.DEMO_JWT)
    assert verify_signature(demo, parse_jwks(fake)) is Status.JWKS_KID_ALG_MISMATCH


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("not json", Status.JWKS_PARSE_ERROR),
        ("{}", Status.JWKS_NO_KEYS),
        ('{"keys": {}}', Status.JWKS_BAD_KEYS),
        ('{"keys": []}', Status.JWKS_NO_VALID_KEYS),
        ('{"keys": [{"e": "AQAB"}]}', Status.JWKS_MISSING_KTY),
        ('{"keys": [{"kty": "XYZ"}]}', Status.JWKS_NOT_IMPLEMENTED_KTY),
        ('{"keys": [{"kty": "RSA", "e": "AQAB"}]}', Status.JWKS_RSA_KEY_MISSING_N),
        ('{"keys": [{"kty": "RSA", "alg": "ES256", "n": "AQAB", "e": "AQAB"}]}',
         Status.JWKS_RSA_KEY_BAD_ALG),
        ('{"keys": [{"kty": "EC", "crv": "P-256", "alg": "ES384", "x": "", "y": ""}]}',
         Status.JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV),
        ('{"keys": [{"kty": "EC", "crv": "P-256", "y": "AA"}]}', Status.JWKS_EC_KEY_MISSING_X),
    ],
)  # fmt: skip
def test_jwks_status(text: str, status: Status) -> None:
    assert parse_jwks(text).status is status


@pytest.mark.parametrize(
    ("now", "status"),
    [(4685989700 + 60, Status.OK), (4685989700 + 61, Status.JWT_EXPIRED)],
)
def test_expiry_has_envoys_60s_skew(now: int, status: Status) -> None:
    assert check_time(parsed(internet.DEMO_JWT), now) is status


def test_access_log_details() -> None:
    assert response_details(Status.JWT_VERIFICATION_FAIL) == (
        "jwt_authn_access_denied{Jwt_verification_fails}"
    )


SAMPLE_KID = "DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ"
_KEY = load_pem_private_key(internet.SAMPLE_KEY_PEM.encode(), None)
_SAMPLE_KEYS = parse_jwks(internet.JWKS)
_REGISTERED = {"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}  # typed by jwt_verify_lib
_CLAIMS = st.dictionaries(
    st.text(min_size=1, max_size=8).filter(lambda k: k not in _REGISTERED),
    st.one_of(st.text(max_size=12), st.integers(0, 2**40), st.booleans(),
              st.lists(st.text(max_size=6), max_size=3)),
    max_size=5,
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(claims=_CLAIMS, flip=st.integers(0, 10**6))
def test_signed_claims_verify_and_any_change_breaks_them(
    claims: dict[str, object], flip: int
) -> None:
    token = sign_jwt(claims, _KEY, kid=SAMPLE_KID)
    jwt = parsed(token)
    assert verify_signature(jwt, _SAMPLE_KEYS) is Status.OK
    assert dict(jwt.payload) == claims
    # change one character of the payload section: never a valid token
    head, body, sig = token.split(".")
    index = flip % len(body)
    swapped = "A" if body[index] != "A" else "B"
    forged = parse_jwt(f"{head}.{body[:index]}{swapped}{body[index + 1 :]}.{sig}")
    assert isinstance(forged, Status) or verify_signature(forged, _SAMPLE_KEYS) is not Status.OK
