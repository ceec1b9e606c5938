"""AuthorizationPolicy on HTTP requests, through the simulation (curl in a pod, in-process):
the order of actions, the allow-nothing / allow-all forms, scope, identities, conditions, the
403 and its access-log details. Sources: istio.io docs/concepts/security (Authorization),
docs/reference/config/security/authorization-policy, pilot/pkg/security/authz/builder."""

from __future__ import annotations

import copy

import pytest
import traffic_lab as t

from meshcert.kube.cluster import Cluster

MESH = """
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    accessLogFile: /dev/stdout
"""


def with_account(cluster: Cluster, obj: t.Obj, account: str, namespace: str) -> t.Obj:
    t.create(cluster, {"apiVersion": "v1", "kind": "ServiceAccount",
                       "metadata": {"name": account}}, namespace)  # fmt: skip
    obj = copy.deepcopy(obj)
    obj["spec"]["template"]["spec"]["serviceAccountName"] = account
    return obj


@pytest.fixture
def lab() -> Cluster:
    """httpbin (sa httpbin) and curl (sa curl) with sidecars in `foo`; a curl without a
    sidecar in `legacy`; access logs on."""
    cluster = t.lab(namespaces=("foo", "legacy"))
    t.apply(cluster, MESH)
    httpbin = t.deployment("httpbin", "docker.io/kennethreitz/httpbin", port=80)
    t.create(cluster, with_account(cluster, httpbin, "httpbin", "foo"), "foo")
    t.create(cluster, t.service("httpbin", 8000, 80), "foo")
    curl = t.deployment("curl", "curlimages/curl", command=["/bin/sleep", "infinity"])
    t.create(cluster, with_account(cluster, curl, "curl", "foo"), "foo")
    t.curl_client(cluster, "legacy", sidecar=False)
    return cluster


def policy(cluster: Cluster, body: str, namespace: str = "foo") -> None:
    t.apply(cluster, "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n" + body,
            namespace)  # fmt: skip


def code(cluster: Cluster, *args: str, path: str = "/get", namespace: str = "foo") -> str:
    got = t.curl(cluster, "-s", "-o", "/dev/null", "-w", "%{http_code}", *args,
                 f"http://httpbin.foo:8000{path}", namespace=namespace)  # fmt: skip
    return got.stdout.decode()


def last_inbound_log(cluster: Cluster) -> str:
    pod = t.pod_named(cluster, "foo", "httpbin")["metadata"]["name"]
    return t.logs(cluster, "foo", pod, "istio-proxy")[-1]


def test_no_policy_allows_everything(lab: Cluster) -> None:
    assert code(lab) == "200"


def test_allow_nothing_denies_with_rbac_access_denied(lab: Cluster) -> None:
    # authz-http: `spec: {}` -> "RBAC: access denied"; the inbound access log shows
    # rbac_access_denied_matched_policy[none] (no ALLOW policy matched)
    policy(lab, "metadata: {name: allow-nothing}\nspec: {}")
    got = t.curl(lab, "-s", "-i", "http://httpbin.foo:8000/get", namespace="foo")
    text = got.stdout.decode()
    assert text.startswith(("HTTP/1.1 403 Forbidden\r\n", "HTTP/1.1 403 Forbidden\n"))
    assert "content-type: text/plain" in text
    assert text.endswith("RBAC: access denied")
    assert " 403 - rbac_access_denied_matched_policy[none] " in last_inbound_log(lab)


def test_allow_all_with_one_empty_rule(lab: Cluster) -> None:
    policy(lab, "metadata: {name: allow-nothing}\nspec: {}")
    policy(lab, "metadata: {name: allow-all}\nspec: {rules: [{}]}")
    assert code(lab) == "200"


def test_deny_all_with_one_empty_rule_beats_allow_all(lab: Cluster) -> None:
    # DENY is evaluated before ALLOW; the details name the DENY policy's rule
    policy(lab, "metadata: {name: allow-all}\nspec: {rules: [{}]}")
    policy(lab, "metadata: {name: deny-all}\nspec: {action: DENY, rules: [{}]}")
    assert code(lab) == "403"
    assert "rbac_access_denied_matched_policy[ns[foo]-policy[deny-all]-rule[0]]" in (
        last_inbound_log(lab)
    )


