"""`meshcert istioctl ...` and `meshcert helm ...`: the lab's istioctl and helm, run from the
candidate's own machine (also as the `istioctl` / `helm` shims `meshcert lab env` puts on PATH).

The command line is sent to the lab the kubeconfig points at (`KUBECONFIG`, `--kubeconfig`,
`--context` for istioctl, `--kube-context` for helm, as the real tools read them), with the
local files it names (any argument that is an existing file, or a directory's YAML/JSON files)
and stdin when an argument is `-`; the lab runs the program and sends back both streams and the
exit code (`POST /meshcert/v1/run`, `meshcert.kube.apiserver.workstation`). For a cluster
that is not a lab, `istioctl analyze` runs here over the cluster's API (`remote_analyze`).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

CONTEXT_FLAGS = {"istioctl": ("--context",), "helm": ("--kube-context",)}
KUBECONFIG_FLAGS = {"istioctl": ("--kubeconfig", "-c"), "helm": ("--kubeconfig",)}
MAX_DIRECTORY_FILES = 500
# 1: run `istioctl analyze` here over the cluster's API even when the cluster is a lab
LOCAL_ANALYZE_ENV = "MESHCERT_ANALYZE_LOCALLY"
UPLOADED_SUFFIXES = (".yaml", ".yml", ".json")


def _take(argv: list[str], names: tuple[str, ...]) -> tuple[list[str], str | None]:
    """Remove `--flag value` / `--flag=value` for any of `names`; return the last value."""
    rest: list[str] = []
    value: str | None = None
    words = iter(argv)
    for word in words:
        name, eq, inline = word.partition("=")
        if name in names:
            value = inline if eq else next(words, None)
            continue
        rest.append(word)
    return rest, value


def _is_analyze(argv: list[str]) -> bool:
    return "analyze" in argv


def local_files(argv: list[str], cwd: Path) -> dict[str, bytes]:
    """Every argument (or `--flag=value` value) naming an existing local file, and the YAML
    and JSON files under a named directory, by absolute path."""
    found: dict[str, bytes] = {}
    for word in argv:
        for candidate in {word, word.partition("=")[2]}:
            if not candidate or candidate == "-" or candidate.startswith("-"):
                continue
            path = (cwd / candidate).expanduser()
            try:
                if path.is_file():
                    found[str(path.resolve())] = path.read_bytes()
                    if path.resolve() != path.absolute():
                        found[str(path.absolute())] = found[str(path.resolve())]
                elif path.is_dir():
                    files = sorted(p for p in path.rglob("*")
                                   if p.is_file() and p.suffix in UPLOADED_SUFFIXES)  # fmt: skip
                    for file in files[:MAX_DIRECTORY_FILES]:
                        found[str(file.absolute())] = file.read_bytes()
            except OSError:
                continue
    return found


def run(program: str, argv: list[str]) -> int:
    """Run `program argv` in the lab; print its output; return its exit code."""
    from meshcert.lab.errors import LabStateError
    from meshcert.lab.kubeconfig import resolve_target

    argv, context = _take(argv, CONTEXT_FLAGS[program])
    argv, kubeconfig = _take(argv, KUBECONFIG_FLAGS[program])
    if kubeconfig:
        paths = [Path(kubeconfig)]
    elif os.environ.get("KUBECONFIG"):
        paths = [Path(p) for p in os.environ["KUBECONFIG"].split(os.pathsep) if p]
    else:
        paths = [Path.home() / ".kube" / "config"]
    try:
        target = resolve_target(paths, context)
    except LabStateError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    if program == "istioctl" and os.environ.get(LOCAL_ANALYZE_ENV) == "1" and _is_analyze(argv):
        from .remote_analyze import analyze_remote

        return analyze_remote(target, argv)
    from meshcert.lab.kube_auth import credentials, ssl_context

    try:
        creds = credentials(target)
        context_ssl = ssl_context(target, creds)
    except LabStateError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    cwd = Path.cwd()
    stdin = sys.stdin.buffer.read() if "-" in argv and not sys.stdin.isatty() else b""
    body = {
        "argv": [program, *argv],
        "cwd": str(cwd),
        "files": {k: base64.b64encode(v).decode() for k, v in local_files(argv, cwd).items()},
        "stdin": base64.b64encode(stdin).decode(),
    }
    request = urllib.request.Request(
        target.server.rstrip("/") + "/meshcert/v1/run",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {creds.token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, context=context_ssl, timeout=330) as answer:
            result = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        if exc.code == 404 and program == "istioctl" and _is_analyze(argv):
            from .remote_analyze import analyze_remote  # not a lab: analyze over its API

            return analyze_remote(target, argv)
        return _refused(program, target.server, exc)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        print(f"Error: cannot reach the lab at {target.server}: {reason} (is it running? "
              "`meshcert lab up --resume`)", file=sys.stderr)  # fmt: skip
        return 1
    sys.stdout.buffer.write(base64.b64decode(result.get("stdout") or ""))
    sys.stdout.flush()
    sys.stderr.buffer.write(base64.b64decode(result.get("stderr") or ""))
    _save(result.get("files") or {}, cwd, argv)
    return int(result.get("exitCode", 1))


def _save(files: dict[str, str], cwd: Path, argv: list[str]) -> None:
    """Write the files the program created (`istioctl bug-report`'s archive), only under the
    working directory or a directory the command line names (`--output-dir D`)."""
    roots = [cwd.resolve()]
    for word in argv:
        for candidate in (word, word.partition("=")[2]):
            named = (cwd / candidate).expanduser().resolve() if candidate else Path("/")
            if not candidate.startswith("-") and named != Path(named.anchor):
                roots.append(named)
    for name, content in sorted(files.items()):
        path = Path(name)
        if not path.is_absolute() or not any(path.resolve().is_relative_to(r) for r in roots):
            print(f"meshcert: not writing {name}: outside {cwd}", file=sys.stderr)
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(content))
        except OSError as exc:
            print(f"meshcert: cannot write {name}: {exc}", file=sys.stderr)


def _refused(program: str, server: str, exc: urllib.error.HTTPError) -> int:
    try:
        message = json.loads(exc.read()).get("message", "")
    except ValueError:
        message = ""
    if exc.code == 404:
        print(f"Error: {server} is not a meshcert lab: `meshcert {program}` runs the lab's "
              f"{program}; use the real {program} for other clusters", file=sys.stderr)  # fmt: skip
    else:
        print(f"Error: the lab refused the command ({exc.code}): {message}", file=sys.stderr)
    return 1


__all__ = ["run"]
