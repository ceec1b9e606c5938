"""`meshcert jwt mint`: test tokens as Istio's security/tools/jwt/samples/gen-jwt.py makes them.

Same claims and defaults: `exp` = now + `--expire` (3600 s), `iat` = now, `iss`
(testing@secure.istio.io), `sub` (the issuer unless given), `aud` (a list when it has commas),
`--claims name:value,...` as strings, list claims; header `{"alg":"RS256","kid":...,
"typ":"JWT"}` with the key's RFC 7638 thumbprint as `kid`. Without `--key` it signs with
Istio's sample key.pem, so its tokens verify against the sample jwks.json the istio.io tasks
use as `jwksUri` (served by the lab's simulated internet). `--jwks-out` writes the public key
set as gen-jwt.py's `-jwks` does.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from . import output

jwt_app = typer.Typer(help="JSON Web Tokens for RequestAuthentication tests.",
                      no_args_is_help=True)  # fmt: skip

DEFAULT_ISSUER = "testing@secure.istio.io"


def gen_jwt_claims(
    now: int,
    *,
    iss: str = DEFAULT_ISSUER,
    sub: str = "",
    aud: str = "",
    claims: str = "",
    list_claims: list[str] | None = None,
    expire: int = 3600,
) -> dict[str, Any]:
    """The payload gen-jwt.py builds (main(): exp, iat, iss, sub, aud, claims, listclaim)."""
    payload: dict[str, Any] = {"exp": now + expire, "iat": now}
    if iss:
        payload["iss"] = iss
    payload["sub"] = sub or iss
    if aud:
        payload["aud"] = aud.split(",") if "," in aud else aud
    for item in claims.split(",") if claims else []:
        name, sep, value = item.partition(":")
        if not sep or ":" in value:
            raise ValueError(f"--claims item {item!r} is not name:value")
        payload[name] = value
    for item in list_claims or []:
        name, sep, values = item.partition(":")
        if not sep:
            raise ValueError(f"--listclaim {item!r} is not name:value1,value2")
        payload[name] = values.split(",")
    return payload


def jwks_document(jwk: dict[str, str]) -> str:
    """gen-jwt.py's -jwks file: `{ "keys":[ <the public JWK> ]}`."""
    return '{ "keys":[ ' + json.dumps(jwk, separators=(",", ":"), sort_keys=True) + "]}"


@jwt_app.command("mint")
def mint(
    iss: Annotated[str, typer.Option("--iss", help="iss claim.")] = DEFAULT_ISSUER,
    sub: Annotated[
        str, typer.Option("--sub", help="sub claim (default: the issuer).", show_default=False)
    ] = "",
    aud: Annotated[
        str, typer.Option("--aud", help="aud claim; comma-separated for a list.")
    ] = "",
    claims: Annotated[
        str, typer.Option("--claims", help="Other claims as name1:value1,name2:value2 (strings).")
    ] = "",
    listclaim: Annotated[
        list[str] | None,
        typer.Option("--listclaim", help="A list claim as name:value1,value2 (repeatable)."),
    ] = None,
    expire: Annotated[
        int, typer.Option("--expire", help="Seconds until the token expires.")
    ] = 3600,
    key: Annotated[
        Path | None,
        typer.Option("--key", help="PEM private key (RSA or EC); default: Istio's sample "
                     "key.pem.", dir_okay=False, show_default=False),
    ] = None,
    jwks_out: Annotated[
        Path | None,
        typer.Option("--jwks-out", help="Write the public JWKS to this file.", dir_okay=False,
                     show_default=False),
    ] = None,
) -> None:  # fmt: skip
    """Print a signed JWT (RS256 for RSA keys, ES256/384/512 for EC keys)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from meshcert.mesh.internet import SAMPLE_KEY_PEM
    from meshcert.mesh.security.jwks import public_jwk
    from meshcert.mesh.security.jwt_tokens import sign_jwt

    try:
        pem = key.read_bytes() if key is not None else SAMPLE_KEY_PEM.encode()
    except OSError as exc:
        output.print_error(f"cannot read {key}: {exc.strerror}")
        raise typer.Exit(1) from None
    try:
        private = load_pem_private_key(pem, None)
        jwk = public_jwk(private)
        payload = gen_jwt_claims(int(time.time()), iss=iss, sub=sub, aud=aud, claims=claims,
                                 list_claims=listclaim, expire=expire)  # fmt: skip
        token = sign_jwt(payload, private, kid=jwk["kid"])
    except (ValueError, TypeError) as exc:
        output.print_error(str(exc))
        raise typer.Exit(1) from None
    if jwks_out is not None:
        jwks_out.write_text(jwks_document(jwk))
    typer.echo(token)


__all__ = ["gen_jwt_claims", "jwks_document", "jwt_app"]
