"""JSON Web Tokens: parsing, signature verification and signing (JWS compact form).

Parsing and verification follow google/jwt_verify_lib, the library Envoy's jwt_authn filter
uses: src/jwt.cc (parseFromString: two dots and three non-empty sections, base64url header
and payload holding JSON objects, `alg` required and implemented, typed registered claims,
base64url signature), src/verify.cc (a key is tried when its `kid` and `alg` agree with the
token's; no such key = `Jwks doesn't have key to match kid or alg from Jwt`; keys tried and
none verifies = `Jwt verification fails`) and the time checks of
source/extensions/filters/http/jwt_authn/authenticator.cc (60 s clock skew by default).

Signatures use `cryptography`: RS256/384/512 (PKCS#1 v1.5), PS256/384/512 (PSS, salt of the
digest length), ES256/384/512 (raw r||s), HS256/384/512 and EdDSA (Ed25519).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from .jwks import CURVES, Jwk, Jwks, b64url_decode, b64url_encode
from .jwt_status import Status

CLOCK_SKEW = 60  # seconds (jwt_verify_lib kClockSkewInSecond; Istio does not change it)
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}
_HMAC = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
     "HS256", "HS384", "HS512", "EdDSA"}
)  # fmt: skip
_UINT64 = 2**64


@dataclass(frozen=True)
class Jwt:
    """A parsed token. `payload` is the decoded claims object; `payload_b64` the token's own
    payload section (what `outputPayloadToHeader` forwards)."""

    header: Mapping[str, Any]
    payload: Mapping[str, Any]
    header_b64: str
    payload_b64: str
    signature: bytes
    alg: str
    kid: str = ""
    iss: str = ""
    sub: str = ""
    audiences: tuple[str, ...] = ()
    exp: int = 0
    nbf: int = 0
    iat: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def signed_part(self) -> bytes:
        return f"{self.header_b64}.{self.payload_b64}".encode("ascii")


def _object(section: str, bad_base64: Status, bad_json: Status) -> dict[str, Any] | Status:
    raw = b64url_decode(section)
    if raw is None:
        return bad_base64
    try:
        doc = json.loads(raw)
    except ValueError:
        return bad_json
    return doc if isinstance(doc, dict) else bad_json


def _uint(payload: Mapping[str, Any], name: str, not_int: Status, out: Status) -> int | Status:
    value = payload.get(name)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return not_int
    if value < 0 or value >= _UINT64:
        return out
    return int(value)


def parse_jwt(token: str) -> Jwt | Status:
    """The token, or the first problem jwt_verify_lib's Jwt::parseFromString reports."""
    sections = [s for s in token.split(".") if s]
    if len(sections) != 3:
        return Status.JWT_BAD_FORMAT
    header_b64, payload_b64, signature_b64 = sections
    header = _object(header_b64, Status.JWT_HEADER_BAD_BASE64, Status.JWT_HEADER_BAD_JSON)
    if isinstance(header, Status):
        return header
    alg = header.get("alg")
    if not isinstance(alg, str):
        return Status.JWT_HEADER_BAD_ALG
    if alg not in ALGORITHMS:
        return Status.JWT_HEADER_NOT_IMPLEMENTED_ALG
    kid = header.get("kid", "")
    if not isinstance(kid, str):
        return Status.JWT_HEADER_BAD_KID
    payload = _object(payload_b64, Status.JWT_PAYLOAD_BAD_BASE64, Status.JWT_PAYLOAD_BAD_JSON)
    if isinstance(payload, Status):
        return payload
    iss, sub = payload.get("iss", ""), payload.get("sub", "")
    if not isinstance(iss, str):
        return Status.JWT_PAYLOAD_ISS_NOT_STRING
    if not isinstance(sub, str):
        return Status.JWT_PAYLOAD_SUB_NOT_STRING
    times: list[int] = []
    for name, not_int, out in (
        ("iat", Status.JWT_PAYLOAD_IAT_NOT_INTEGER, Status.JWT_PAYLOAD_IAT_OUT_OF_RANGE),
        ("nbf", Status.JWT_PAYLOAD_NBF_NOT_INTEGER, Status.JWT_PAYLOAD_NBF_OUT_OF_RANGE),
        ("exp", Status.JWT_PAYLOAD_EXP_NOT_INTEGER, Status.JWT_PAYLOAD_EXP_OUT_OF_RANGE),
    ):
        value = _uint(payload, name, not_int, out)
        if isinstance(value, Status):
            return value
        times.append(value)
    if "jti" in payload and not isinstance(payload["jti"], str):
        return Status.JWT_PAYLOAD_JTI_NOT_STRING
    aud = payload.get("aud")
    audiences: tuple[str, ...] = ()
    if isinstance(aud, str):
        audiences = (aud,)
    elif isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        audiences = tuple(aud)
    elif aud is not None:
        return Status.JWT_PAYLOAD_AUD_NOT_STRING
    signature = b64url_decode(signature_b64)
    if signature is None:
        return Status.JWT_SIGNATURE_BAD_BASE64
    iat, nbf, exp = times
    return Jwt(header, payload, header_b64, payload_b64, signature, alg, kid, iss, sub,
               audiences, exp, nbf, iat)  # fmt: skip


