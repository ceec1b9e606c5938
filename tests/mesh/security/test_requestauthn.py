"""RequestAuthentication through the simulation (curl in a pod, in-process): token locations,
the checks and their 401/403 texts, what reaches the app, key sources (inline, the simulated
internet, a workload in the lab, a failed fetch), policy scope.

Sources: istio.io docs/reference/config/security/request_authentication,
docs/tasks/security/authentication/authn-policy ("End-user authentication");
pilot/pkg/security/authn/policy_applier.go; Envoy source/extensions/filters/http/jwt_authn
(extractor.cc, authenticator.cc, verifier.cc, filter.cc); google/jwt_verify_lib status.cc.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import traffic_lab as t
import yaml
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from meshcert.kube.cluster import Cluster
from meshcert.mesh import internet
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.security.jwks import public_jwk
from meshcert.mesh.security.jwt_tokens import sign_jwt
from meshcert.mesh.security.requestauthn import Authenticated, authenticate
from meshcert.mesh.view import MeshView

ISSUER = "testing@secure.istio.io"
JWKS_URI = "https://raw.githubusercontent.com/istio/istio/release-1.26/security/tools/jwt/samples/jwks.json"
SAMPLE_KEY = load_pem_private_key(internet.SAMPLE_KEY_PEM.encode(), None)
SAMPLE_KID = "DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ"
DEMO = internet.DEMO_JWT.strip()
URL = "http://httpbin.foo:8000/headers"
NOW = 10**9  # a reference instant for relative times in parameters


def token(**claims: Any) -> str:
    """A token signed with Istio's sample key, like gen-jwt.py key.pem (1 hour unless `exp`)."""
    now = int(time.time())
    body: dict[str, Any] = {"iss": ISSUER, "sub": ISSUER, "iat": now, "exp": now + 3600}
    body.update(claims)
    return sign_jwt({k: v for k, v in body.items() if v is not None}, SAMPLE_KEY, kid=SAMPLE_KID)


def policy(rules: str, name: str = "jwt", namespace: str = "foo", selector: str = "") -> str:
    return f"""
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {{name: {name}, namespace: {namespace}}}
spec:
{selector}  jwtRules:
{rules}
"""


SAMPLE_RULE = f'  - issuer: "{ISSUER}"\n    jwksUri: "{JWKS_URI}"\n'


@pytest.fixture
def lab() -> Cluster:
    """httpbin and curl with sidecars in `foo`."""
    cluster = t.lab(namespaces=("foo",))
    t.httpbin(cluster, "foo")
    t.curl_client(cluster, "foo")
    return cluster


def call(lab: Cluster, *args: str, url: str = URL) -> tuple[int, dict[str, str], str]:
    """(status, response headers, body) of `curl -si` from the curl pod."""
    result = t.curl(lab, "-si", *args, url, namespace="foo")
    head, _, body = result.stdout.decode().partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def seen_headers(lab: Cluster, *args: str) -> dict[str, str]:
    status, _, body = call(lab, *args)
    assert status == 200, body
    return {k.lower(): v for k, v in json.loads(body)["headers"].items()}


def bearer(value: str) -> tuple[str, str]:
    return ("-H", f"Authorization: Bearer {value}")


# The task's flow: invalid token 401, no token 200, valid token 200 ------------------------


def test_without_policy_any_token_passes(lab: Cluster) -> None:
    assert call(lab, *bearer("invalidToken"))[0] == 200


@pytest.mark.parametrize(
    ("value", "status", "body"),
    [
        pytest.param(
            "invalidToken",
            401,
            "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
            id="malformed",
        ),
        pytest.param(
            "a.b",
            401,
            "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections",
            id="two-sections",
        ),
        pytest.param(
            "e.e30.e30", 401, "Jwt header is an invalid Base64url encoded", id="bad-header-base64"
        ),
        pytest.param(
            "e30.e30.e30",
            401,
            "Jwt header [alg] field is required and must be a string",
            id="no-alg",
        ),
        pytest.param(
            base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=") + ".e30.e30",
            401,
            "Jwt header [alg] is not supported",
            id="alg-none",
        ),
    ],
)
def test_a_bad_token_is_rejected_with_envoys_text(
    lab: Cluster, value: str, status: int, body: str
) -> None:
    t.apply(lab, policy(SAMPLE_RULE))
    got, headers, text = call(lab, *bearer(value))
    assert (got, text) == (status, body)
    assert headers["www-authenticate"] == f'Bearer realm="{URL}", error="invalid_token"'
    assert headers["content-type"] == "text/plain"
    assert headers["server"] == "envoy"