def test_rule_index_in_details(lab: Cluster) -> None:
    policy(lab, """metadata: {name: deny-some}
spec:
  action: DENY
  rules:
  - to: [{operation: {paths: [/ip]}}]
  - to: [{operation: {paths: [/get]}}]
""")  # fmt: skip
    assert code(lab) == "403"
    assert "policy[deny-some]-rule[1]]" in last_inbound_log(lab)


def test_audit_never_decides(lab: Cluster) -> None:
    policy(lab, "metadata: {name: audit}\nspec: {action: AUDIT, rules: [{}]}")
    assert code(lab) == "200"


def test_allow_policies_present_and_none_matching_denies(lab: Cluster) -> None:
    policy(lab, """metadata: {name: allow-ip}
spec:
  selector: {matchLabels: {app: httpbin}}
  rules: [{to: [{operation: {paths: [/ip]}}]}]
""")  # fmt: skip
    assert code(lab, path="/ip") == "200"
    assert code(lab, path="/get") == "403"
    assert code(lab, path="/ip?x=1") == "200"  # the query is not part of the path


def test_selector_scopes_the_policy_to_its_namespace(lab: Cluster) -> None:
    # a selector in `legacy` does not reach httpbin in `foo`
    policy(lab, "metadata: {name: deny}\nspec: {selector: {matchLabels: {app: httpbin}}, "
           "action: DENY, rules: [{}]}", "legacy")  # fmt: skip
    assert code(lab) == "200"
    policy(lab, "metadata: {name: deny}\nspec: {selector: {matchLabels: {app: other}}, "
           "action: DENY, rules: [{}]}")  # fmt: skip
    assert code(lab) == "200"


def test_root_namespace_policy_applies_mesh_wide(lab: Cluster) -> None:
    policy(lab, "metadata: {name: deny}\nspec: {action: DENY, rules: [{}]}", "istio-system")
    assert code(lab) == "403"
    assert "policy[deny]-rule[0]]" in last_inbound_log(lab)
    assert "ns[istio-system]" in last_inbound_log(lab)


def test_dry_run_policies_do_not_enforce(lab: Cluster) -> None:
    # istio.io docs/tasks/security/authorization/authz-dry-run
    policy(
        lab,
        """metadata:
  name: deny
  annotations: {"istio.io/dry-run": "true"}
spec: {action: DENY, rules: [{}]}
""",
    )
    assert code(lab) == "200"


@pytest.mark.parametrize(
    ("source", "from_foo", "from_legacy"),
    [
        ("principals: [cluster.local/ns/foo/sa/curl]", "200", "403"),
        ('principals: ["*"]', "200", "403"),  # any mTLS peer
        ("namespaces: [foo]", "200", "403"),
        ("serviceAccounts: [foo/curl]", "200", "403"),
        ('notPrincipals: ["*"]', "403", "200"),  # only plaintext peers
        ("ipBlocks: [0.0.0.0/0]", "200", "200"),
    ],
)
def test_sources(lab: Cluster, source: str, from_foo: str, from_legacy: str) -> None:
    # principals and namespaces need mTLS: a client without a sidecar has none
    policy(
        lab, f"metadata: {{name: allow}}\nspec: {{rules: [{{from: [{{source: {{{source}}}}}]}}]}}"
    )
    assert code(lab) == from_foo
    assert code(lab, namespace="legacy") == from_legacy


def test_any_from_entry_and_any_to_entry(lab: Cluster) -> None:
    policy(lab, """metadata: {name: allow}
spec:
  rules:
  - from: [{source: {namespaces: [bar]}}, {source: {namespaces: [foo]}}]
    to: [{operation: {methods: [POST]}}, {operation: {paths: [/get]}}]
""")  # fmt: skip
    assert code(lab) == "200"
    assert code(lab, path="/ip") == "403"
    assert code(lab, "-X", "POST", path="/post") == "200"


