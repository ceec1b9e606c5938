"""`istioctl validate -f` as istioctl 1.26 runs it: texts, streams and exit codes from istio/istio
istioctl/pkg/validate/validate.go (validateFiles: `"FILE" is valid`, `validation succeed` for
stdin, `"FILE" has warnings:` with warningToString's points, errors as one go-multierror with
`Kind/namespace/name:` prefixes, errMissingFilename, `cannot stat file`; validateResource:
checkFields, strict proto decoding, the namespace default; validateServicePortPrefix and
validateDeploymentLabel with pkg/url's versioned docs links). The report goes to cobra's
OutOrStderr, i.e. stderr."""

from __future__ import annotations

import pytest
from running_api import RunningApi

from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.tools.istioctl import run_istioctl

REQUIREMENTS = "https://istio.io/v1.26/docs/ops/deployment/requirements/"
SELECTION = "https://istio.io/v1.26/docs/ops/configuration/traffic-management/protocol-selection/"

GOOD_VS = b"""apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews, subset: v1}
"""
BAD_WEIGHT = b"""apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: reviews
  namespace: bookinfo
spec:
  hosts: [reviews]
  http:
  - route:
    - destination: {host: reviews}
      weight: -1
"""
NO_SERVERS = b"""apiVersion: networking.istio.io/v1alpha3
kind: Gateway
metadata:
  name: gw
spec:
  selector: {istio: ingressgateway}
  servers: []
"""
UNREACHABLE = b"""apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ratings
spec:
  hosts: [ratings]
  http:
  - route:
    - destination: {host: ratings}
  - route:
    - destination: {host: ratings}
"""
UNUSED_RULE = "virtualService rule #1 not used (only the last rule can have no matches)"


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return new_cluster()


def validate(cluster: Cluster, *args: str, files: dict[str, bytes] | None = None,
             stdin: bytes = b"") -> tuple[int, str, str]:  # fmt: skip
    return run_istioctl(cluster, ["validate", *args], files=files, stdin=stdin)


def test_a_valid_file_is_reported_valid_on_stderr(cluster: Cluster) -> None:
    assert validate(cluster, "-f", "vs.yaml", files={"vs.yaml": GOOD_VS}) == (
        0, "", '"vs.yaml" is valid\n'
    )  # fmt: skip


def test_stdin_and_the_v_alias_report_validation_succeed(cluster: Cluster) -> None:
    code, out, err = run_istioctl(cluster, ["v", "-f", "-"], stdin=GOOD_VS)
    assert (code, out, err) == (0, "", "validation succeed\n")


def test_errors_are_one_multierror_with_kind_namespace_name_prefixes(cluster: Cluster) -> None:
    text = BAD_WEIGHT + b"---\n" + NO_SERVERS + b"---\n" + GOOD_VS
    code, out, err = validate(cluster, "-f", "all.yaml", files={"all.yaml": text})
    assert (code, out) == (1, "")
    assert err == (
        "Error: 2 errors occurred:\n"
        "\t* VirtualService/bookinfo/reviews: weight -1 < 0\n"
        "\t* Gateway//gw: gateway must have at least one server\n\n\n"
    )


def test_each_file_named_is_checked_and_errors_from_all_of_them_collected(
    cluster: Cluster,
) -> None:
    files = {"a.yaml": GOOD_VS, "b.yaml": NO_SERVERS}
    code, _, err = validate(cluster, "-f", "a.yaml,b.yaml", files=files)
    assert code == 1
    assert (
        err
        == "Error: 1 error occurred:\n\t* Gateway//gw: gateway must have at least one server\n\n\n"
    )
    code, _, err = validate(cluster, "-f", "a.yaml", "-f", "a.yaml", files=files)
    assert (code, err) == (0, '"a.yaml" is valid\n"a.yaml" is valid\n')


