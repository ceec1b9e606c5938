"""Each check family judged on a lab through the in-process client: what passes, what fails,
and the detail a candidate reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from meshcert.grading.checks import Check, CheckBase, GradeContext
from meshcert.grading.clients.inprocess import InProcessClient
from meshcert.grading.grader import baseline, grade
from meshcert.kube.cluster import Cluster
from meshcert.lab.scenarios import apply_manifests, parse_manifests

CHECK: TypeAdapter[Any] = TypeAdapter(Check)

REVIEWS_SUBSETS = """
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
  - {name: v3, labels: {version: v3}}
"""

REVIEWS_80_20 = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
      weight: 80
    - destination: {host: reviews, subset: v2}
      weight: 20
"""


def apply(cluster: Cluster, text: str) -> None:
    apply_manifests(cluster, parse_manifests(text, "test"), "test")


def check(**fields: Any) -> CheckBase:
    doc = {"id": "c", "points": 2, "message": "fix it", **fields}
    parsed: CheckBase = CHECK.validate_python(doc)
    return parsed


def verdict(client: InProcessClient, c: CheckBase, context: GradeContext | None = None) -> Any:
    return c.evaluate(client, context or GradeContext())


VS = {"type": "resource", "apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
      "namespace": "default"}  # fmt: skip
V2_WEIGHT = "$.spec.http[0].route[?(@.destination.subset=='v2')].weight"


@pytest.mark.parametrize(
    ("fields", "passed", "detail"),
    [
        ({"name": "reviews"}, True, "VirtualService reviews matches"),
        ({"name": "ratings"}, False, "there is no VirtualService 'ratings' in namespace default"),
        ({"name": "ratings", "expect": "absent"}, True, "no VirtualService 'ratings'"),
        ({"name": "reviews", "expect": "absent"}, False, "VirtualService reviews still exists"),
        ({"fields": [{"path": V2_WEIGHT, "equals": 20}]}, True, "reviews matches"),
        ({"fields": [{"path": V2_WEIGHT, "equals": 50}]}, False,
         f"VirtualService reviews: {V2_WEIGHT} is 20"),
        ({"fields": [{"path": "$.spec.hosts", "contains": "reviews"}]}, True, "matches"),
        ({"fields": [{"path": "$.spec.http[*].route[*].destination.subset", "matches": "v[12]"}]},
         True, "matches"),
        ({"fields": [{"path": "$.spec.http[*].route[*].destination.subset", "matches": "v1"}]},
         False, "is ['v1', 'v2']"),
        ({"fields": [{"path": "$.spec.http[*].route[*].destination.subset", "matches": "v1",
                      "quantifier": "any"}]}, True, "matches"),
        ({"fields": [{"path": "$.spec.http[0].route[*]", "count": 2}]}, True, "matches"),
        ({"fields": [{"path": "$.spec.http[0].timeout", "exists": True}]}, False,
         "$.spec.http[0].timeout is not set"),
        ({"fields": [{"path": "$.spec.http[0].route[0]",
                      "contains": {"destination": {"subset": "v1"}}}]}, True, "matches"),
        ({"fields": [{"path": "$.spec.http[0].route[0]",
                      "contains": {"weight": 20, "mirror": {"host": "x"}}}]}, False,
         "$.spec.http[0].route[0]: weight is 80, not 20; mirror is not set"),
    ],
    ids=["named", "missing", "absent", "not-absent", "equals", "equals-fails", "contains",
         "matches-all", "matches-all-fails", "matches-any", "count", "exists-fails",
         "contains-mapping", "contains-mapping-gap"],
)  # fmt: skip
def test_resource_checks(
    cluster: Cluster, client: InProcessClient, fields: dict[str, Any], passed: bool, detail: str
) -> None:
    apply(cluster, REVIEWS_SUBSETS + "---" + REVIEWS_80_20)
    found = verdict(client, check(**VS, **fields))
    assert (found.passed, detail in found.detail) == (passed, True), found.detail


def test_field_condition_needs_exactly_one_predicate() -> None:
    with pytest.raises(ValidationError, match="exactly one of equals"):
        check(**VS, fields=[{"path": "$.spec", "equals": 1, "matches": "x"}])
    with pytest.raises(ValidationError, match="not a JSONPath"):
        check(**VS, fields=[{"path": "$.spec[", "equals": 1}])


CURL = {"namespace": "default", "selector": "app=curl", "container": "curl"}


def test_behaviour_distribution_follows_the_weights(
    cluster: Cluster, client: InProcessClient
) -> None:
    apply(cluster, REVIEWS_SUBSETS + "---" + REVIEWS_80_20)
    dist = {"by": {"body": r'"podname": "reviews-(v\d)'}, "shares": {"v1": 80, "v2": 20},
            "tolerance": 15}  # fmt: skip
    c = check(type="behaviour", **{"from": CURL}, count=40,
              request={"url": "http://reviews:9080/reviews/1"},
              expect={"status": [200], "distribution": dist})  # fmt: skip
    found = verdict(client, c)
    assert found.passed, found.detail
    assert found.detail.startswith("of 40 responses: v1 ")
    wrong = dict(dist, shares={"v1": 50, "v3": 50})
    c = check(type="behaviour", **{"from": CURL}, count=40,
              request={"url": "http://reviews:9080/reviews/1"},
              expect={"distribution": wrong})  # fmt: skip
    found = verdict(client, c)
    assert not found.passed
    assert "expected v1 50%, v3 50% (within 15 points)" in found.detail


