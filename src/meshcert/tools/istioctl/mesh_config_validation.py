"""What `istioctl install`, `upgrade` and `manifest generate` say about the spec's meshConfig.

istioctl 1.26 validates the merged IstioOperator before it renders anything (istio/istio
operator/pkg/render/manifest.go `GenerateManifest` -> `validateIstioOperator` ->
operator/pkg/apis/validation/validation.go `ParseAndValidateIstioOperator`). For the mesh config
that is `mesh.ApplyMeshConfigDefaults` (pkg/config/mesh/mesh.go), the very parse istiod does, run
twice and in this order:

1. on `values.meshConfig` (`validateValues`), which `translateIstioOperatorToHelm` filled with
   `spec.meshConfig` merged over it (the user's own `values.meshConfig` merged last);
2. on `spec.meshConfig` itself (`validateMeshConfig`).

So a bad value given as `meshConfig.X` is reported twice, one given only as
`values.meshConfig.X` once. The errors are joined with ", " (operator/pkg/util/errs.go) and the
command fails before installing: `Error: generate config: <errors>` for install/upgrade
(operator/cmd/mesh/install.go), the bare errors for `manifest generate`. With `--force` install
writes `spec invalid; continuing because of --force: <errors>` to stderr (clog `PrintErr`, no
newline) and goes on; `manifest generate` passes no logger, so it goes on silently.

An unknown meshConfig field is not an error: `values.meshConfig` is a `google.protobuf.Value`
(operator/pkg/apis/values_types.proto) and `ApplyMeshConfig` parses with unknown fields allowed
(pkg/util/protomarshal `ApplyJSON`). Which values are refused is the lab's mesh-config check,
the one its istiod uses (`meshcert.mesh.controlplane.meshconfig_check`).
"""

from __future__ import annotations

from typing import Any

import yaml

from meshcert.mesh.controlplane.meshconfig_check import mesh_config_error
from meshcert.mesh.install.operator import merge


def mesh_config_errors(spec: dict[str, Any]) -> list[str]:
    """The meshConfig errors of an effective IstioOperator spec, as istioctl lists them."""
    spec_mesh = spec.get("meshConfig")
    values = spec.get("values")
    user_values_mesh = values.get("meshConfig") if isinstance(values, dict) else None
    values_mesh = spec_mesh
    if user_values_mesh is not None:
        values_mesh = merge(spec_mesh or {}, user_values_mesh)
    errors = []
    for mesh in (values_mesh, spec_mesh):
        error = _error(mesh)
        if error is not None:
            errors.append(error)
    return errors


def _error(mesh: Any) -> str | None:
    if mesh is None:
        return None
    return mesh_config_error(yaml.safe_dump(mesh, default_flow_style=False))
