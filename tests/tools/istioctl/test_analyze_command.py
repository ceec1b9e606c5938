"""`istioctl analyze` end to end through `run_istioctl`: the texts, formats and exit codes of
istioctl 1.26 (istioctl/pkg/analyze/analyze.go, istioctl/pkg/util/formatting/formatter.go,
istioctl/cmd/root.go GetExitCode) on the shipped scenarios and on broken states; istio.io
docs/ops/diagnostic-tools/istioctl-analyze for the NamespaceNotInjected and "No validation
issues" lines."""

from __future__ import annotations

import json

import pytest
import yaml

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed
from meshcert.tools.istioctl import run_istioctl
from meshcert.tools.istioctl.analyze import ALL

DOCS = "https://istio.io/v1.26/docs/reference/config/analysis"
FOUND_ISSUES = (
    "Error: Analyzers found issues when analyzing namespace: default.\n"
    f"See {DOCS} for more information about causes and resolutions.\n"
)
NOT_INJECTED = (
    "Info [IST0102] (Namespace default) The namespace is not enabled for Istio injection. Run "
    "'kubectl label namespace default istio-injection=enabled' to enable it, or 'kubectl label "
    "namespace default istio-injection=disabled' to explicitly mark it as not needing "
    "injection.\n"
)
REVIEWS = b"""\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts:
  - reviews
  http:
  - route:
    - destination:
        host: reviews2
"""
GOLDEN_LOG = (
    "Error [IST0101] (VirtualService default/reviews reviews.yaml:11) Referenced host not found: "
    '"reviews2"\n'
)
GOLDEN_JSON = """\
[
\t{
\t\t"code": "IST0101",
\t\t"documentationUrl": "https://istio.io/v1.26/docs/reference/config/analysis/ist0101/?ref=istioctl-analyze",
\t\t"level": "Error",
\t\t"message": "Referenced host not found: \\"reviews2\\"",
\t\t"origin": "VirtualService default/reviews",
\t\t"reference": "reviews.yaml:11"
\t}
]
"""
GOLDEN_YAML = """\
- code: IST0101
  documentationUrl: https://istio.io/v1.26/docs/reference/config/analysis/ist0101/?ref=istioctl-analyze
  level: Error
  message: 'Referenced host not found: "reviews2"'
  origin: VirtualService default/reviews
  reference: reviews.yaml:11

"""


@pytest.fixture(scope="module")
def bookinfo() -> Cluster:
    cluster = new_cluster()
    seed(cluster, load_scenario("bookinfo"))
    return cluster


@pytest.fixture
def base() -> Cluster:
    cluster = new_cluster()
    seed(cluster, load_scenario("istio-default"))
    return cluster


@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (["analyze"], "namespace: default"),
        (["analyze", "-A"], "all namespaces"),
        (["analyze", "-n", "istio-system"], "namespace: istio-system"),
    ],
)
def test_bookinfo_has_no_validation_issues(bookinfo: Cluster, argv: list[str], target: str) -> None:
    assert run_istioctl(bookinfo, argv) == (
        0,
        "\n",
        f"\u2714 No validation issues found when analyzing {target}.\n",
    )


def test_a_namespace_without_injection_is_an_info_and_exits_zero(base: Cluster) -> None:
    assert run_istioctl(base, ["analyze"]) == (0, NOT_INJECTED, "")
    assert run_istioctl(base, ["analyze", "--failure-threshold", "Info"])[0] == 79
    # the success line follows what is shown, not what was found (analyze.go outputMessages)
    assert run_istioctl(base, ["analyze", "--output-threshold", "Warning"]) == (
        0,
        "\n",
        "\u2714 No validation issues found when analyzing namespace: default.\n",
    )


def test_labelling_the_namespace_clears_it(base: Cluster) -> None:
    ns = base.find(base.kind("", "namespaces"), "", "default")
    assert ns is not None
    labelled = {**ns, "metadata": {**ns["metadata"], "labels": {"istio-injection": "enabled"}}}
    base.update(base.kind("", "namespaces"), labelled)
    assert run_istioctl(base, ["analyze", "--namespace", "default"]) == (
        0,
        "\n",
        "\u2714 No validation issues found when analyzing namespace: default.\n",
    )


