"""RequestAuthentication: JWT verification at a workload's proxy.

What Istio builds (pilot/pkg/security/authn/policy_applier.go convertToEnvoyJwtConfig) and
what Envoy's jwt_authn filter then does (source/extensions/filters/http/jwt_authn:
extractor.cc, authenticator.cc, verifier.cc, filter.cc):

- The policies of a workload: those of its namespace and of the root namespace whose
  `selector` matches its labels or that have none; `targetRef(s)` policies apply only to
  the gateway they name (pilot/pkg/model/policyattachment.go). Their `jwtRules` together,
  sorted by issuer, are the providers.
- Requirement: one provider = {provider OR allow_missing}; several = {P1 OR P2 ... OR
  AND{P1 OR allow_missing, P2 OR allow_missing, ...}}. So a request without a token passes
  (no request principal), and a present token must be valid for a provider whose locations
  it sits in. A token whose issuer no provider has fails `Jwt issuer is not configured`.
- A CORS preflight (OPTIONS with Origin and Access-Control-Request-Method) is not checked.
- Token locations: `fromHeaders` (name and value prefix), `fromParams`, `fromCookies`; with
  none of them, `Authorization: Bearer <token>` and the `access_token` query parameter.
- Checks per token: format, issuer, time (`exp`/`nbf` with Envoy's 60 s clock skew),
  audiences, then the signature against the provider's keys. Failure = a local reply: 401
  with the status text as body and `www-authenticate: Bearer realm="<original uri>",
  error="invalid_token"`; 403 for `Audiences in Jwt are not allowed`.
- On success: the Authorization header (or the `fromHeaders` header) is removed unless
  `forwardOriginalToken`; `outputPayloadToHeader` carries the token's base64url payload;
  `outputClaimToHeaders` the claim values. The request principal is `iss/sub`; the claims
  (with `scope`, `permission` and `spaceDelimitedClaims` strings split on spaces, Istio's
  NormalizePayloadInMetadata) go to authorization.

Keys: inline `jwks`, else istiod fetches `jwksUri` (or the issuer's OpenID discovery
document) and inlines what it got (Istio's default PILOT_JWT_ENABLE_REMOTE_JWKS=false:
pilot/pkg/model/jwks_resolver.go); when the fetch fails it inlines a fake key set, so every
token is rejected. The fetch is I/O-shaped, so it comes in as `keys`, a `KeyResolver` the
simulation supplies; without one, fetched keys count as not fetched.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.view import MeshView

from .jwks import Jwks, b64url_decode, fake_jwks, parse_jwks
from .jwt_status import Status, response_details
from .jwt_tokens import Jwt, audiences_allowed, check_time, parse_jwt, verify_signature
from .peers import Rejection

KIND = "RequestAuthentication"
GATEWAY_NAME_LABEL = "gateway.networking.k8s.io/gateway-name"
# (issuer, jwksUri) -> the JWKS text istiod fetched, or None when the fetch failed
KeyResolver = Callable[[str, str], str | None]
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_SPACE_DELIMITED = ("permission", "scope")
MAX_URI_PATH = 256  # filter.cc MaximumUriLength


@dataclass(frozen=True)
class Authenticated:
    """The request to pass on (token headers possibly moved or removed) and the verified
    token's request principal (`iss/sub`, "" without a token) and claims."""

    request: HttpRequest
    principal: str = ""
    claims: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HeaderLocation:
    name: str
    prefix: str = ""


