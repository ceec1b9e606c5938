"""`meshcert istioctl analyze` against a cluster that is not a meshcert lab: the analyzers run
on this machine over what the cluster's API lists (read-only), as the real `istioctl analyze`
does. Istio's CRDs not being installed is fine (those kinds are skipped).

The objects are placed in a bare in-process cluster and the lab's `istioctl` runs on it, so the
output, flags and exit codes are the lab's. Authentication as kubectl's: the kubeconfig's CA
(or insecure-skip-tls-verify), and a bearer token, a client certificate and key, or what an
exec plugin returns (`meshcert.lab.kube_auth`).
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
    from meshcert.lab.errors import LabStateError
    from meshcert.lab.kube_auth import credentials, ssl_context
    from meshcert.tools.istioctl import run_istioctl
    from meshcert.tools.istioctl.analyze.api_reader import ApiReader, ApiReadError
    from meshcert.tools.istioctl.analyze.resources import KINDS

    try:
        creds = credentials(target)
        reader = ApiReader(target.server, creds.token, target.ca_pem,
                           tls=ssl_context(target, creds))  # fmt: skip
        resources = reader.read()
    except LabStateError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    except ApiReadError as exc:
        print(f"Error: {exc}", file=sys.stderr)
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
