"""`meshcert jwt mint`: tokens like Istio's gen-jwt.py, verifiable against the docs' jwks.json.

Source: istio/istio security/tools/jwt/samples/gen-jwt.py; istio.io
docs/tasks/security/authentication/authn-policy ("End-user authentication": `gen-jwt.py
key.pem --expire 5`).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from typer.testing import CliRunner

from meshcert.cli.jwt_commands import gen_jwt_claims
from meshcert.cli.main import build_app
from meshcert.mesh import internet
from meshcert.mesh.security.jwks import parse_jwks
from meshcert.mesh.security.jwt_status import Status
from meshcert.mesh.security.jwt_tokens import parse_jwt, verify_signature


def mint(*args: str) -> str:
    result = CliRunner().invoke(build_app(), ["jwt", "mint", *args])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_default_token_verifies_against_the_sample_jwks() -> None:
    before = int(time.time())
    jwt = parse_jwt(mint("--expire", "5"))
    assert not isinstance(jwt, Status)
    assert verify_signature(jwt, parse_jwks(internet.JWKS)) is Status.OK
    kid = "DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ"
    assert dict(jwt.header) == {"alg": "RS256", "kid": kid, "typ": "JWT"}
    assert jwt.iss == jwt.sub == "testing@secure.istio.io"
    assert before <= jwt.iat <= before + 5
    assert jwt.exp == jwt.iat + 5


def test_jwks_out_reproduces_the_sample_jwks_file(tmp_path: Path) -> None:
    out = tmp_path / "jwks.json"
    mint("--jwks-out", str(out))
    assert out.read_text() == internet.JWKS


def test_own_ec_key(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = tmp_path / "key.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))  # fmt: skip
    jwks = tmp_path / "jwks.json"
    jwt = parse_jwt(mint("--key", str(pem), "--jwks-out", str(jwks), "--iss", "me"))
    assert not isinstance(jwt, Status)
    assert jwt.alg == "ES256"
    assert verify_signature(jwt, parse_jwks(jwks.read_text())) is Status.OK


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({}, {"iss": "testing@secure.istio.io", "sub": "testing@secure.istio.io"},
                     id="defaults"),
        pytest.param({"iss": "a", "sub": "b", "aud": "x"}, {"iss": "a", "sub": "b", "aud": "x"},
                     id="aud-string"),
        pytest.param({"aud": "x,y"}, {"aud": ["x", "y"]}, id="aud-list"),
        pytest.param({"claims": "email:a@b.c,dead:beef"}, {"email": "a@b.c", "dead": "beef"},
                     id="claims"),
        pytest.param({"list_claims": ["groups:group1,group2"]},
                     {"groups": ["group1", "group2"]}, id="list-claim"),
    ],
)  # fmt: skip
def test_claims_as_gen_jwt_builds_them(
    kwargs: dict[str, object], expected: dict[str, object]
) -> None:
    payload = gen_jwt_claims(1000, **kwargs)  # type: ignore[arg-type]
    assert payload["iat"] == 1000
    assert payload["exp"] == 4600
    for name, value in expected.items():
        assert payload[name] == value


def test_bad_input_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["jwt", "mint", "--claims", "novalue"])
    assert result.exit_code == 1
    result = CliRunner().invoke(build_app(), ["jwt", "mint", "--key", str(tmp_path / "no.pem")])
    assert result.exit_code == 1