@dataclass(frozen=True)
class JwtRule:
    """One `jwtRules` entry (istio/api security/v1beta1/request_authentication.proto)."""

    issuer: str = ""
    audiences: tuple[str, ...] = ()
    jwks_uri: str = ""
    jwks: str = ""
    from_headers: tuple[HeaderLocation, ...] = ()
    from_params: tuple[str, ...] = ()
    from_cookies: tuple[str, ...] = ()
    forward_original_token: bool = False
    output_payload_to_header: str = ""
    output_claim_to_headers: tuple[tuple[str, str], ...] = ()  # (header, claim)
    space_delimited_claims: tuple[str, ...] = ()

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> JwtRule:
        def strings(name: str) -> tuple[str, ...]:
            return tuple(str(v) for v in spec.get(name) or [] if v is not None)

        headers = tuple(
            HeaderLocation(str(h.get("name") or ""), str(h.get("prefix") or ""))
            for h in spec.get("fromHeaders") or []
            if isinstance(h, Mapping)
        )
        claims = tuple(
            (str(c.get("header") or ""), str(c.get("claim") or ""))
            for c in spec.get("outputClaimToHeaders") or []
            if isinstance(c, Mapping)
        )
        return cls(
            issuer=str(spec.get("issuer") or ""),
            audiences=strings("audiences"),
            jwks_uri=str(spec.get("jwksUri") or ""),
            jwks=str(spec.get("jwks") or ""),
            from_headers=headers,
            from_params=strings("fromParams"),
            from_cookies=strings("fromCookies"),
            forward_original_token=bool(spec.get("forwardOriginalToken")),
            output_payload_to_header=str(spec.get("outputPayloadToHeader") or ""),
            output_claim_to_headers=claims,
            space_delimited_claims=strings("spaceDelimitedClaims"),
        )

    @property
    def header_locations(self) -> tuple[HeaderLocation, ...]:
        if self.from_headers or self.from_params or self.from_cookies:
            return self.from_headers
        return (HeaderLocation("authorization", "Bearer "),)

    @property
    def param_locations(self) -> tuple[str, ...]:
        if self.from_headers or self.from_params or self.from_cookies:
            return self.from_params
        return ("access_token",)


# Which policies apply ------------------------------------------------------------------------


def _selected(policy: Mapping[str, Any], workload: Workload) -> bool:
    spec = policy.get("spec") or {}
    refs = list(spec.get("targetRefs") or [])
    if spec.get("targetRef"):
        refs.append(spec["targetRef"])
    if refs:
        namespace = (policy.get("metadata") or {}).get("namespace", "")
        gateway = workload.labels.get(GATEWAY_NAME_LABEL)
        return workload.namespace == namespace and any(
            isinstance(r, Mapping) and r.get("kind") == "Gateway" and r.get("name") == gateway
            for r in refs
        )
    selector = spec.get("selector")
    labels = (selector or {}).get("matchLabels") if isinstance(selector, Mapping) else None
    if not labels:
        return True
    return all(workload.labels.get(str(k)) == str(v) for k, v in labels.items())


def rules_for(view: MeshView, workload: Workload) -> tuple[JwtRule, ...]:
    """The JWT rules of every RequestAuthentication applying to `workload`, sorted by issuer
    (policy_applier.go newPolicyApplier)."""
    key = ("requestauthn-rules", workload.namespace, workload.name, workload.ip)
    found = view.memo(key)
    if found is not None:
        return tuple(found)
    namespaces = [workload.namespace]
    if view.root_namespace != workload.namespace:
        namespaces.append(view.root_namespace)
    rules: list[JwtRule] = []
    for namespace in namespaces:
        for policy in view.policies(KIND, namespace):
            if _selected(policy, workload):
                for rule in (policy.get("spec") or {}).get("jwtRules") or []:
                    if isinstance(rule, Mapping):
                        rules.append(JwtRule.from_spec(rule))
    rules.sort(key=lambda r: r.issuer)
    return tuple(view.remember(key, tuple(rules)))


def _keys(view: MeshView, rule: JwtRule, keys: KeyResolver | None) -> Jwks:
    """The key set the proxy holds for `rule` (inline, or as istiod fetched it), parsed once
    per view and text."""
    text = rule.jwks
    if not text:
        fetched = keys(rule.issuer, rule.jwks_uri) if keys is not None else None
        text = fetched if fetched else fake_jwks(rule.jwks_uri)
    memo_key = ("requestauthn-jwks", text)
    found = view.memo(memo_key)
    if isinstance(found, Jwks):
        return found
    return view.remember(memo_key, parse_jwks(text))  # type: ignore[no-any-return]


# Token extraction -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    value: str
    header: str = ""  # the header it came from (removed after verification), or ""


def _extract_after(value: str, start: int) -> str:
    """extractor.cc extractJWT: the run of base64url characters and dots after the prefix."""
    begin = next((i for i in range(start, len(value)) if value[i] in _TOKEN_CHARS), None)
    if begin is None:
        return value  # "for backwards compatibility ... returns value_str as-is"
    end = next((i for i in range(begin, len(value)) if value[i] not in _TOKEN_CHARS), len(value))
    return value[begin:end]