def test_behaviour_same_verdict_for_the_same_seed(make_cluster: Callable[[int], Cluster]) -> None:
    c = check(type="behaviour", **{"from": CURL}, count=30,
              request={"url": "http://reviews:9080/reviews/1"},
              expect={"distribution": {"by": {"body": r"reviews-(v\d)"},
                                       "shares": {"v1": 100}, "tolerance": 0}})  # fmt: skip
    first = verdict(InProcessClient(make_cluster(0)), c).detail
    assert first.startswith("of 30 responses: v1 ")  # no VirtualService: all versions answer
    assert "v3" in first
    assert verdict(InProcessClient(make_cluster(0)), c).detail == first
    others = {verdict(InProcessClient(make_cluster(s)), c).detail for s in (1, 2, 3)}
    assert others != {first}  # the seed is what decides


def test_behaviour_status_headers_and_bearer(cluster: Cluster, client: InProcessClient) -> None:
    ok = check(type="behaviour", **{"from": CURL}, count=3,
               request={"url": "http://httpbin:8000/headers", "headers": {"x-test": "yes"},
                        "bearer": "abc.def.ghi"},
               expect={"status": [200], "bodyContains": '"Bearer abc.def.ghi"',
                       "headers": {"content-type": "application/json"}})  # fmt: skip
    found = verdict(client, ok)
    assert found.passed, found.detail
    assert found.detail == "3 response(s) as expected"
    teapot = check(type="behaviour", **{"from": CURL}, count=2,
                   request={"url": "http://httpbin:8000/status/418"},
                   expect={"status": [200]})  # fmt: skip
    found = verdict(client, teapot)
    assert not found.passed
    assert found.detail == "2 of 2 responses had an unexpected status (2x 418; expected 200)"


def test_behaviour_files_connect_to_and_body(client: InProcessClient) -> None:
    c = check(type="behaviour", **{"from": CURL}, count=2,
              request={"method": "POST", "url": "http://shop.example/anything",
                       "connectTo": ["shop.example:80:httpbin:8000"],
                       "headers": {"Host": "httpbin", "Content-Type": "text/plain"},
                       "files": {"/tmp/grading/ca.crt": "it's a 'file'\n"},
                       "body": "hello"},
              expect={"status": [200], "bodyContains": '"data": "hello"'})  # fmt: skip
    found = verdict(client, c)
    assert found.passed, found.detail
    curl = client.list("v1", "Pod", "default", "app=curl")[0]["metadata"]["name"]
    assert client.exec("default", curl, "curl", ["cat", "/tmp/grading/ca.crt"]) == (
        0,
        "it's a 'file'\n",
        "",
    )
    with pytest.raises(ValidationError, match="file paths are absolute"):
        check(type="behaviour", **{"from": CURL}, expect={},
              request={"url": "http://x/", "files": {"rel.txt": ""}})  # fmt: skip


def test_behaviour_runs_in_a_running_pod(cluster: Cluster, client: InProcessClient) -> None:
    container = {"name": "curl", "image": "registry.k8s.io/pause:3.10"}  # no curl in it
    pending = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "a-curl", "labels": {"app": "curl"}},
               "spec": {"nodeSelector": {"disk": "none"}, "containers": [container]}}  # fmt: skip
    cluster.create(cluster.kind("", "pods"), pending, "default")
    c = check(type="behaviour", **{"from": CURL}, request={"url": "http://httpbin:8000/get"},
              expect={"status": [200]})  # fmt: skip
    assert verdict(client, c).passed  # a-curl sorts first by name, but it is Pending


def test_behaviour_connection_failure_is_status_000(client: InProcessClient) -> None:
    c = check(type="behaviour", **{"from": CURL}, request={"url": "http://nowhere:80/"},
              expect={"status": [200]})  # fmt: skip
    found = verdict(client, c)
    assert not found.passed
    assert "(1x 000; expected 200)" in found.detail


def test_behaviour_without_a_pod(client: InProcessClient) -> None:
    c = check(type="behaviour", **{"from": dict(CURL, selector="app=sleep")},
              request={"url": "http://httpbin:8000/"}, expect={"status": [200]})  # fmt: skip
    found = verdict(client, c)
    assert found.detail == "no running pod matches 'app=sleep' in namespace default"


