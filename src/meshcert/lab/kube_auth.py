"""The user's credentials from a kubeconfig entry, as kubectl (client-go) uses them: a bearer
token, a client certificate and key, or an exec plugin that prints an ExecCredential; and the
TLS context to reach the server with (its CA, or no verification under
`insecure-skip-tls-verify`).

Exec plugins follow client-go's protocol (kubernetes.io docs/reference/access-authn-authz/
authentication "client-go credential plugins"): the command runs with the entry's `args` and
`env` added to the environment, and `KUBERNETES_EXEC_INFO` holding an ExecCredential whose
`spec.interactive` is false (meshcert never lends a plugin the terminal); its stdout is an
ExecCredential of the same apiVersion whose `status` holds a `token` or
`clientCertificateData` + `clientKeyData`.
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import LabStateError
from .kubeconfig import KubeconfigEntry

EXEC_TIMEOUT = 60.0
EXEC_VERSIONS = ("client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1")


@dataclass(frozen=True)
class Credentials:
    token: str = ""
    cert_pem: bytes = b""
    key_pem: bytes = b""


def credentials(entry: KubeconfigEntry) -> Credentials:
    """The entry's credentials, running its exec plugin if it has one. Raises
    LabStateError with client-go's wording when the plugin fails."""
    if entry.exec_plugin is not None:
        return _run_plugin(entry.exec_plugin)
    return Credentials(entry.token, entry.client_cert_pem, entry.client_key_pem)


def _run_plugin(plugin: dict[str, Any]) -> Credentials:
    api_version = str(plugin.get("apiVersion") or "")
    if api_version not in EXEC_VERSIONS:
        raise LabStateError(f'exec plugin: invalid apiVersion "{api_version}"')
    command = str(plugin.get("command") or "")
    found = shutil.which(command) if "/" not in command else command
    if not command or found is None or not Path(found).exists():
        hint = str(plugin.get("installHint") or "")
        raise LabStateError(
            f"getting credentials: exec: executable {command} not found"
            + (f"\n\n{hint}" if hint else "")
        )
    env = dict(os.environ)
    for item in plugin.get("env") or []:
        if isinstance(item, dict) and item.get("name"):
            env[str(item["name"])] = str(item.get("value") or "")
    info = {"kind": "ExecCredential", "apiVersion": api_version,
            "spec": {"interactive": False}}  # fmt: skip
    env["KUBERNETES_EXEC_INFO"] = json.dumps(info)
    argv = [found, *(str(a) for a in plugin.get("args") or [])]
    try:
        done = subprocess.run(argv, capture_output=True, env=env, timeout=EXEC_TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LabStateError(f"getting credentials: exec: {exc}") from exc
    if done.returncode != 0:
        raise LabStateError(f"getting credentials: exec: executable {command} failed with "
                            f"exit code {done.returncode}")  # fmt: skip
    try:
        answer = json.loads(done.stdout)
    except ValueError as exc:
        raise LabStateError(f"getting credentials: decoding stdout: {exc}") from exc
    if not isinstance(answer, dict) or answer.get("apiVersion") != api_version:
        got = answer.get("apiVersion") if isinstance(answer, dict) else None
        raise LabStateError(f"getting credentials: exec plugin is configured to use API "
                            f'version {api_version}, plugin returned version {got}')  # fmt: skip
    status = answer.get("status") or {}
    token = str(status.get("token") or "")
    cert = str(status.get("clientCertificateData") or "").encode()
    key = str(status.get("clientKeyData") or "").encode()
    if not token and not (cert and key):
        raise LabStateError("getting credentials: exec plugin didn't return a token or cert/key "
                            "pair")  # fmt: skip
    return Credentials(token, cert, key)


def ssl_context(entry: KubeconfigEntry, creds: Credentials) -> ssl.SSLContext:
    """TLS to the entry's server: its CA (the system's when none is given), or no
    verification under insecure-skip-tls-verify; the client certificate when there is one."""
    context = ssl.create_default_context(cadata=entry.ca_pem.decode() or None)
    if entry.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if creds.cert_pem and creds.key_pem:
        # ssl loads certificates from files only: a private directory, removed at once
        with tempfile.TemporaryDirectory(prefix="meshcert-client-") as folder:
            cert, key = Path(folder, "client.crt"), Path(folder, "client.key")
            cert.write_bytes(creds.cert_pem)
            key.touch(mode=0o600)
            key.write_bytes(creds.key_pem)
            try:
                context.load_cert_chain(cert, key)
            except ssl.SSLError as exc:
                raise LabStateError(f"cannot use the client certificate and key: {exc}") from exc
    return context


__all__ = ["Credentials", "credentials", "ssl_context"]