def _cookies(request: HttpRequest) -> dict[str, str]:
    jar: dict[str, str] = {}
    for name, value in request.headers:
        if name != "cookie":
            continue
        for part in value.split(";"):
            key, eq, val = part.strip().partition("=")
            if eq and key not in jar:
                jar[key] = val.strip('"')
    return jar


def _tokens(rule: JwtRule, request: HttpRequest) -> list[_Token]:
    """ExtractorImpl::extract: header locations (keyed and ordered by name + prefix), then
    query parameters, then cookies (each ordered by name)."""
    tokens: list[_Token] = []
    headers = {loc.name.lower() + loc.prefix: loc for loc in rule.header_locations}
    for _, location in sorted(headers.items()):
        values = [v for n, v in request.headers if n == location.name.lower()]
        if not values:
            continue
        value = ",".join(values)
        if location.prefix:
            at = value.find(location.prefix)
            if at < 0:
                continue
            value = _extract_after(value, at + len(location.prefix))
        tokens.append(_Token(value, location.name.lower()))
    if rule.param_locations and request.query:
        params = dict(reversed(parse_qsl(request.query, keep_blank_values=True)))
        names = sorted(set(rule.param_locations))
        tokens.extend(_Token(params[p]) for p in names if p in params)
    if rule.from_cookies:
        jar = _cookies(request)
        tokens.extend(_Token(jar[c]) for c in sorted(set(rule.from_cookies)) if c in jar)
    return tokens


# Verification ---------------------------------------------------------------------------------


@dataclass
class _Outcome:
    status: Status
    request: HttpRequest
    payloads: list[tuple[JwtRule, Jwt]] = field(default_factory=list)


def _claim(payload: Mapping[str, Any], path: str) -> Any:
    value: Any = payload
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _claim_text(value: Any) -> str | None:
    """authenticator.cc addJWTClaimToHeader: strings as they are, numbers without a fraction
    as integers, booleans as true/false, lists and objects as base64 of their JSON; an
    empty value adds no header."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        text = str(int(value))
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, list | dict):
        encoded = json.dumps(value, separators=(",", ":"), sort_keys=True).encode()
        text = base64.b64encode(encoded).decode()
    else:
        return None
    return text or None


def _verify_token(view: MeshView, rule: JwtRule, token: _Token, now: float,
                  keys: KeyResolver | None) -> Jwt | Status:  # fmt: skip
    jwt = parse_jwt(token.value)
    if isinstance(jwt, Status):
        return jwt
    if rule.issuer and jwt.iss != rule.issuer:
        return Status.JWT_UNKNOWN_ISSUER
    timed = check_time(jwt, now)
    if timed is not Status.OK:
        return timed
    if not audiences_allowed(jwt, rule.audiences):
        return Status.JWT_AUDIENCE_NOT_ALLOWED
    jwks = _keys(view, rule, keys)
    if jwks.status is not Status.OK:
        return Status.JWKS_NO_VALID_KEYS
    signed = verify_signature(jwt, jwks)
    return jwt if signed is Status.OK else signed


def _provider(view: MeshView, rule: JwtRule, request: HttpRequest, now: float,
              keys: KeyResolver | None) -> _Outcome:  # fmt: skip
    """One provider's verification (ProviderVerifierImpl + AuthenticatorImpl): every token
    found in its locations must verify; each good one moves its headers."""
    tokens = _tokens(rule, request)
    if not tokens:
        return _Outcome(Status.JWT_MISSED, request)
    outcome = _Outcome(Status.OK, request)
    for token in reversed(tokens):  # authenticator.cc takes tokens from the back
        verified = _verify_token(view, rule, token, now, keys)
        if isinstance(verified, Status):
            outcome.status = verified
            return outcome
        outcome.payloads.append((rule, verified))
        # handleGoodJwt: the payload header, the claim headers, then the token goes
        if rule.output_payload_to_header:
            outcome.request = _add_header(outcome.request, rule.output_payload_to_header,
                                          verified.payload_b64)  # fmt: skip
        for header, claim in rule.output_claim_to_headers:
            text = _claim_text(_claim(verified.payload, claim))
            if text is not None:
                outcome.request = _add_header(outcome.request, header, text)
        if not rule.forward_original_token and token.header:
            outcome.request = outcome.request.without_header(token.header)
    return outcome


def _add_header(request: HttpRequest, name: str, value: str) -> HttpRequest:
    return replace(request, headers=(*request.headers, (name.lower(), value)))


def _any(statuses: list[Status], allow_missing: bool) -> Status:
    """verifier.cc AnyVerifierImpl::onComplete."""
    if Status.OK in statuses:
        return Status.OK
    final = Status.JWT_MISSED
    for child in statuses:
        if child not in (Status.JWT_MISSED, Status.JWT_UNKNOWN_ISSUER) or (
            final is Status.JWT_MISSED
        ):
            final = child
    if allow_missing and final is Status.JWT_MISSED:
        return Status.OK
    return final


def _sanitized(rules: tuple[JwtRule, ...], request: HttpRequest) -> HttpRequest:
    """extractor.cc sanitizeHeaders: a client cannot send the headers the filter writes."""
    for rule in rules:
        for name in (rule.output_payload_to_header, *(h for h, _ in rule.output_claim_to_headers)):
            if name and request.header(name) is not None:
                request = request.without_header(name)
    return request


def _normalized(rule: JwtRule, payload: Mapping[str, Any]) -> dict[str, Any]:
    claims = dict(payload)
    for name in (*_SPACE_DELIMITED, *rule.space_delimited_claims):
        if isinstance(claims.get(name), str):
            claims[name] = [part for part in claims[name].split(" ") if part]
    return claims


def _cors_preflight(request: HttpRequest) -> bool:
    """Istio sets bypass_cors_preflight: an OPTIONS request with Origin and
    Access-Control-Request-Method skips verification (filter.cc isCorsPreflightRequest)."""
    return (
        request.method == "OPTIONS"
        and bool(request.header("origin"))
        and bool(request.header("access-control-request-method"))
    )


def _realm(request: HttpRequest) -> str:
    """Http::Utility::buildOriginalUri: x-forwarded-proto://host + path (<= 256 chars)."""
    scheme = request.header("x-forwarded-proto") or request.scheme
    return f"{scheme}://{request.authority}{request.path[:MAX_URI_PATH]}"


