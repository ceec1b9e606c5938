"""JSON Web Key Sets as Envoy's JWT filter reads them, and the public JWK of a private key.

Parsing follows google/jwt_verify_lib src/jwks.cc (createFromJwksCore, extractJwk): a key
that cannot be used sets the set's status unless a later key is good (the library's
updateStatus/resetStatus); a set whose status is not OK is dropped by Envoy ("Invalid inline
jwks", source/extensions/filters/http/jwt_authn/jwks_cache.cc) and verification then fails
with `Jwks doesn't have any valid public key`.

When istiod cannot fetch a `jwksUri` it inlines a fake key set so tokens are rejected
(pilot/pkg/model/jwks_resolver.go CreateFakeJwks): `fake_jwks`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from .jwt_status import Status

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey | bytes

CURVES: dict[str, tuple[ec.EllipticCurve, str, int]] = {
    "P-256": (ec.SECP256R1(), "ES256", 32),
    "P-384": (ec.SECP384R1(), "ES384", 48),
    "P-521": (ec.SECP521R1(), "ES512", 66),
}
CURVE_OF_ALG = {alg: crv for crv, (_, alg, _) in CURVES.items()}


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes | None:
    """absl::WebSafeBase64Unescape: the URL-safe alphabet, padding optional; None when
    the text is not base64url."""
    stripped = text.rstrip("=")
    if len(stripped) % 4 == 1 or any(
        not (c.isascii() and (c.isalnum() or c in "-_")) for c in stripped
    ):
        return None
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except (binascii.Error, ValueError):
        return None


@dataclass(frozen=True)
class Jwk:
    """One usable key: `kty` RSA, EC, oct or OKP; `alg` and `kid` as the set gives them."""

    kty: str
    key: PublicKey
    kid: str = ""
    alg: str = ""
    crv: str = ""


@dataclass(frozen=True)
class Jwks:
    keys: tuple[Jwk, ...]
    status: Status = Status.OK


def _string(key: Mapping[str, Any], name: str) -> tuple[bool, str | None]:
    """(present, value): value None when present but not a string."""
    if name not in key:
        return False, None
    value = key[name]
    return True, value if isinstance(value, str) else None


def _int(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _rsa(key: Mapping[str, Any], kid: str, alg: str) -> Jwk | Status:
    if alg and not alg.startswith(("RS", "PS")):
        return Status.JWKS_RSA_KEY_BAD_ALG
    has_n, n = _string(key, "n")
    if not has_n:
        return Status.JWKS_RSA_KEY_MISSING_N
    if n is None:
        return Status.JWKS_RSA_KEY_BAD_N
    has_e, e = _string(key, "e")
    if not has_e:
        return Status.JWKS_RSA_KEY_MISSING_E
    if e is None:
        return Status.JWKS_RSA_KEY_BAD_E
    n_bytes, e_bytes = b64url_decode(n), b64url_decode(e)
    if not n_bytes or not e_bytes:
        return Status.JWKS_RSA_PARSE_ERROR
    try:
        public: PublicKey = rsa.RSAPublicNumbers(_int(e_bytes), _int(n_bytes)).public_key()
    except ValueError:
        # BoringSSL takes any n and e (RSA_set0_key); such a key only fails to verify, as the
        # fake key set istiod pushes after a failed fetch does.
        public = b""
    return Jwk("RSA", public, kid, alg)


def _ec(key: Mapping[str, Any], kid: str, alg: str) -> Jwk | Status:
    if alg and not alg.startswith("ES"):
        return Status.JWKS_EC_KEY_BAD_ALG
    has_crv, crv = _string(key, "crv")
    if has_crv and crv is None:
        return Status.JWKS_EC_KEY_BAD_CRV
    crv = crv or CURVE_OF_ALG.get(alg, "")
    if crv not in CURVES or (alg and alg not in CURVE_OF_ALG):
        return Status.JWKS_EC_KEY_ALG_OR_CRV_UNSUPPORTED
    curve, curve_alg, _ = CURVES[crv]
    if alg and alg != curve_alg:
        return Status.JWKS_EC_KEY_ALG_NOT_COMPATIBLE_WITH_CRV
    has_x, x = _string(key, "x")
    if not has_x:
        return Status.JWKS_EC_KEY_MISSING_X
    if x is None:
        return Status.JWKS_EC_KEY_BAD_X
    has_y, y = _string(key, "y")
    if not has_y:
        return Status.JWKS_EC_KEY_MISSING_Y
    if y is None:
        return Status.JWKS_EC_KEY_BAD_Y
    x_bytes, y_bytes = b64url_decode(x), b64url_decode(y)
    if x_bytes is None or y_bytes is None:
        return Status.JWKS_EC_X_OR_Y_BAD_BASE64
    try:
        public = ec.EllipticCurvePublicNumbers(_int(x_bytes), _int(y_bytes), curve).public_key()
    except ValueError:
        return Status.JWKS_EC_CREATE_KEY_FAIL
    return Jwk("EC", public, kid, alg, crv)


def _oct(key: Mapping[str, Any], kid: str, alg: str) -> Jwk | Status:
    if alg and not alg.startswith("HS"):
        return Status.JWKS_HMAC_KEY_BAD_ALG
    has_k, k = _string(key, "k")
    if not has_k:
        return Status.JWKS_HMAC_KEY_MISSING_K
    if k is None:
        return Status.JWKS_HMAC_KEY_BAD_K
    secret = b64url_decode(k)
    if not secret:
        return Status.JWKS_OCT_BAD_BASE64
    return Jwk("oct", secret, kid, alg)


def _okp(key: Mapping[str, Any], kid: str, alg: str) -> Jwk | Status:
    if alg and alg != "EdDSA":
        return Status.JWKS_OKP_KEY_BAD_ALG
    has_crv, crv = _string(key, "crv")
    if not has_crv:
        return Status.JWKS_OKP_KEY_MISSING_CRV
    if crv is None:
        return Status.JWKS_OKP_KEY_BAD_CRV
    if crv != "Ed25519":
        return Status.JWKS_OKP_KEY_CRV_UNSUPPORTED
    has_x, x = _string(key, "x")
    if not has_x:
        return Status.JWKS_OKP_KEY_MISSING_X
    if x is None:
        return Status.JWKS_OKP_KEY_BAD_X
    raw = b64url_decode(x)
    if raw is None:
        return Status.JWKS_OKP_X_BAD_BASE64
    if len(raw) != 32:
        return Status.JWKS_OKP_X_WRONG_LENGTH
    return Jwk("OKP", ed25519.Ed25519PublicKey.from_public_bytes(raw), kid, alg, crv)


def parse_jwk(key: Mapping[str, Any]) -> Jwk | Status:
    """One key of a set (jwks.cc extractJwk)."""
    has_kty, kty = _string(key, "kty")
    if not has_kty:
        return Status.JWKS_MISSING_KTY
    if kty is None:
        return Status.JWKS_BAD_KTY
    kid = str(key["kid"]) if isinstance(key.get("kid"), str) else ""
    alg = str(key["alg"]) if isinstance(key.get("alg"), str) else ""
    parsers = {"RSA": _rsa, "EC": _ec, "oct": _oct, "OKP": _okp}
    parser = parsers.get(kty)
    if parser is None:
        return Status.JWKS_NOT_IMPLEMENTED_KTY
    return parser(key, kid, alg)


def parse_jwks(text: str) -> Jwks:
    """A key set from its JSON text (jwks.cc createFromJwksCore)."""
    try:
        doc = json.loads(text)
    except ValueError:
        return Jwks((), Status.JWKS_PARSE_ERROR)
    if not isinstance(doc, dict):
        return Jwks((), Status.JWKS_PARSE_ERROR)
    if "keys" not in doc:
        return Jwks((), Status.JWKS_NO_KEYS)
    if not isinstance(doc["keys"], list):
        return Jwks((), Status.JWKS_BAD_KEYS)
    keys: list[Jwk] = []
    status = Status.OK
    for item in doc["keys"]:
        if not isinstance(item, dict):
            continue
        found = parse_jwk(item)
        if isinstance(found, Jwk):
            keys.append(found)
            status = Status.OK
        elif status is Status.OK:
            status = found
    if not keys and status is Status.OK:
        status = Status.JWKS_NO_VALID_KEYS
    return Jwks(tuple(keys), status)


def public_jwk(private_key: Any, kid: str | None = None) -> dict[str, str]:
    """The public JWK of an RSA or EC private key; `kid` defaults to the key's RFC 7638
    thumbprint (which is how the `kid` of Istio's sample jwks.json was made)."""
    public = private_key.public_key()
    jwk: dict[str, str]
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        jwk = {
            "e": b64url_encode(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
            "kty": "RSA",
            "n": b64url_encode(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
        }
    elif isinstance(public, ec.EllipticCurvePublicKey):
        crv = next(name for name, (curve, _, _) in CURVES.items()
                   if curve.name == public.curve.name)  # fmt: skip
        size = CURVES[crv][2]
        point = public.public_numbers()
        jwk = {
            "crv": crv,
            "kty": "EC",
            "x": b64url_encode(point.x.to_bytes(size, "big")),
            "y": b64url_encode(point.y.to_bytes(size, "big")),
        }
    else:
        raise ValueError("only RSA and EC keys are supported")
    jwk["kid"] = kid if kid is not None else thumbprint(jwk)
    return dict(sorted(jwk.items()))


def thumbprint(jwk: Mapping[str, str]) -> str:
    """RFC 7638 SHA-256 thumbprint of a public RSA or EC JWK, base64url."""
    members = ("e", "kty", "n") if jwk["kty"] == "RSA" else ("crv", "kty", "x", "y")
    canonical = json.dumps({m: jwk[m] for m in members}, separators=(",", ":"))
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


def fake_jwks(jwks_uri: str) -> str:
    """The key set istiod pushes when it could not fetch `jwks_uri` (CreateFakeJwks)."""
    n = b64url_encode(("Error-IstiodFailedToFetchJwksUri-" + jwks_uri).encode())
    return '{"keys":[ {"e":"AQAB","kid":"abc","kty":"RSA","n":"' + n + '"}]}'


__all__ = ["Jwk", "Jwks", "b64url_decode", "b64url_encode", "fake_jwks", "parse_jwk",
           "parse_jwks", "public_jwk", "thumbprint"]  # fmt: skip