def test_log_output_and_exit_code_79(bookinfo: Cluster) -> None:
    code, out, err = run_istioctl(bookinfo, ["analyze", "reviews.yaml"], {"reviews.yaml": REVIEWS})
    assert (code, out, err) == (79, GOLDEN_LOG, FOUND_ISSUES)


@pytest.mark.parametrize(("fmt", "golden"), [("json", GOLDEN_JSON), ("yaml", GOLDEN_YAML)])
def test_json_and_yaml_output_exit_zero(bookinfo: Cluster, fmt: str, golden: str) -> None:
    code, out, err = run_istioctl(
        bookinfo, ["analyze", "-o", fmt, "reviews.yaml"], {"reviews.yaml": REVIEWS}
    )
    assert (code, out, err) == (0, golden, "")
    parsed = json.loads(out) if fmt == "json" else yaml.safe_load(out)
    assert parsed[0]["origin"] == "VirtualService default/reviews"


def test_empty_json_is_an_empty_list(bookinfo: Cluster) -> None:
    code, out, err = run_istioctl(bookinfo, ["analyze", "-o", "json"])
    assert (code, out) == (0, "[]\n")
    assert err == "\u2714 No validation issues found when analyzing namespace: default.\n"


def test_bad_output_format_is_a_usage_error(bookinfo: Cluster) -> None:
    assert run_istioctl(bookinfo, ["analyze", "-o", "xml"]) == (
        64,
        "",
        "Error: xml not a valid option for format. See istioctl analyze --help\n",
    )


def test_files_only_and_their_names_in_the_success_line(bookinfo: Cluster) -> None:
    ok = REVIEWS.replace(b"reviews2", b"reviews.default.svc.cluster.local")
    svc = (
        b"apiVersion: v1\nkind: Service\nmetadata: {name: reviews}\nspec:\n  ports:\n"
        b"  - {name: http, port: 9080}\n"
    )
    files = {"vs.yaml": ok, "svc.yaml": svc}
    code, out, err = run_istioctl(
        bookinfo, ["analyze", "--use-kube=false", "vs.yaml", "svc.yaml"], files
    )
    assert (code, out, err) == (
        0,
        "\n",
        "\u2714 No validation issues found when analyzing vs.yaml\nsvc.yaml.\n",
    )
    code, out, _ = run_istioctl(bookinfo, ["analyze", "-k=false", "vs.yaml"], files)
    assert code == 79
    assert 'Referenced host not found: "reviews.default.svc.cluster.local"' in out


def test_directories_and_recursion(bookinfo: Cluster) -> None:
    files = {
        "cfg/a.yaml": REVIEWS,
        "cfg/notes.txt": b"x",
        "cfg/deep/b.yaml": REVIEWS.replace(b"name: reviews", b"name: deeper"),
    }
    code, out, err = run_istioctl(bookinfo, ["analyze", "cfg"], files)
    assert code == 79
    assert out == GOLDEN_LOG.replace("reviews.yaml", "cfg/a.yaml")
    assert err.startswith(
        "Skipping file cfg/notes.txt, recognized file extensions are: [.json .yaml .yml]\n"
    )
    code, out, _ = run_istioctl(bookinfo, ["analyze", "-R", "cfg"], files)
    assert "VirtualService default/deeper cfg/deep/b.yaml:11" in out


def test_a_file_that_does_not_parse_exits_65(bookinfo: Cluster) -> None:
    code, _out, err = run_istioctl(bookinfo, ["analyze", "bad.yaml"], {"bad.yaml": b"a: [b\n"})
    assert code == 65
    assert err.startswith("Error(s) adding files: bad.yaml: ")
    assert err.endswith(
        "No validation issues found when analyzing namespace: default (but 1 file could not be "
        "parsed).\nError: Some files couldn't be parsed.\n"
    )