def reject(status: Status, request: HttpRequest) -> Rejection:
    """The jwt_authn filter's local reply for a failed verification (filter.cc onComplete)."""
    code = 403 if status is Status.JWT_AUDIENCE_NOT_ALLOWED else 401
    challenge = f'Bearer realm="{_realm(request)}"'
    if status is not Status.JWT_MISSED:
        challenge += ', error="invalid_token"'
    return Rejection(code, str(status), response_details(status),
                     (("www-authenticate", challenge),))  # fmt: skip


def authenticate(
    view: MeshView,
    workload: Workload,
    request: HttpRequest,
    now: datetime,
    keys: KeyResolver | None = None,
) -> Authenticated | Rejection:
    """Verify the request's JWT against the RequestAuthentications selecting `workload`.

    `keys(issuer, jwks_uri)` fetches a key set as istiod would (None: the fetch failed)."""
    rules = rules_for(view, workload)
    if not rules or _cors_preflight(request):
        return Authenticated(request)
    original = request
    request = _sanitized(rules, request)
    moment = now.timestamp()
    outcomes: list[_Outcome] = []
    passed: _Outcome | None = None
    for rule in rules:
        outcome = _provider(view, rule, request, moment, keys)
        outcomes.append(outcome)
        if outcome.status is Status.OK:
            passed = outcome
            break
    statuses = [o.status for o in outcomes]
    if len(rules) == 1 or passed is not None:
        final = _any(statuses, allow_missing=True) if passed is None else Status.OK
    else:
        # AND{Pi OR allow_missing}: the first provider whose token is not missing fails it
        inner = next((s for s in statuses if s is not Status.JWT_MISSED), Status.OK)
        final = _any([*statuses, inner], allow_missing=False)
    if final is not Status.OK:
        return reject(final, original)
    if passed is None:
        return Authenticated(request)
    rule, jwt = passed.payloads[-1]
    return Authenticated(passed.request, f"{jwt.iss}/{jwt.sub}", _normalized(rule, jwt.payload))


def decoded_payload(header_value: str) -> Mapping[str, Any] | None:
    """The claims an `outputPayloadToHeader` header carries (for tests and tools)."""
    raw = b64url_decode(header_value)
    try:
        doc = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


__all__ = ["Authenticated", "HeaderLocation", "JwtRule", "KeyResolver", "authenticate",
           "decoded_payload", "reject", "rules_for"]  # fmt: skip