def test_no_token_passes_and_the_demo_token_verifies(lab: Cluster) -> None:
    t.apply(lab, policy(SAMPLE_RULE))
    assert call(lab)[0] == 200
    seen = seen_headers(lab, *bearer(DEMO))
    # forwardOriginalToken defaults to false: the app never sees the token
    assert "authorization" not in seen
    groups = internet.GROUPS_SCOPE_JWT.strip()
    assert call(lab, *bearer(groups))[0] == 200


@pytest.mark.parametrize(
    ("claims", "status", "body"),
    [
        pytest.param({"exp": NOW - 61}, 401, "Jwt is expired", id="expired"),
        pytest.param({"exp": NOW - 30}, 200, "", id="within-60s-skew"),
        pytest.param({"nbf": NOW + 120}, 401, "Jwt not yet valid", id="not-yet-valid"),
        pytest.param(
            {"iss": "other@example.com"}, 401, "Jwt issuer is not configured", id="unknown-issuer"
        ),
        pytest.param(
            {"exp": "soon"}, 401, "Jwt payload [exp] field is not an integer", id="exp-not-integer"
        ),
    ],
)
def test_claims_checks(lab: Cluster, claims: dict[str, Any], status: int, body: str) -> None:
    # times are seconds from now, taken when the request is made
    now = int(time.time())
    claims = {k: now + v - NOW if isinstance(v, int) else v for k, v in claims.items()}
    t.apply(lab, policy(SAMPLE_RULE))
    got, _, text = call(lab, *bearer(token(**claims)))
    assert got == status
    if body:
        assert text == body


def test_audiences(lab: Cluster) -> None:
    # Envoy answers a disallowed audience with 403, not 401 (filter.cc onComplete)
    t.apply(lab, policy(SAMPLE_RULE + "    audiences: [app.example.com, other]\n"))
    got, headers, text = call(lab, *bearer(token(aud="nope")))
    assert (got, text) == (403, "Audiences in Jwt are not allowed")
    assert headers["www-authenticate"].endswith(', error="invalid_token"')
    assert call(lab, *bearer(token()))[0] == 403  # no aud at all
    assert call(lab, *bearer(token(aud=["x", "app.example.com"])))[0] == 200
    assert call(lab, *bearer(token(aud="https://app.example.com/")))[0] == 200


def test_signature_and_key_matching(lab: Cluster) -> None:
    t.apply(lab, policy(SAMPLE_RULE))
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = sign_jwt({"iss": ISSUER, "sub": "x"}, other, kid=SAMPLE_KID)
    assert call(lab, *bearer(forged))[2] == "Jwt verification fails"
    no_kid = sign_jwt({"iss": ISSUER, "sub": "x"}, other)
    assert call(lab, *bearer(no_kid))[2] == "Jwt verification fails"
    wrong_kid = sign_jwt({"iss": ISSUER, "sub": "x"}, SAMPLE_KEY, kid="another")
    assert call(lab, *bearer(wrong_kid))[2] == "Jwks doesn't have key to match kid or alg from Jwt"
    tampered = DEMO.split(".")
    tampered[1] = base64.urlsafe_b64encode(b'{"iss":"' + ISSUER.encode() + b'","sub":"admin"}')
    tampered[1] = tampered[1].decode().rstrip("=")  # type: ignore[call-overload]
    assert call(lab, *bearer(".".join(tampered)))[2] == "Jwt verification fails"