def test_suppressions(bookinfo: Cluster) -> None:
    files = {"reviews.yaml": REVIEWS}
    for value in (
        "IST0101=VirtualService default/reviews",
        "IST0101=VirtualService reviews.*",
        "IST0101=VirtualService *",
    ):
        assert run_istioctl(bookinfo, ["analyze", "-S", value, "reviews.yaml"], files)[0] == 0
    code, _, err = run_istioctl(
        bookinfo, ["analyze", "-S", "IST9999=Pod x.y", "reviews.yaml"], files
    )
    assert code == 79
    assert err.startswith(
        "Warning: Supplied message code 'IST9999' is an unknown message code "
        "and will not have any effect.\n"
    )
    assert run_istioctl(bookinfo, ["analyze", "-S", "nonsense"])[0:3:2] == (
        1,
        "Error: nonsense is not a valid suppression value. See istioctl analyze --help\n",
    )


def test_suppression_annotation(bookinfo: Cluster) -> None:
    annotated = REVIEWS.replace(
        b"  name: reviews\n",
        b"  name: reviews\n  annotations:\n    galley.istio.io/analyze-suppress: IST0101\n",
    )
    assert run_istioctl(bookinfo, ["analyze", "r.yaml"], {"r.yaml": annotated})[0] == 0


def test_unknown_namespace(bookinfo: Cluster) -> None:
    assert run_istioctl(bookinfo, ["analyze", "-n", "nosuch"]) == (
        0,
        "",
        'namespace "nosuch" not found\n',
    )


def test_list_analyzers(bookinfo: Cluster) -> None:
    code, out, _ = run_istioctl(bookinfo, ["analyze", "-L"])
    assert code == 0
    names = [line[2:-1] for line in out.splitlines() if line.startswith("* ")]
    assert names == sorted(a.metadata.name for a in ALL)
    assert "* virtualservice.DestinationHostAnalyzer:\n    Checks the destination hosts " in out


def test_verbose_and_color(bookinfo: Cluster) -> None:
    code, out, err = run_istioctl(
        bookinfo, ["analyze", "-v", "--color", "r.yaml"], {"r.yaml": REVIEWS}
    )
    assert code == 79
    assert out.startswith("\033[1;31mError\033[0m [IST0101] (VirtualService default/reviews")
    assert err.startswith("Analyzed resources in namespace: default\nExecuted analyzers:\n\t ")
    assert "\t virtualservice.GatewayAnalyzer\n" in err
    assert run_istioctl(bookinfo, ["analyze", "--timeout", "10s", "--color=false"])[0] == 0


@pytest.mark.parametrize(
    ("objects", "line"),
    [
        # a port named without protocol
        (
            [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "metadata": {"name": "web", "namespace": "default"},
                    "spec": {
                        "selector": {"app": "web"},
                        "ports": [{"name": "web", "port": 8000, "targetPort": 80}],
                    },
                }
            ],
            "Info [IST0118] (Service default/web) Port name web (port: 8000, targetPort: 80) "
            "doesn't follow the naming convention of Istio port.",
        ),
        # conflicting gateways
        (
            [
                {
                    "apiVersion": "networking.istio.io/v1",
                    "kind": "Gateway",
                    "metadata": {"name": n, "namespace": "default"},
                    "spec": {
                        "selector": {"istio": "ingressgateway"},
                        "servers": [
                            {
                                "port": {"number": 8080, "name": "http", "protocol": "HTTP"},
                                "hosts": ["*"],
                            }
                        ],
                    },
                }
                for n in ("gw-a", "gw-b")
            ],
            "Error [IST0145] (Gateway default/gw-a) Conflict with gateways default/gw-b (workload "
            "selector istio=ingressgateway, port 8080, hosts *).",
        ),
        (
            [
                {
                    "apiVersion": "networking.istio.io/v1",
                    "kind": "DestinationRule",
                    "metadata": {"name": "reviews", "namespace": "default"},
                    "spec": {
                        "host": "reviews",
                        "subsets": [
                            {"name": "v1", "labels": {"version": "v1"}},
                            {"name": "v4", "labels": {"version": "v4"}},
                        ],
                    },
                }
            ],
            "Error [IST0173] (DestinationRule default/reviews) The Subset v4 defined in the "
            "DestinationRule does not select any pods. Which may lead to 503 UH "
            "(NoHealthyUpstream).",
        ),
    ],
    ids=["port-without-protocol", "conflicting-gateways", "subset-selecting-no-pods"],
)
def test_broken_states_in_the_lab(objects: list[dict[str, object]], line: str) -> None:
    cluster = new_cluster()
    seed(cluster, load_scenario("bookinfo"))
    for obj in objects:
        cluster.create(cluster.kind_of(obj), obj)
    _code, out, _ = run_istioctl(cluster, ["analyze"])
    assert line + "\n" in out


