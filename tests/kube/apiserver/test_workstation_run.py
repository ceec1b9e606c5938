"""`POST /meshcert/v1/run`: a workstation program run by the lab (what `meshcert istioctl`
calls). Bad requests are Kubernetes `Status` errors; only allowed programs run; the files sent
are what the program reads."""

from __future__ import annotations

import base64
import ssl
from typing import Any

import httpx
from running_api import RunningApi

from meshcert.kube.execution import workstation


def _post(api: RunningApi, body: Any, token: str | None = None) -> httpx.Response:
    context = ssl.create_default_context(cadata=api.ca_pem.decode())
    with httpx.Client(verify=context, timeout=30) as client:
        return client.post(f"{api.url}/meshcert/v1/run", json=body,
                           headers={"Authorization": f"Bearer {token or api.token}"})  # fmt: skip


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_an_allowed_program_reads_the_files_sent(api: RunningApi) -> None:
    workstation.allow(api.cluster, "cat")
    answer = _post(api, {"argv": ["cat", "notes.txt", "-"], "cwd": "/home/me",
                         "files": {"/home/me/notes.txt": _b64(b"hello\n")},
                         "stdin": _b64(b"from stdin\n")})  # fmt: skip
    assert answer.status_code == 200
    doc = answer.json()
    assert doc["exitCode"] == 0
    assert base64.b64decode(doc["stdout"]) == b"hello\nfrom stdin\n"
    missing = _post(api, {"argv": ["cat", "nope.txt"], "cwd": "/home/me"}).json()
    assert missing["exitCode"] == 1
    assert base64.b64decode(missing["stderr"]) == b"cat: nope.txt: No such file or directory\n"


def test_other_programs_and_bad_bodies_are_refused(api: RunningApi) -> None:
    refused = _post(api, {"argv": ["sh", "-c", "echo hi"]})
    assert refused.status_code == 400
    assert refused.json()["kind"] == "Status"
    assert "cannot run from a workstation" in refused.json()["message"]
    for body, text in (
        ({"argv": []}, "argv must be a non-empty list of strings"),
        ({"argv": ["cat"], "files": {"/a": "***"}}, "files[/a] is not valid base64"),
        ({"argv": ["cat"], "files": {"relative": ""}}, "file paths must be absolute"),
    ):
        workstation.allow(api.cluster, "cat")
        answer = _post(api, body)
        assert answer.status_code == 400, body
        assert text in answer.json()["message"]
    assert _post(api, {"argv": ["cat"]}, token="wrong").status_code == 401