# Keys: inline, other algorithms --------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "alg"),
    [
        pytest.param(ec.generate_private_key(ec.SECP256R1()), "ES256", id="ES256"),
        pytest.param(ec.generate_private_key(ec.SECP384R1()), "ES384", id="ES384"),
        pytest.param(rsa.generate_private_key(65537, 2048), "RS384", id="RS384"),
        pytest.param(rsa.generate_private_key(65537, 2048), "RS512", id="RS512"),
        pytest.param(rsa.generate_private_key(65537, 2048), "PS256", id="PS256"),
    ],
)
def test_inline_jwks_algorithms(lab: Cluster, key: Any, alg: str) -> None:
    jwks = json.dumps({"keys": [public_jwk(key, "k1")]})
    t.apply(lab, policy(f"  - issuer: me\n    jwks: '{jwks}'\n"))
    good = sign_jwt({"iss": "me", "sub": "u"}, key, kid="k1", alg=alg)
    assert call(lab, *bearer(good))[0] == 200
    bad = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    assert call(lab, *bearer(bad))[2] == "Jwt verification fails"


def test_jwks_without_usable_keys(lab: Cluster) -> None:
    t.apply(lab, policy('  - issuer: me\n    jwks: \'{"keys":[{"kty":"RSA","e":"AQAB"}]}\'\n'))
    got = call(lab, *bearer(sign_jwt({"iss": "me"}, SAMPLE_KEY)))
    assert got[2] == "Jwks doesn't have any valid public key"


# Keys istiod fetches --------------------------------------------------------------------------


def test_jwks_from_a_workload_in_the_lab(lab: Cluster) -> None:
    # istiod GETs the jwksUri from the cluster (here httpbin's /base64/<value> serves the set)
    served = base64.urlsafe_b64encode(internet.JWKS.encode()).decode().rstrip("=")
    uri = f"http://httpbin.foo.svc.cluster.local:8000/base64/{served}"
    t.apply(lab, policy(f'  - issuer: "{ISSUER}"\n    jwksUri: "{uri}"\n'))
    assert call(lab, *bearer(DEMO))[0] == 200


def test_jwks_that_cannot_be_fetched_rejects_every_token(lab: Cluster) -> None:
    # pilot/pkg/model/jwks_resolver.go: a failed fetch pushes a fake key set (kid "abc")
    uri = "https://keys.example.invalid/jwks.json"
    t.apply(lab, policy(f'  - issuer: "{ISSUER}"\n    jwksUri: "{uri}"\n'))
    assert call(lab, *bearer(DEMO))[2] == "Jwks doesn't have key to match kid or alg from Jwt"
    assert call(lab)[0] == 200


def test_issuer_discovery_without_jwks_uri(lab: Cluster) -> None:
    # no jwksUri: istiod reads <issuer>/.well-known/openid-configuration, which fails here
    t.apply(lab, policy('  - issuer: "https://accounts.example.invalid"\n'))
    forged = sign_jwt({"iss": "https://accounts.example.invalid"}, SAMPLE_KEY, kid="k")
    assert call(lab, *bearer(forged))[2] == "Jwks doesn't have key to match kid or alg from Jwt"


# Token locations and what the app receives ------------------------------------------------------


def test_access_token_query_parameter_is_a_default_location(lab: Cluster) -> None:
    t.apply(lab, policy(SAMPLE_RULE))
    assert call(lab, url=f"{URL}?access_token=bad")[0] == 401
    assert call(lab, url=f"{URL}?access_token={DEMO}")[0] == 200


def test_from_headers_with_prefix_replaces_the_defaults(lab: Cluster) -> None:
    rule = SAMPLE_RULE + "    fromHeaders:\n    - name: x-jwt-assertion\n      prefix: 'Token '\n"
    t.apply(lab, policy(rule))
    # Authorization is no longer looked at
    assert call(lab, *bearer("invalidToken"))[0] == 200
    assert call(lab, url=f"{URL}?access_token=bad")[0] == 200
    assert call(lab, "-H", "x-jwt-assertion: Token bad")[0] == 401
    assert call(lab, "-H", "x-jwt-assertion: bad")[0] == 200  # prefix absent: no token
    seen = seen_headers(lab, "-H", f"x-jwt-assertion: Token {DEMO}")
    assert "x-jwt-assertion" not in seen


