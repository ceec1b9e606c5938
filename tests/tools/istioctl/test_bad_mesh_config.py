"""istioctl 1.26 on a meshConfig istiod would reject: `install` refuses it, `analyze` ignores it.

install / upgrade / manifest generate: istio/istio operator/pkg/render/manifest.go
`GenerateManifest` validates the merged IstioOperator before rendering
(operator/pkg/apis/validation/validation.go `ParseAndValidateIstioOperator`): the mesh config
goes through `mesh.ApplyMeshConfigDefaults` (pkg/config/mesh/mesh.go) once as
`values.meshConfig` (spec.meshConfig merged in by `translateIstioOperatorToHelm`) and once as
`spec.meshConfig`; errors are joined with ", " (operator/pkg/util/errs.go); install wraps them
in `generate config: ` (operator/cmd/mesh/install.go). Unknown fields pass
(pkg/util/protomarshal `ApplyJSON` retries allowing them; values.meshConfig is a
google.protobuf.Value in operator/pkg/apis/values_types.proto).

analyze: pkg/config/analysis/local/istiod_analyze.go `addRunningKubeIstioConfigMapSource`
returns "error parsing mesh config" but `AddRunningKubeSourceWithRevision` only logs when the
istio namespace cannot be read, so nothing is printed and the analysis runs on
`mesh.DefaultMeshConfig()`; istioctl/pkg/analyze/analyze.go drops a bad `--meshConfigFile`
the same way (`_ = sa.AddFileKubeMeshConfig(meshCfgFile)`). IST0134 shows which mesh config
was used: DNS capture with auto-allocation in proxyMetadata silences it
(pkg/config/analysis/analyzers/serviceentry/protocoladdresses.go).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from running_api import RunningApi

pytestmark = pytest.mark.kubectl

Istioctl = Callable[..., str]

NOT_A_STRING = (
    "failed to convert to proto. json: cannot unmarshal number into Go value of type string"
)
BAD_MODE = (
    'failed to convert to proto. unknown value "\\"REGISTRY_ONY\\"" for enum '
    "istio.mesh.v1alpha1.MeshConfig.OutboundTrafficPolicy.Mode"
)
AUTO_ALLOCATE = (
    "defaultConfig:\n  proxyMetadata:\n"
    '    ISTIO_META_DNS_CAPTURE: "true"\n    ISTIO_META_DNS_AUTO_ALLOCATE: "true"\n'
)
SERVICE_ENTRY = """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external-db, namespace: default}
spec:
  hosts: [db.example.com]
  ports:
  - {number: 5432, name: tcp-postgres, protocol: TCP}
  resolution: DNS
"""
IST0134 = "Warning [IST0134] (ServiceEntry default/external-db) ServiceEntry addresses are required"


def in_toolbox(api: RunningApi, shell: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `shell` in the toolbox pod (less the line kubectl exec
    adds on a failure)."""
    proc = api.kubectl("exec", "-n", "kube-system", "toolbox", "--", "sh", "-c", shell)
    trailer = f"command terminated with exit code {proc.returncode}\n"
    err = proc.stderr.removesuffix(trailer) if proc.returncode else proc.stderr
    return proc.returncode, proc.stdout, err


@pytest.mark.parametrize(
    ("flag", "errors"),
    [
        ("meshConfig.accessLogFile=5", f"{NOT_A_STRING}, {NOT_A_STRING}"),
        ("values.meshConfig.accessLogFile=5", NOT_A_STRING),
        ("meshConfig.outboundTrafficPolicy.mode=REGISTRY_ONY", f"{BAD_MODE}, {BAD_MODE}"),
    ],
    ids=["spec-meshConfig-reported-twice", "values-meshConfig-once", "enum"],
)
def test_install_refuses_a_mesh_config_istiod_would_reject(
    api: RunningApi, flag: str, errors: str
) -> None:
    code, out, err = in_toolbox(api, f"istioctl install -y --set {flag}")
    assert code == 1
    assert out == ""
    assert err == f"Error: generate config: {errors}\n"
    assert "No resources found" in api.kubectl("get", "deploy", "-n", "istio-system").stderr


