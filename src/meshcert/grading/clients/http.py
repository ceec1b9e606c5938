"""`HttpClient`: the `KubeClient` over HTTP, through a kubeconfig, with the official
`kubernetes` Python client (a lab's own API or any real cluster with Istio).

Resources: the kind's plural comes from the group-version's discovery document (one request per
group-version, cached), then plain GETs. Exec: `kubernetes.stream` over the exec subresource's
WebSocket, as `kubectl exec` does. `istioctl`: a meshcert lab runs it for the grader
(`POST /meshcert/v1/run`); another cluster is answered by the `istioctl` found on PATH.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

from ..client import ClientError, ExecOutcome, Obj, decode

EXEC_SECONDS = 120.0
ERROR_CHANNEL = 3  # the exec protocol's status channel
RUN_PATH = "/meshcert/v1/run"


def _path(api_version: str) -> str:
    return f"/api/{api_version}" if "/" not in api_version else f"/apis/{api_version}"


class HttpClient:
    """Grade the cluster a kubeconfig points at (`kubeconfig` None: the client's default)."""

    def __init__(self, kubeconfig: str | None = None, context: str | None = None) -> None:
        from kubernetes import config

        self.kubeconfig = kubeconfig
        self.context = context
        try:
            self.api = config.new_client_from_config(  # type: ignore[no-untyped-call]
                config_file=kubeconfig, context=context
            )
        except Exception as exc:  # the client raises ConfigException, OSError, ValueError...
            raise ClientError(f"cannot load the kubeconfig: {exc}") from exc
        self._plurals: dict[tuple[str, str], tuple[str, bool]] = {}

    def close(self) -> None:
        """Close the connection pool (open sockets otherwise linger until collected)."""
        self.api.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # requests ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request with the kubeconfig's server, CA and credentials: (status, JSON)."""
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        try:
            if hasattr(self.api, "param_serialize"):  # kubernetes >= 35 (new generator)
                request = self.api.param_serialize(
                    method, path, header_params=headers, body=body, auth_settings=["BearerToken"]
                )
                response = self.api.call_api(*request, _request_timeout=EXEC_SECONDS)
                response.read()
                return int(response.status), _json(response.data)
            answer = self.api.call_api(
                path, method, body=body, header_params=headers, auth_settings=["BearerToken"],
                _preload_content=False, _return_http_data_only=False,
            )  # fmt: skip
            return int(answer[0].status), _json(answer[0].data)
        except Exception as exc:  # urllib3 errors: unreachable, TLS...
            status = getattr(exc, "status", None)
            if isinstance(status, int) and status:  # the legacy client raises on non-2xx
                return status, _json(getattr(exc, "body", None))
            raise ClientError(f"cannot reach the cluster: {exc}") from exc

    def _kind(self, api_version: str, kind: str) -> tuple[str, bool]:
        key = (api_version, kind)
        if key not in self._plurals:
            status, doc = self._call("GET", _path(api_version))
            if status != 200 or not isinstance(doc, dict):
                raise ClientError(f"the server could not find the requested resource "
                                  f"({api_version})")  # fmt: skip
            for resource in doc.get("resources") or []:
                if resource.get("kind") == kind and "/" not in str(resource.get("name")):
                    self._plurals[key] = (str(resource["name"]), bool(resource.get("namespaced")))
                    break
            else:
                raise ClientError(f'no matches for kind "{kind}" in version "{api_version}"')
        return self._plurals[key]

    def _fail(self, status: int, doc: Any) -> ClientError:
        message = doc.get("message") if isinstance(doc, dict) else None
        return ClientError(f"the cluster answered {status}: {message or doc!r}")

    # KubeClient ---------------------------------------------------------------------------------

    def get(self, api_version: str, kind: str, namespace: str, name: str) -> Obj | None:
        plural, namespaced = self._kind(api_version, kind)
        where = f"/namespaces/{namespace}" if namespaced else ""
        status, doc = self._call("GET", f"{_path(api_version)}{where}/{plural}/{name}")
        if status == 404:
            return None
        if status != 200 or not isinstance(doc, dict):
            raise self._fail(status, doc)
        return doc

    def list(
        self, api_version: str, kind: str, namespace: str | None = None, selector: str = ""
    ) -> list[Obj]:
        from urllib.parse import quote

        plural, namespaced = self._kind(api_version, kind)
        where = f"/namespaces/{namespace}" if namespaced and namespace is not None else ""
        query = f"?labelSelector={quote(selector)}" if selector else ""
        status, doc = self._call("GET", f"{_path(api_version)}{where}/{plural}{query}")
        if status != 200 or not isinstance(doc, dict):
            raise self._fail(status, doc)
        items: list[Obj] = []
        for item in doc.get("items") or []:
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
            items.append(item)
        return sorted(items, key=lambda o: (o["metadata"].get("namespace", ""),
                                            o["metadata"]["name"]))  # fmt: skip

    def exec(self, namespace: str, pod: str, container: str, argv: Sequence[str]) -> ExecOutcome:
        from kubernetes import client
        from kubernetes.client.exceptions import ApiException
        from kubernetes.stream import stream

        core = client.CoreV1Api(self.api)
        try:
            ws = stream(
                core.connect_get_namespaced_pod_exec, pod, namespace, command=list(argv),
                container=container, stderr=True, stdin=False, stdout=True, tty=False,
                _preload_content=False,
            )  # fmt: skip
        except ApiException as exc:
            raise self._fail(int(exc.status or 0), _json(exc.body)) from exc
        except Exception as exc:
            raise ClientError(f"exec in pod {namespace}/{pod} failed: {exc}") from exc
        try:
            ws.run_forever(timeout=EXEC_SECONDS)
            out, err = ws.read_stdout() or "", ws.read_stderr() or ""
            code = _exit_code(ws.read_channel(ERROR_CHANNEL), namespace, pod)
        except ClientError:
            raise
        except Exception as exc:
            raise ClientError(f"exec in pod {namespace}/{pod} failed: {exc}") from exc
        finally:
            ws.close()
            if ws.sock is not None:  # websocket-client leaves the socket open after close
                ws.sock.shutdown()
        return ExecOutcome(code, out, err)

    def istioctl(self, argv: Sequence[str]) -> ExecOutcome:
        body = {"argv": ["istioctl", *argv], "cwd": "/", "files": {}, "stdin": ""}
        status, doc = self._call("POST", RUN_PATH, body)
        if status == 200 and isinstance(doc, dict):
            return ExecOutcome(
                int(doc.get("exitCode", 1)),
                decode(base64.b64decode(doc.get("stdout") or "")),
                decode(base64.b64decode(doc.get("stderr") or "")),
            )
        if status != 404:
            raise self._fail(status, doc)
        return self._local_istioctl(argv)  # not a lab: the real istioctl on this machine

    def _local_istioctl(self, argv: Sequence[str]) -> ExecOutcome:
        binary = shutil.which("istioctl")
        if binary is None:
            raise ClientError("this cluster is not a meshcert lab and istioctl is not on PATH")
        flags = [*(["--kubeconfig", self.kubeconfig] if self.kubeconfig else []),
                 *(["--context", self.context] if self.context else [])]  # fmt: skip
        done = subprocess.run(
            [binary, *argv, *flags], capture_output=True, timeout=EXEC_SECONDS, check=False
        )
        return ExecOutcome(done.returncode, decode(done.stdout), decode(done.stderr))


def _exit_code(status_text: str, namespace: str, pod: str) -> int:
    """The exit code from the exec's status channel: Success is 0, `NonZeroExitCode` carries the
    code as its cause; any other failure (no such pod or container) is the exec's error."""
    status = _json(status_text) if status_text else None
    if not isinstance(status, dict):
        raise ClientError(f"exec in pod {namespace}/{pod} ended without a status")
    if status.get("status") == "Success":
        return 0
    causes = (status.get("details") or {}).get("causes") or []
    for cause in causes:
        if cause.get("reason") == "ExitCode":
            return int(cause.get("message", 1))
    raise ClientError(str(status.get("message") or f"exec in pod {namespace}/{pod} failed"))


def _json(data: Any) -> Any:
    if isinstance(data, bytes | str):
        try:
            return json.loads(data)
        except ValueError:
            return data
    return data


__all__ = ["HttpClient"]