def test_warnings_print_under_the_file_and_do_not_fail(cluster: Cluster) -> None:
    code, out, err = validate(cluster, "-f", "vs.yaml", files={"vs.yaml": UNREACHABLE})
    assert (code, out) == (0, "")
    assert err == f'"vs.yaml" has warnings: \n\t* VirtualService//ratings: {UNUSED_RULE}\n\n'
    code, _, err = validate(cluster, "-f", "-", stdin=UNREACHABLE)
    assert (code, err) == (0, f"\n\t* VirtualService//ratings: {UNUSED_RULE}\n")


def test_warnings_are_shown_along_with_errors(cluster: Cluster) -> None:
    files = {"w.yaml": UNREACHABLE, "e.yaml": NO_SERVERS}
    code, _, err = validate(cluster, "-f", "w.yaml", "-f", "e.yaml", files=files)
    assert code == 1
    assert err == (
        f'"w.yaml" has warnings: \n\t* VirtualService//ratings: {UNUSED_RULE}\n\n'
        "Error: 1 error occurred:\n\t* Gateway//gw: gateway must have at least one server\n\n\n"
    )


def test_unknown_fields_fail_strict_decoding(cluster: Cluster) -> None:
    typo = GOOD_VS.replace(b"  hosts:", b"  hostz:")
    nested = GOOD_VS.replace(b"subset: v1", b"subst: v1")
    top = GOOD_VS + b"extra: true\n"
    files = {"typo.yaml": typo, "nested.yaml": nested, "top.yaml": top}
    code, _, err = validate(cluster, "-f", "typo.yaml,nested.yaml,top.yaml", files=files)
    assert code == 1
    assert err == (
        "Error: 3 errors occurred:\n"
        '\t* VirtualService//reviews: cannot parse proto message: unknown field "hostz" in '
        "istio.networking.v1alpha3.VirtualService\n"
        '\t* VirtualService//reviews: cannot parse proto message: unknown field "subst" in '
        "istio.networking.v1alpha3.Destination\n"
        '\t* VirtualService//reviews: unknown field "extra"\n\n\n'
    )


def test_service_ports_must_follow_the_naming_convention(cluster: Cluster) -> None:
    service = b"""apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  ports:
  - port: 80
  - {port: 81, name: foo}
  - {port: 82, name: http-web}
  - {port: 83, name: dns, protocol: UDP}
  - {port: 84, appProtocol: bogus}
  - {port: 85, name: x, appProtocol: grpc}
"""
    code, _, err = validate(cluster, "-f", "svc.yaml", files={"svc.yaml": service})
    assert code == 1
    assert err == (
        "Error: 3 errors occurred:\n"
        f'\t* Service/shop/web: service "web/shop/:" has an unnamed port. This is not '
        f"recommended, See {REQUIREMENTS}\n"
        f'\t* Service/shop/web: service "web/shop/:" port "foo" does not follow the Istio naming '
        f"convention. See {REQUIREMENTS}\n"
        f'\t* Service/shop/web: service "web/shop/:" doesn\'t follow Istio protocol selection. '
        f"This is not recommended, See {SELECTION}\n\n\n"
    )
    in_istio = service.replace(b"namespace: shop", b"namespace: istio-system")
    assert validate(cluster, "-f", "s.yaml", files={"s.yaml": in_istio}) == (
        0, "", '"s.yaml" is valid\n'
    )  # fmt: skip


def test_services_of_a_list_are_checked(cluster: Cluster) -> None:
    """`kubectl get services -o yaml | istioctl validate -f -` (the command's example)."""
    listed = b"""apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: default}
  spec:
    ports: [{port: 80, name: web}]
"""
    code, _, err = validate(cluster, "-f", "-", stdin=listed)
    assert code == 1
    assert err == (
        'Error: 1 error occurred:\n\t* List//: service "web/default/:" port "web" does not '
        f"follow the Istio naming convention. See {REQUIREMENTS}\n\n\n"
    )