def test_from_params_and_cookies(lab: Cluster) -> None:
    rule = SAMPLE_RULE + "    fromParams: [my_token]\n    fromCookies: [session]\n"
    t.apply(lab, policy(rule))
    assert call(lab, url=f"{URL}?my_token=bad")[0] == 401
    assert call(lab, url=f"{URL}?my_token={DEMO}")[0] == 200
    assert call(lab, "-H", "Cookie: a=1; session=bad")[0] == 401
    assert call(lab, "-H", f"Cookie: a=1; session={DEMO}")[0] == 200


def test_forward_original_token_and_outputs(lab: Cluster) -> None:
    rule = SAMPLE_RULE + (
        "    forwardOriginalToken: true\n"
        "    outputPayloadToHeader: x-jwt-payload\n"
        "    outputClaimToHeaders:\n"
        "    - {header: x-jwt-foo, claim: foo}\n"
        "    - {header: x-jwt-exp, claim: exp}\n"
        "    - {header: x-jwt-groups, claim: groups}\n"
    )
    t.apply(lab, policy(rule))
    seen = seen_headers(lab, *bearer(DEMO), "-H", "x-jwt-foo: spoofed")
    assert seen["authorization"] == f"Bearer {DEMO}"
    assert seen["x-jwt-payload"] == DEMO.split(".")[1]
    assert seen["x-jwt-foo"] == "bar"
    assert seen["x-jwt-exp"] == "4685989700"
    assert "x-jwt-groups" not in seen  # the demo token has no groups claim
    # without a token the filter still strips the headers it owns
    assert "x-jwt-foo" not in seen_headers(lab, "-H", "x-jwt-foo: spoofed")


# Several rules, scope -------------------------------------------------------------------------


def test_several_issuers_share_the_authorization_header(lab: Cluster) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    jwks = json.dumps({"keys": [public_jwk(key, "k1")]})
    t.apply(lab, policy(SAMPLE_RULE + f"  - issuer: other\n    jwks: '{jwks}'\n"))
    assert call(lab, *bearer(DEMO))[0] == 200
    assert call(lab, *bearer(sign_jwt({"iss": "other"}, key, kid="k1")))[0] == 200
    bad_other = sign_jwt({"iss": "other"}, SAMPLE_KEY, kid="k1")
    assert call(lab, *bearer(bad_other))[2] == "Jwt verification fails"
    third = sign_jwt({"iss": "third"}, key, kid="k1")
    assert call(lab, *bearer(third))[2] == "Jwt issuer is not configured"


@pytest.mark.parametrize(
    ("namespace", "selector", "applies"),
    [
        pytest.param("foo", "", True, id="namespace-wide"),
        pytest.param("foo", "  selector: {matchLabels: {app: httpbin}}\n", True, id="selected"),
        pytest.param("foo", "  selector: {matchLabels: {app: other}}\n", False, id="not-selected"),
        pytest.param("default", "", False, id="other-namespace"),
        pytest.param("istio-system", "", True, id="root-namespace"),
        pytest.param(
            "foo",
            "  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\n",
            False,
            id="targetRef-gateway-only",
        ),
    ],
)
def test_scope(lab: Cluster, namespace: str, selector: str, applies: bool) -> None:
    t.apply(lab, policy(SAMPLE_RULE, namespace=namespace, selector=selector))
    assert call(lab, *bearer("invalidToken"))[0] == (401 if applies else 200)


def test_access_log_details(lab: Cluster) -> None:
    t.apply(
        lab,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\n"
        "data:\n  mesh: |\n    accessLogFile: /dev/stdout\n",
    )
    t.apply(lab, policy(SAMPLE_RULE))
    call(lab, *bearer("invalidToken"))
    pod = t.pod_named(lab, "foo", "httpbin")["metadata"]["name"]
    lines = t.logs(lab, "foo", pod, "istio-proxy")
    assert any(
        '" 401 - jwt_authn_access_denied{Jwt_is_not_in_the_form_of_Header.Payload.Signature'
        "_with_two_dots_and_3_sections} " in line
        for line in lines
    ), lines