def test_analyzer_checks(cluster: Cluster, client: InProcessClient) -> None:
    # istio.io/latest/docs/reference/config/analysis/ist0101/: a subset no DestinationRule has
    apply(cluster, REVIEWS_80_20)
    present = check(type="analyzer", namespace="default", present="IST0101")
    clean = check(type="analyzer", namespace="default", clean="Error")
    assert verdict(client, present).passed
    found = verdict(client, clean)
    assert not found.passed
    assert found.detail.startswith("istioctl analyze reports Error [IST0101] (VirtualService")
    apply(cluster, REVIEWS_SUBSETS)
    assert verdict(client, clean).passed
    assert not verdict(client, present).passed


def test_install_checks(client: InProcessClient) -> None:
    assert verdict(client, check(type="install", profile="demo", revision="default")).passed
    found = verdict(client, check(type="install", profile="default"))
    assert found.detail == (
        "components present (EgressGateways, IngressGateways, Pilot) are not those of the "
        "default profile"
    )
    found = verdict(client, check(type="install", revision="canary"))
    assert found.detail == "no istiod of revision canary in istio-system"
    assert verdict(client, check(type="install", components=["EgressGateways"])).passed
    assert not verdict(client, check(type="install", absentComponents=["EgressGateways"])).passed


def test_pod_checks(cluster: Cluster, client: InProcessClient) -> None:
    start = baseline(client)
    injected = check(type="pod", namespace="default", selector="app=reviews", sidecar=True)
    assert verdict(client, injected, start).passed
    restarted = check(type="pod", namespace="default", selector="app=ratings", restarted=True)
    found = verdict(client, restarted, start)
    assert found.detail.endswith("was not recreated since the task started")
    pods = cluster.kind("", "pods")
    for pod in cluster.list(pods, "default"):
        if pod["metadata"]["labels"].get("app") == "ratings":
            cluster.delete(pods, "default", pod["metadata"]["name"])
    assert verdict(client, restarted, start).passed
    none = check(type="pod", namespace="istio-system", selector="app=reviews", sidecar=True)
    assert not verdict(client, none).passed


def test_grade_scores_every_check_and_keeps_going(client: InProcessClient) -> None:
    checks = [
        check(id="a", type="install", profile="demo", points=3),
        check(id="b", type="resource", apiVersion="v1", kind="NoSuchKind", name="x",
              message="create it"),
        check(id="c", **VS, name="reviews", message="create the VirtualService", main=True),
    ]  # fmt: skip
    report = grade(checks, client)
    assert (report.points, report.max_points, report.full_marks) == (3, 7, False)
    assert [(r.id, r.passed, r.message) for r in report.results] == [
        ("a", True, ""),
        ("b", False, "create it"),
        ("c", False, "create the VirtualService"),
    ]
    assert report.result("b").detail == 'no matches for kind "NoSuchKind" in version "v1"'
    assert report.result("c").main


class _Defective(CheckBase):
    def evaluate(self, client: Any, context: GradeContext) -> Any:
        raise KeyError("spec")


def test_a_defective_check_fails_alone(client: InProcessClient) -> None:
    checks = [_Defective(id="d", points=1, message="m"), check(id="e", type="install")]
    report = grade(checks, client)
    assert [(r.id, r.passed, r.detail) for r in report.results] == [
        ("d", False, "the check could not run (KeyError: 'spec')"),
        ("e", True, "installation as expected"),
    ]


def test_a_crash_looping_pod_is_not_running() -> None:
    """`running` means what kubectl's STATUS column says: a crash-looping istiod has phase
    Running but is not running; a healthy workload is."""
    from meshcert.kube.controllers import crash_loop, set_container_state
    from meshcert.lab.labs import new_cluster
    from meshcert.lab.scenarios import load_scenario, seed

    broken = new_cluster()
    seed(broken, load_scenario("broken-strict-plaintext"))
    pods = broken.list(broken.kind("", "pods"), "istio-system")
    name = next(p["metadata"]["name"] for p in pods if p["metadata"]["name"].startswith("istiod"))
    set_container_state(broken, "istio-system", name, "discovery", crash_loop())
    client = InProcessClient(broken)
    istiod = check(type="pod", namespace="istio-system", selector="app=istiod", running=True)
    found = verdict(client, istiod)
    assert not found.passed
    assert found.detail.endswith(" is CrashLoopBackOff")
    app = check(type="pod", namespace="default", selector="app=httpbin", running=True)
    assert verdict(client, app).passed


def test_behaviour_headers_absent(client: InProcessClient) -> None:
    """A response header that must not be sent (a VirtualService's `headers.response.remove`
    task): the sidecar's `server: envoy` is present, an unknown header is absent."""
    absent = check(type="behaviour", **{"from": CURL}, count=2,
                   request={"url": "http://httpbin:8000/get"},
                   expect={"status": [200], "headersAbsent": ["x-not-sent"]})  # fmt: skip
    assert verdict(client, absent).passed
    present = check(type="behaviour", **{"from": CURL}, count=2,
                    request={"url": "http://httpbin:8000/get"},
                    expect={"headersAbsent": ["Server"]})  # fmt: skip
    found = verdict(client, present)
    assert not found.passed
    assert found.detail == "2 of 2 responses have header Server"