def test_header_not_values_match_a_missing_header(lab: Cluster) -> None:
    # authz-deny: DENY GET when request.headers[x-token] notValues [admin]
    policy(lab, """metadata: {name: deny-method-get}
spec:
  selector: {matchLabels: {app: httpbin}}
  action: DENY
  rules:
  - to: [{operation: {methods: [GET]}}]
    when: [{key: "request.headers[x-token]", notValues: [admin]}]
""")  # fmt: skip
    assert code(lab) == "403"
    assert code(lab, "-H", "x-token: guest") == "403"
    assert code(lab, "-H", "x-token: admin") == "200"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ('{key: source.namespace, values: ["foo"]}', "200"),
        ('{key: source.principal, values: ["*"]}', "200"),
        ('{key: destination.port, values: ["80"]}', "200"),  # the workload (container) port
        ('{key: destination.port, values: ["8000"]}', "403"),  # not the Service port
        ('{key: "request.headers[user-agent]", values: ["curl/*"]}', "200"),
        ('{key: source.ip, notValues: ["203.0.113.0/24"]}', "200"),
        ('{key: request.auth.principal, values: ["*"]}', "403"),  # no token
    ],
)
def test_when_conditions(lab: Cluster, condition: str, expected: str) -> None:
    policy(lab, f"metadata: {{name: allow}}\nspec: {{rules: [{{when: [{condition}]}}]}}")
    assert code(lab) == expected


def test_remote_ip_blocks_use_x_forwarded_for_at_a_sidecar(lab: Cluster) -> None:
    policy(lab, "metadata: {name: allow}\nspec: {rules: [{from: [{source: "
           "{remoteIpBlocks: [1.2.3.4]}}]}]}")  # fmt: skip
    assert code(lab) == "403"
    assert code(lab, "-H", "X-Forwarded-For: 1.2.3.4") == "200"


def test_policies_follow_changes(lab: Cluster) -> None:
    policy(lab, "metadata: {name: deny}\nspec: {action: DENY, rules: [{}]}")
    assert code(lab) == "403"
    kind = lab.kind("security.istio.io", "authorizationpolicies")
    lab.delete(kind, "foo", "deny")
    assert code(lab) == "200"


def test_trust_domain_aliases(lab: Cluster) -> None:
    # istio.io docs/tasks/security/authorization/authz-td-migration: after the trust domain
    # changes to new-td, a policy naming old-td principals still matches only while old-td is
    # a trustDomainAlias; `cluster.local` in a policy means the mesh's trust domain
    kind = lab.kind("", "configmaps")
    lab.delete(kind, "istio-system", "istio")
    t.apply(lab, MESH.replace("accessLogFile: /dev/stdout",
                              "trustDomain: new-td\n    trustDomainAliases: [old-td]"))  # fmt: skip
    policy(lab, "metadata: {name: allow}\nspec: {rules: [{from: [{source: "
           "{principals: [old-td/ns/foo/sa/curl]}}]}]}")  # fmt: skip
    assert code(lab) == "200"
    lab.delete(kind, "istio-system", "istio")
    t.apply(lab, MESH.replace("accessLogFile: /dev/stdout", "trustDomain: new-td"))
    assert code(lab) == "403"
    policy(lab, "metadata: {name: allow-local}\nspec: {rules: [{from: [{source: "
           "{principals: [cluster.local/ns/foo/sa/curl]}}]}]}")  # fmt: skip
    assert code(lab) == "200"


def test_target_refs_bind_a_policy_to_a_gateway_api_gateway_only() -> None:
    # istio.io docs/reference/config/security/authorization-policy targetRefs: a policy
    # attached to a Gateway applies to that gateway's pods, never to sidecars by selector
    from meshcert.mesh.config.workloads import Workload
    from meshcert.mesh.security.authz.policies import applies, parse_policy
    from meshcert.mesh.view import MeshView

    def pod(labels: dict[str, str]) -> Workload:
        return Workload("foo", "p", labels, "sa", "10.0.0.1", "n", True, "", False, True)

    gateway = pod({"gateway.networking.k8s.io/gateway-name": "httpbin-gateway"})
    sidecar = pod({"app": "httpbin"})
    attached = parse_policy({"metadata": {"namespace": "foo", "name": "p"}, "spec": {
        "targetRefs": [{"kind": "Gateway", "group": "gateway.networking.k8s.io",
                        "name": "httpbin-gateway"}]}})  # fmt: skip
    view = MeshView()
    assert applies(view, attached, gateway)
    assert not applies(view, attached, sidecar)