def test_manifest_generate_prints_the_errors_unwrapped(api: RunningApi) -> None:
    """manifest-generate.go returns GenerateManifest's error as it is."""
    code, out, err = in_toolbox(api, "istioctl manifest generate --set meshConfig.accessLogFile=5")
    assert (code, out) == (1, "")
    assert err == f"Error: {NOT_A_STRING}, {NOT_A_STRING}\n"


def test_an_iop_file_is_checked_the_same_way(api: RunningApi) -> None:
    shell = (
        "printf 'apiVersion: install.istio.io/v1alpha1\\nkind: IstioOperator\\nspec:\\n"
        "  meshConfig:\\n    enableTracing: maybe\\n' > /tmp/iop.yaml; "
        "istioctl install -y -f /tmp/iop.yaml"
    )
    code, _, err = in_toolbox(api, shell)
    not_a_bool = (
        "failed to convert to proto. json: cannot unmarshal string into Go value of type bool"
    )
    assert code == 1
    assert err == f"Error: generate config: {not_a_bool}, {not_a_bool}\n"


def test_an_unknown_mesh_config_field_is_installed(api: RunningApi, istioctl: Istioctl) -> None:
    out = istioctl("install", "-y", "--set", "meshConfig.notAField=bar")
    assert out.splitlines()[-2:] == [
        "✔ Installation complete",
        "Made this installation the default for cluster-wide operations.",
    ]
    mesh = api.ok("get", "cm", "istio", "-n", "istio-system", "-o", "jsonpath={.data.mesh}")
    assert "notAField: bar" in mesh.splitlines()


def test_force_installs_and_istiod_runs_on_the_defaults(api: RunningApi) -> None:
    """--force: validateIstioOperator prints the errors (clog PrintErr: no newline) and goes
    on; the new istiod rejects the text and starts on Istio's defaults (meshwatcher)."""
    code, out, err = in_toolbox(api, "istioctl install -y --force --set meshConfig.accessLogFile=5")
    assert code == 0
    assert err == f"spec invalid; continuing because of --force: {NOT_A_STRING}, {NOT_A_STRING}"
    assert "✔ Installation complete" in out
    ready = api.ok("get", "deploy", "istiod", "-n", "istio-system", "-o", "jsonpath={.status}")
    assert json.loads(ready)["readyReplicas"] == 1
    logs = api.ok("logs", "deploy/istiod", "-n", "istio-system")
    assert f"\twarn\tinvalid mesh config, using last known state: {NOT_A_STRING}" in logs


def _set_mesh(api: RunningApi, text: str) -> None:
    patch = json.dumps({"data": {"mesh": text}})
    api.ok("patch", "cm", "istio", "-n", "istio-system", "--type", "merge", "-p", patch)


def test_analyze_runs_on_the_defaults_when_the_mesh_config_is_rejected(
    api: RunningApi, istioctl: Istioctl
) -> None:
    istioctl("install", "-y")
    api.ok("apply", "-f", "-", input=SERVICE_ENTRY)
    _set_mesh(api, AUTO_ALLOCATE)
    assert IST0134 not in istioctl("analyze")
    _set_mesh(api, AUTO_ALLOCATE + "accessLogFile: 5\n")
    out = istioctl("analyze")
    assert IST0134 in out
    assert "mesh" not in out.lower()


def test_analyze_takes_a_valid_mesh_config_file_and_ignores_a_bad_one(
    api: RunningApi, istioctl: Istioctl
) -> None:
    istioctl("install", "-y")
    api.ok("apply", "-f", "-", input=SERVICE_ENTRY)
    shell = (
        f"printf '{AUTO_ALLOCATE}' > /tmp/good.yaml; "
        f"printf '{AUTO_ALLOCATE}accessLogFile: 5\\n' > /tmp/bad.yaml; "
        "istioctl analyze --meshConfigFile /tmp/good.yaml; echo ---; "
        "istioctl analyze --meshConfigFile /tmp/bad.yaml; echo ---; "
        "istioctl analyze --meshConfigFile /tmp/missing.yaml"
    )
    code, out, _ = in_toolbox(api, shell.replace("\n", "\\n"))
    assert code == 0
    good, bad, missing = out.split("---\n")
    assert IST0134 not in good
    assert IST0134 in bad
    assert IST0134 in missing