def check_time(jwt: Jwt, now: float, skew: int = CLOCK_SKEW) -> Status:
    """Jwt::verifyTimeConstraint: not before `nbf` (less the skew), not after `exp` (plus the
    skew); a token without `exp` does not expire."""
    if now + skew < jwt.nbf:
        return Status.JWT_NOT_YET_VALID
    if jwt.exp and now > jwt.exp + skew:
        return Status.JWT_EXPIRED
    return Status.OK


def _normalized_audience(aud: str) -> str:
    """check_audience.cc: scheme `http://`/`https://` and a trailing slash do not count."""
    for scheme in ("http://", "https://"):
        if aud.startswith(scheme):
            aud = aud[len(scheme) :]
    return aud.rstrip("/")


def audiences_allowed(jwt: Jwt, allowed: tuple[str, ...]) -> bool:
    """CheckAudience::areAudiencesAllowed: no configured audiences allows every token."""
    if not allowed:
        return True
    wanted = {_normalized_audience(a) for a in allowed}
    return any(_normalized_audience(a) in wanted for a in jwt.audiences)


def _verify_with(jwk: Jwk, jwt: Jwt) -> bool:
    alg, data, sig, key = jwt.alg, jwt.signed_part, jwt.signature, jwk.key
    try:
        if isinstance(key, rsa.RSAPublicKey) and alg[:2] in ("RS", "PS"):
            digest = _HASHES[alg[2:]]()
            pad: padding.AsymmetricPadding = (
                padding.PKCS1v15()
                if alg.startswith("RS")
                else padding.PSS(padding.MGF1(digest), padding.PSS.DIGEST_LENGTH)
            )
            key.verify(sig, data, pad, digest)
            return True
        if isinstance(key, ec.EllipticCurvePublicKey) and alg.startswith("ES"):
            _, curve_alg, size = CURVES[jwk.crv]
            if alg != curve_alg or len(sig) != 2 * size:
                return False
            der = encode_dss_signature(int.from_bytes(sig[:size], "big"),
                                       int.from_bytes(sig[size:], "big"))  # fmt: skip
            key.verify(der, data, ec.ECDSA(_HASHES[alg[2:]]()))
            return True
        if isinstance(key, ed25519.Ed25519PublicKey) and alg == "EdDSA":
            key.verify(sig, data)
            return True
        if isinstance(key, bytes) and jwk.kty == "oct" and alg in _HMAC:
            expected = hmac.new(key, data, _HMAC[alg]).digest()
            return hmac.compare_digest(expected, sig)
    except (InvalidSignature, ValueError):
        return False
    return False


def verify_signature(jwt: Jwt, jwks: Jwks) -> Status:
    """verify.cc verifyJwtWithoutTimeChecking over the keys of `jwks`."""
    matched = False
    for jwk in jwks.keys:
        if jwt.kid and jwk.kid and jwk.kid != jwt.kid:
            continue
        if jwk.alg and jwk.alg != jwt.alg:
            continue
        matched = True
        if _verify_with(jwk, jwt):
            return Status.OK
    return Status.JWT_VERIFICATION_FAIL if matched else Status.JWKS_KID_ALG_MISMATCH


def sign_jwt(claims: Mapping[str, Any], private_key: Any, *, kid: str = "",
             alg: str = "") -> str:  # fmt: skip
    """A compact JWS of `claims` signed with an RSA (RS256 unless `alg` says RS384, PS256,
    ...) or EC (ES256/384/512 by curve) private key; header `{"alg","kid","typ":"JWT"}` as
    Istio's gen-jwt.py writes it."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        alg = alg or "RS256"
    elif isinstance(private_key, ec.EllipticCurvePrivateKey):
        curve = next(c for c in CURVES.values() if c[0].name == private_key.curve.name)
        alg = alg or curve[1]
    else:
        raise ValueError("only RSA and EC private keys can sign")
    header: dict[str, str] = {"alg": alg}
    if kid:
        header["kid"] = kid
    header["typ"] = "JWT"
    head = b64url_encode(json.dumps(header, separators=(",", ":")).encode())
    body = b64url_encode(json.dumps(dict(claims), separators=(",", ":"),
                                    sort_keys=True).encode())  # fmt: skip
    data = f"{head}.{body}".encode("ascii")
    digest = _HASHES[alg[2:]]()
    if isinstance(private_key, rsa.RSAPrivateKey):
        pad: padding.AsymmetricPadding = (
            padding.PKCS1v15()
            if alg.startswith("RS")
            else padding.PSS(padding.MGF1(digest), padding.PSS.DIGEST_LENGTH)
        )
        signature = private_key.sign(data, pad, digest)
    else:
        size = next(c[2] for c in CURVES.values() if c[0].name == private_key.curve.name)
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(digest)))
        signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return f"{head}.{body}.{b64url_encode(signature)}"


__all__ = ["ALGORITHMS", "CLOCK_SKEW", "Jwt", "audiences_allowed", "check_time", "parse_jwt",
           "sign_jwt", "verify_signature"]  # fmt: skip