def test_a_pod_started_before_its_namespace_was_labelled_misses_its_proxy() -> None:
    cluster = new_cluster()
    seed(cluster, load_scenario("bookinfo"))
    namespaces = cluster.kind("", "namespaces")
    cluster.create(
        namespaces, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "late"}}
    )
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "old", "namespace": "late"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]},
    }
    cluster.create(cluster.kind("", "pods"), pod)
    ns = cluster.get(namespaces, "", "late")
    cluster.update(
        namespaces, {**ns, "metadata": {**ns["metadata"], "labels": {"istio-injection": "enabled"}}}
    )
    assert run_istioctl(cluster, ["analyze", "-n", "late"]) == (
        0,
        "Warning [IST0103] (Pod late/old) The pod late/old is missing the Istio proxy. This can "
        "often be resolved by restarting or redeploying the workload.\n",
        "",
    )


LINES = b"""\
# two objects; messages point at the field at fault (Istio's util.ErrorLine)
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  selector:
    istio: ingressgateway
  servers:
  - port: {number: 9999, name: http, protocol: HTTP}
    hosts: ["*"]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
spec:
  hosts: ["*"]
  gateways:
  - gw
  - missing
  http:
  - route:
    - destination: {host: reviews, subset: v9}
"""


def test_file_references_carry_the_line_of_the_field(bookinfo: Cluster) -> None:
    code, out, _ = run_istioctl(bookinfo, ["analyze", "f.yaml"], {"f.yaml": LINES})
    assert code == 79
    assert out.splitlines() == [
        "Error [IST0101] (VirtualService default/web f.yaml:21) Referenced gateway not found: "
        '"missing"',
        "Error [IST0101] (VirtualService default/web f.yaml:24) Referenced host+subset in "
        'destinationrule not found: "reviews+v9"',
        "Warning [IST0132] (VirtualService default/web f.yaml:21) one or more host [*] defined "
        "in VirtualService default/web not found in Gateway default/missing.",
        "Warning [IST0162] (Gateway default/gw f.yaml:8) The gateway is listening on a target "
        "port (port 9999) that is not defined in the Service associated with its workload "
        "instances (Pod selector istio=ingressgateway). If you need to access the gateway port "
        "through the gateway Service, it will not be available.",
    ]


def test_the_program_reads_directories_from_its_file_system(bookinfo: Cluster) -> None:
    """As `meshcert istioctl analyze cfg/` runs it: the exec program with the uploaded files."""
    from meshcert.kube.execution.workstation import run_for_workstation

    files = {"/home/u/cfg/a.yaml": REVIEWS, "/home/u/cfg/deep/b.yaml": LINES}
    done = run_for_workstation(bookinfo, ["istioctl", "analyze", "cfg"], files=files,
                               cwd="/home/u")  # fmt: skip
    assert done.exit_code == 79
    assert done.stdout.decode() == GOLDEN_LOG.replace("reviews.yaml", "cfg/a.yaml")
    done = run_for_workstation(bookinfo, ["istioctl", "analyze", "-R", "cfg"], files=files,
                               cwd="/home/u")  # fmt: skip
    assert "(VirtualService default/web cfg/deep/b.yaml:21)" in done.stdout.decode()
