"""`POST /meshcert/v1/run`: run a workstation program (`istioctl`, `helm`) in the lab for a
client on the candidate's machine (see `meshcert.kube.execution.workstation`).

Request body (JSON): `argv` (list of strings), `cwd` (the client's working directory),
`files` (absolute path -> base64 content: the local files the command names), `stdin`
(base64). Answer: `{"exitCode": N, "stdout": base64, "stderr": base64, "files": {path: base64}}`
(`files`: what the program wrote under `cwd`, e.g. `istioctl bug-report`'s archive). Bad
requests get a Kubernetes `Status` like every other error of the API.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from .. import errors
from ..cluster import Cluster
from ..execution.workstation import run_for_workstation
from . import bodies

PATH = "/meshcert/v1/run"
MAX_BODY = 12 * 1024 * 1024


def _bytes(value: Any, what: str) -> bytes:
    if value is None:
        return b""
    if not isinstance(value, str):
        raise errors.BadRequest(f"{what} must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.BadRequest(f"{what} is not valid base64: {exc}") from exc


async def serve_run(request: Request, cluster: Cluster) -> Response:
    if request.method != "POST":
        raise errors.MethodNotAllowed(f"the server does not allow this method: {request.method}")
    body = await request.body()
    if len(body) > MAX_BODY:
        raise errors.RequestEntityTooLarge("the request is too large")
    try:
        doc = json.loads(body or b"{}")
    except ValueError as exc:
        raise errors.BadRequest(f"the request body is not JSON: {exc}") from exc
    argv = doc.get("argv") if isinstance(doc, dict) else None
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        raise errors.BadRequest("argv must be a non-empty list of strings")
    files_doc = doc.get("files") or {}
    if not isinstance(files_doc, dict):
        raise errors.BadRequest("files must map paths to base64 contents")
    files = {str(k): _bytes(v, f"files[{k}]") for k, v in files_doc.items()}
    cwd = doc.get("cwd") or "/"
    env = doc.get("env")
    if not isinstance(cwd, str) or (env is not None and not isinstance(env, dict)):
        raise errors.BadRequest("cwd must be a string and env a map of strings")
    stdin = _bytes(doc.get("stdin"), "stdin")
    written: dict[str, bytes] = {}
    try:
        result = await run_in_threadpool(
            run_for_workstation, cluster, argv, files=files, stdin=stdin, cwd=cwd,
            env={str(k): str(v) for k, v in env.items()} if env else None, written=written,
        )  # fmt: skip
    except ValueError as exc:
        raise errors.BadRequest(str(exc)) from exc
    answer = {
        "exitCode": result.exit_code,
        "stdout": base64.b64encode(result.stdout).decode(),
        "stderr": base64.b64encode(result.stderr).decode(),
        "files": {path: base64.b64encode(data).decode() for path, data in written.items()},
    }
    return Response(bodies.encode(answer), media_type="application/json")


__all__ = ["PATH", "serve_run"]