def test_deployments_without_telemetry_labels_get_a_notice(cluster: Cluster) -> None:
    deployment = b"""apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata:
      labels: {app: web}
"""
    code, _, err = validate(cluster, "-f", "d.yaml", files={"d.yaml": deployment})
    assert code == 0
    assert err == (
        'deployment "web/shop:" may not provide Istio metrics and telemetry labels: '
        f'map["app":"web"]. See {REQUIREMENTS}\n"d.yaml" is valid\n'
    )
    labelled = deployment.replace(b"{app: web}", b"{app: web, version: v1}")
    assert validate(cluster, "-f", "d.yaml", files={"d.yaml": labelled})[2] == '"d.yaml" is valid\n'


def test_a_directory_is_walked_for_yaml_and_json_files(cluster: Cluster) -> None:
    files = {"cfg/a.yaml": GOOD_VS, "cfg/sub/b.yml": NO_SERVERS, "cfg/notes.txt": b"not yaml: ["}
    code, _, err = validate(cluster, "-f", "cfg", files=files)
    assert code == 1
    assert (
        err
        == "Error: 1 error occurred:\n\t* Gateway//gw: gateway must have at least one server\n\n\n"
    )
    files["cfg/sub/b.yml"] = GOOD_VS
    assert validate(cluster, "-f", "cfg", files=files)[2] == (
        '"cfg/a.yaml" is valid\n"cfg/sub/b.yml" is valid\n'
    )


def test_istio_operator_strict_decoding_and_revision(cluster: Cluster) -> None:
    """operator/pkg/apis/validation/validation.go ParseAndValidateIstioOperator."""
    iop = b"""apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: canary}
spec:
  profile: demo
  revision: canary
"""
    assert validate(cluster, "-f", "-", stdin=iop) == (0, "", "validation succeed\n")
    typo = iop.replace(b"profile:", b"profil:")
    bad_revision = iop.replace(b"revision: canary", b"revision: Canary_1")
    files = {"typo.yaml": typo, "rev.yaml": bad_revision}
    code, _, err = validate(cluster, "-f", "typo.yaml,rev.yaml", files=files)
    assert code == 1
    assert err == (
        "Error: 2 errors occurred:\n"
        '\t* IstioOperator//canary: could not unmarshal: json: unknown field "profil"\n'
        "\t* IstioOperator//canary: invalid revision specified: Canary_1\n\n\n"
    )


@pytest.mark.parametrize(
    ("args", "files", "stderr"),
    [
        ([], {}, "Error: error: you must specify resources by --filename.\nExample resource "
         "specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"),
        (["-f", "gone.yaml"], {}, 'Error: 1 error occurred:\n\t* cannot stat file "gone.yaml": '
         "stat gone.yaml: no such file or directory\n\n\n"),
        (["-f", "bad.yaml"], {"bad.yaml": b"a: b: c\n"}, "Error: 1 error occurred:\n\t* failed to "
         "decode file bad.yaml:  error converting YAML to JSON: yaml: line 1: mapping values are "
         "not allowed here\n\n\n"),
        (["-f", "vs.yaml", "extra"], {"vs.yaml": GOOD_VS},
         'Error: unknown command "extra" for "istioctl validate"\n'),
    ],
    ids=["no-filename", "missing-file", "bad-yaml", "extra-arg"],
)  # fmt: skip
def test_usage_and_input_errors(
    cluster: Cluster, args: list[str], files: dict[str, bytes], stderr: str
) -> None:
    assert validate(cluster, *args, files=files) == (1, "", stderr)


@pytest.mark.kubectl
def test_validate_in_a_pod_through_kubectl_exec(api: RunningApi) -> None:
    """`kubectl exec -i ... -- istioctl validate -f -`: the same report and exit code."""
    ok = api.kubectl("exec", "-i", "-n", "kube-system", "toolbox", "--", "istioctl", "validate",
                     "-f", "-", input=GOOD_VS.decode())  # fmt: skip
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "validation succeed\n")
    bad = api.kubectl("exec", "-i", "-n", "kube-system", "toolbox", "--", "istioctl", "validate",
                      "-f", "-", input=NO_SERVERS.decode())  # fmt: skip
    assert bad.returncode == 1
    assert bad.stderr.startswith(
        "Error: 1 error occurred:\n\t* Gateway//gw: gateway must have at least one server\n"
    )
