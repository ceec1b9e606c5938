"""Properties of AuthorizationPolicy decisions over generated policies and requests
(hypothesis), from istio.io docs/concepts/security "Authorization policy precedence":

- an ALLOW policy never allows a request that a DENY policy matches (DENY is evaluated first);
- adding an ALLOW policy to a workload can only reduce what is allowed when it had none
  ("If there are no ALLOW policies for the workload, allow the request"), never add to it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from meshcert.mesh.config.workloads import Workload
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.security.authorization import decide
from meshcert.mesh.security.authz.matching import Attributes, first_match
from meshcert.mesh.security.authz.policies import parse_policy
from meshcert.mesh.view import MeshView

WORKLOAD = Workload(
    "foo", "httpbin-1", {"app": "httpbin"}, "httpbin", "10.244.0.9", "node", True, "", False, True
)

sources = st.fixed_dictionaries(
    {},
    optional={
        "principals": st.lists(
            st.sampled_from(["cluster.local/ns/foo/sa/curl", "*", "*/sa/a"]), min_size=1, max_size=2
        ),
        "notNamespaces": st.lists(st.sampled_from(["foo", "bar", "*"]), min_size=1, max_size=2),
        "ipBlocks": st.lists(st.sampled_from(["10.0.0.0/8", "1.2.3.4"]), min_size=1, max_size=2),
    },
).filter(bool)
operations = st.fixed_dictionaries(
    {},
    optional={
        "methods": st.lists(st.sampled_from(["GET", "POST"]), min_size=1, max_size=2),
        "paths": st.lists(
            st.sampled_from(["/ip", "/get*", "*/x", "/{*}/x"]), min_size=1, max_size=2
        ),
        "notPorts": st.lists(st.sampled_from(["80", "8080"]), min_size=1, max_size=1),
        "hosts": st.lists(st.sampled_from(["httpbin*", "*:8000"]), min_size=1, max_size=1),
    },
).filter(bool)
conditions = st.fixed_dictionaries(
    {"key": st.sampled_from(["request.headers[x-token]", "source.namespace"])},
    optional={"values": st.just(["admin"]), "notValues": st.just(["guest", "foo"])},
).filter(lambda c: "values" in c or "notValues" in c)
rules = st.fixed_dictionaries(
    {},
    optional={
        "from": st.lists(st.fixed_dictionaries({"source": sources}), min_size=1, max_size=2),
        "to": st.lists(st.fixed_dictionaries({"operation": operations}), min_size=1, max_size=2),
        "when": st.lists(conditions, min_size=1, max_size=2),
    },
)
requests = st.builds(
    Attributes,
    source_ip=st.sampled_from(["10.244.0.5", "1.2.3.4", "192.168.1.1"]),
    remote_ip=st.just("10.244.0.5"),
    destination_ip=st.just("10.244.0.9"),
    destination_port=st.sampled_from([80, 8080]),
    principal=st.sampled_from(["", "cluster.local/ns/foo/sa/curl", "cluster.local/ns/bar/sa/a"]),
    request=st.one_of(
        st.none(),  # TCP
        st.builds(
            HttpRequest,
            method=st.sampled_from(["GET", "POST"]),
            authority=st.sampled_from(["httpbin:8000", "other"]),
            headers=st.sampled_from([(), (("x-token", "admin"),), (("x-token", "guest"),)]),
        ),
    ),
    path=st.sampled_from(["/ip", "/get", "/a/x", "/a/b/x"]),
)


def policy(name: str, action: str, rule_list: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": {"namespace": "foo", "name": name, "creationTimestamp": name},
        "spec": {"action": action, "rules": rule_list},
    }


def view_of(*objs: dict[str, Any]) -> MeshView:
    return MeshView(workloads=[WORKLOAD], policies={"AuthorizationPolicy": objs})


@settings(max_examples=300, deadline=None)
@given(
    deny=st.lists(rules, min_size=1, max_size=2), allow=st.lists(rules, max_size=3), attrs=requests
)
def test_allow_never_overrides_a_matching_deny(
    deny: list[dict[str, Any]], allow: list[dict[str, Any]], attrs: Attributes
) -> None:
    deny_policy = policy("a-deny", "DENY", deny)
    view = view_of(deny_policy, policy("b-allow", "ALLOW", allow))
    if first_match(parse_policy(deny_policy), attrs) is not None:
        assert decide(view, WORKLOAD, attrs) is not None


@settings(max_examples=300, deadline=None)
@given(deny=st.lists(rules, max_size=2), allow=st.lists(rules, max_size=3), attrs=requests)
def test_a_first_allow_policy_only_reduces_what_is_allowed(
    deny: list[dict[str, Any]], allow: list[dict[str, Any]], attrs: Attributes
) -> None:
    base = [policy("a-deny", "DENY", deny)] if deny else []
    before = decide(view_of(*base), WORKLOAD, attrs)
    after = decide(view_of(*base, policy("b-allow", "ALLOW", allow)), WORKLOAD, attrs)
    if before is not None:
        assert after is not None