def test_cors_preflight_is_not_checked(lab: Cluster) -> None:
    # policy_applier.go sets BypassCorsPreflight; filter.cc isCorsPreflightRequest
    t.apply(lab, policy(SAMPLE_RULE))
    preflight = ("-X", "OPTIONS", "-H", "Origin: https://example.com",
                 "-H", "Access-Control-Request-Method: GET")  # fmt: skip
    assert call(lab, *preflight, *bearer("invalidToken"))[0] == 200
    assert call(lab, "-X", "OPTIONS", *bearer("invalidToken"))[0] == 401


def test_authorization_without_the_bearer_prefix_is_no_token(lab: Cluster) -> None:
    # extractor.cc: the value prefix "Bearer " must occur; Basic credentials are not a JWT
    t.apply(lab, policy(SAMPLE_RULE))
    assert call(lab, "-H", "Authorization: Basic dXNlcjpwYXNz")[0] == 200
    # the token is the run of base64url characters and dots after the prefix
    assert call(lab, "-H", f"Authorization: Bearer {DEMO}, more")[0] == 200


def test_list_claims_go_to_headers_as_base64_json(lab: Cluster) -> None:
    # authenticator.cc addJWTClaimToHeader: a list claim is the base64 of its JSON
    rule = SAMPLE_RULE + "    outputClaimToHeaders:\n    - {header: x-jwt-groups, claim: groups}\n"
    t.apply(lab, policy(rule))
    seen = seen_headers(lab, *bearer(internet.GROUPS_SCOPE_JWT.strip()))
    assert base64.b64decode(seen["x-jwt-groups"]) == b'["group1","group2"]'


def test_the_verdict_authorization_reads() -> None:
    # what AuthorizationPolicy matches on: requestPrincipals `iss/sub`, request.auth.claims
    # with scope split on spaces (policy_applier.go NormalizePayloadInMetadata)
    key = ec.generate_private_key(ec.SECP256R1())
    jwks = json.dumps({"keys": [public_jwk(key, "k")]})
    docs = yaml.safe_load_all(f"""
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: foo, labels: {{app: web}}}}
spec: {{containers: [{{name: web, image: nginx}}, {{name: istio-proxy, image: proxyv2}}]}}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {{name: jwt, namespace: foo}}
spec: {{jwtRules: [{{issuer: me, jwks: '{jwks}'}}]}}
""")
    view = MeshView.from_manifests(docs)
    workload = view.workload("foo", "web")
    assert workload is not None
    signed = sign_jwt({"iss": "me", "sub": "alice", "scope": "read write"}, key, kid="k")
    request = HttpRequest("GET", "web", "/", headers=(("authorization", f"Bearer {signed}"),))
    got = authenticate(view, workload, request, datetime.now(UTC))
    assert isinstance(got, Authenticated)
    assert got.principal == "me/alice"
    assert got.claims["scope"] == ["read", "write"]
    assert got.request.header("authorization") is None
    anonymous = authenticate(view, workload, HttpRequest("GET", "web", "/"), datetime.now(UTC))
    assert isinstance(anonymous, Authenticated)
    assert (anonymous.principal, dict(anonymous.claims)) == ("", {})


def test_istiod_cannot_fetch_keys_from_a_strict_mtls_workload(lab: Cluster) -> None:
    # istiod has no sidecar: its plaintext GET to a STRICT workload is reset, so the proxies
    # get the fake key set (a known pitfall of in-mesh JWKS servers)
    served = base64.urlsafe_b64encode(internet.JWKS.encode()).decode().rstrip("=")
    uri = f"http://httpbin.foo.svc.cluster.local:8000/base64/{served}"
    t.apply(lab, policy(f'  - issuer: "{ISSUER}"\n    jwksUri: "{uri}"\n'))
    t.apply(
        lab,
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\n"
        "metadata: {name: default, namespace: foo}\nspec: {mtls: {mode: STRICT}}\n",
    )
    assert call(lab, *bearer(DEMO))[2] == "Jwks doesn't have key to match kid or alg from Jwt"


