"""`meshcert istioctl analyze` against a cluster that is not a meshcert lab: the analyzers run
on this machine over what the cluster's API lists (read-only), as the real `istioctl analyze`
does. Istio's CRDs not being installed is fine (those kinds are skipped).

The objects are placed in a bare in-process cluster and the lab's `istioctl` runs on it, so the
output, flags and exit codes are the lab's. Authentication: the kubeconfig's bearer token and
CA; client certificates and exec plugins are not read yet (said in the error).
"""

from __future__ import annotations

import sys
from pathlib import Path

from meshcert.lab.kubeconfig import KubeconfigEntry

from .workstation import local_files


def _files_as_typed(argv: list[str], cwd: Path) -> dict[str, bytes]:
    """`workstation.local_files`, also under the spelling the command line uses (the
    in-process istioctl looks files up by the argument as written)."""
    found = dict(local_files(argv, cwd))
    for word in argv:
        absolute = str((cwd / word).expanduser().absolute())
        if absolute in found:
            found[word] = found[absolute]
    return found


def analyze_remote(target: KubeconfigEntry, argv: list[str]) -> int:
    from meshcert.kube.cluster import Cluster
    from meshcert.tools.istioctl import run_istioctl
    from meshcert.tools.istioctl.analyze.api_reader import ApiReader, ApiReadError
    from meshcert.tools.istioctl.analyze.resources import KINDS

    reader = ApiReader(target.server, target.token, target.ca_pem)
    try:
        resources = reader.read()
    except ApiReadError as exc:
        print(f"Error: {exc} (meshcert reads clusters with the kubeconfig's token and CA; "
              "client certificates and exec plugins are not supported yet)",
              file=sys.stderr)  # fmt: skip
        return 1
    cluster = Cluster()
    for number, resource in enumerate(resources, start=1):
        group, plural, _ = KINDS[resource.kind]
        obj = dict(resource.obj)
        meta = dict(obj.get("metadata") or {})
        meta.setdefault("resourceVersion", str(number))
        if not str(meta["resourceVersion"]).isdigit():
            meta["resourceVersion"] = str(number)
        obj["metadata"] = meta
        cluster.store.apply_event(group, plural, "ADDED", obj)
    stdin = sys.stdin.buffer.read() if "-" in argv and not sys.stdin.isatty() else b""
    code, out, err = run_istioctl(cluster, argv, _files_as_typed(argv, Path.cwd()), stdin)
    sys.stdout.write(out)
    sys.stdout.flush()
    sys.stderr.write(err)
    return code


__all__ = ["analyze_remote"]