def test_istiod_keeps_the_keys_it_fetched(lab: Cluster) -> None:
    # jwks_resolver.go: fetched keys are cached (refreshed every 20 minutes; a failed refresh
    # keeps them), so the key server going away does not break verification
    keys = t.deployment("keys", "docker.io/kennethreitz/httpbin", port=80, sidecar=False)
    t.create(lab, keys, "foo")
    t.create(lab, t.service("keys", 80), "foo")
    served = base64.urlsafe_b64encode(internet.JWKS.encode()).decode().rstrip("=")
    uri = f"http://keys.foo.svc.cluster.local/base64/{served}"
    t.apply(lab, policy(f'  - issuer: "{ISSUER}"\n    jwksUri: "{uri}"\n'))
    assert call(lab, *bearer(DEMO))[0] == 200
    lab.delete(lab.kind("apps", "deployments"), "foo", "keys")
    lab.delete(lab.kind("", "services"), "foo", "keys")
    gone = t.curl(lab, "-s", "-o", "/dev/null", "-w", "%{http_code}", uri, namespace="foo")
    assert gone.stdout == b"000"
    assert call(lab, *bearer(DEMO))[0] == 200


GATEWAY = """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    accessLogFile: /dev/stdout
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {matchLabels: {istio: ingressgateway}}
  template:
    metadata: {labels: {istio: ingressgateway, app: istio-ingressgateway}}
    spec:
      containers:
      - {name: istio-proxy, image: "docker.io/istio/proxyv2:1.26.0", args: [proxy, router],
         ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: istio-ingressgateway, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  ports: [{name: http2, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: foo}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: foo}
spec:
  hosts: ["*"]
  gateways: [gw]
  http: [{route: [{destination: {host: httpbin, port: {number: 8000}}}]}]
"""


def test_a_gateway_rejection_is_in_its_access_log(lab: Cluster) -> None:
    t.apply(lab, GATEWAY)
    selector = "  selector: {matchLabels: {istio: ingressgateway}}\n"
    t.apply(lab, policy(SAMPLE_RULE, namespace="istio-system", selector=selector))
    url = "http://istio-ingressgateway.istio-system/headers"
    assert call(lab, *bearer("invalidToken"), url=url)[0] == 401
    assert call(lab, *bearer(DEMO), url=url)[0] == 200
    pod = t.pod_named(lab, "istio-system", "istio-ingressgateway")["metadata"]["name"]
    lines = t.logs(lab, "istio-system", pod, "istio-proxy")
    assert (
        '"GET /headers HTTP/1.1" 401 - jwt_authn_access_denied{Jwt_is_not_in_the_form' in lines[0]
    )
    assert '"GET /headers HTTP/1.1" 200 - via_upstream' in lines[1]


@pytest.mark.parametrize(
    ("uri", "error"),
    [
        pytest.param("https://keys.example.invalid/jwks.json",
                     'Get "https://keys.example.invalid/jwks.json": dial tcp: lookup '
                     "keys.example.invalid: no such host", id="unresolved"),
        pytest.param("https://raw.githubusercontent.com/istio/istio/release-1.26/nothing.json",
                     'status 404, message "404: Not Found"', id="not-found"),
    ],
)  # fmt: skip
def test_istiod_logs_a_failed_fetch(lab: Cluster, uri: str, error: str) -> None:
    # pilot/pkg/model/jwks_resolver.go GetPublicKey / BuildLocalJwks log lines (scope model)
    istiod = t.deployment("istiod", "docker.io/istio/pilot:1.26.0", sidecar=False)
    t.create(lab, istiod, "istio-system")
    t.apply(lab, policy(f'  - issuer: "{ISSUER}"\n    jwksUri: "{uri}"\n'))
    assert call(lab, *bearer(DEMO))[0] == 401
    pod = t.pod_named(lab, "istio-system", "istiod")["metadata"]["name"]
    lines = [line.split("\t", 1)[1] for line in t.logs(lab, "istio-system", pod, "istiod")]
    assert lines == [
        f'error\tmodel\tFailed to fetch public key from "{uri}": {error}',
        f"info\tmodel\tThe JWKS key is not yet fetched for issuer {ISSUER} ({uri}), using a "
        "fake JWKS for now",
    ]
