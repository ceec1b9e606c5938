"""Kubeconfig entries for a lab: written into a file without clobbering what else it holds.

A lab adds a cluster (server URL and the serving certificate as certificate-authority-data), a
user (the lab's bearer token) and a context, all under one name, and makes that context
current. Removing a lab removes exactly those three entries again.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import LabStateError
from .state import write_atomic

CONTEXT = "meshcert"
_SECTIONS = ("clusters", "users", "contexts")


@dataclass(frozen=True)
class KubeconfigEntry:
    """What a client needs to reach one lab (or, resolved from a user's kubeconfig, any
    cluster): the server, its CA, and the user's credentials — a bearer token, a client
    certificate and key, or an exec plugin (`meshcert.lab.kube_auth` runs it)."""

    name: str
    server: str
    ca_pem: bytes
    token: str
    client_cert_pem: bytes = b""
    client_key_pem: bytes = b""
    insecure: bool = False
    exec_plugin: dict[str, Any] | None = None

    def cluster(self) -> dict[str, Any]:
        ca = base64.b64encode(self.ca_pem).decode()
        return {
            "name": self.name,
            "cluster": {"server": self.server, "certificate-authority-data": ca},
        }

    def user(self) -> dict[str, Any]:
        return {"name": self.name, "user": {"token": self.token}}

    def context(self) -> dict[str, Any]:
        return {"name": self.name, "context": {"cluster": self.name, "user": self.name}}

    def document(self) -> dict[str, Any]:
        """A kubeconfig holding only this entry, current."""
        config = _empty()
        merge(config, self)
        return config


def _empty() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [],
        "users": [],
        "contexts": [],
        "current-context": "",
    }


def merge(config: dict[str, Any], entry: KubeconfigEntry, *, make_current: bool = True) -> None:
    """Put `entry` into a kubeconfig document, replacing entries of the same name."""
    for section, item in zip(
        _SECTIONS, (entry.cluster(), entry.user(), entry.context()), strict=True
    ):
        items = [i for i in config.get(section) or [] if _name(i) != entry.name]
        config[section] = [*items, item]
    if make_current:
        config["current-context"] = entry.name


def drop(config: dict[str, Any], name: str) -> bool:
    """Remove the cluster, user and context called `name`; whether anything was removed."""
    removed = False
    for section in _SECTIONS:
        items = config.get(section) or []
        kept = [i for i in items if _name(i) != name]
        removed = removed or len(kept) != len(items)
        config[section] = kept
    if config.get("current-context") == name:
        config["current-context"] = ""
        removed = True
    return removed


def _name(item: Any) -> Any:
    return item.get("name") if isinstance(item, dict) else None


def read(path: Path) -> dict[str, Any] | None:
    """The kubeconfig at `path`, or None when there is no such file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise LabStateError(f"cannot read the kubeconfig {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LabStateError(f"the kubeconfig {path} is not valid YAML: {exc}") from exc
    if data is None:
        return _empty()
    if not isinstance(data, dict):
        raise LabStateError(f"the kubeconfig {path} is not a kubeconfig (not a mapping)")
    return data


def write(path: Path, config: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
    write_atomic(path, text.encode())


def add_entry(path: Path, entry: KubeconfigEntry) -> None:
    """Merge `entry` into the kubeconfig at `path` (created if missing) and make it current."""
    path = _real(path)
    config = read(path) or _empty()
    merge(config, entry)
    write(path, config)


def remove_entry(path: Path, name: str = CONTEXT) -> bool:
    """Remove `name`'s entries from the file; delete the file when nothing else is left."""
    path = _real(path)
    config = read(path)
    if config is None or not drop(config, name):
        return False
    if not any(config.get(s) for s in _SECTIONS):
        os.unlink(path)
    else:
        write(path, config)
    return True


def resolve_target(paths: list[Path], context: str | None = None) -> KubeconfigEntry:
    """The server, CA and token a client uses, as kubectl resolves them: the files merged in
    order (the first file to set a name wins, `current-context` from the first that has one),
    then `context` or the current context. Raises LabStateError with kubectl's wording."""
    merged: dict[str, dict[str, Any]] = {s: {} for s in _SECTIONS}
    current = ""
    for path in paths:
        config = read(path.expanduser())
        if config is None:
            continue
        current = current or str(config.get("current-context") or "")
        for section in _SECTIONS:
            for item in config.get(section) or []:
                name = _name(item)
                if isinstance(name, str):
                    merged[section].setdefault(name, item)
    chosen = context or current
    if not chosen:
        raise LabStateError("current-context is not set in the kubeconfig; start a lab with "
                            "`meshcert lab up` or pass --context")  # fmt: skip
    ctx = (merged["contexts"].get(chosen) or {}).get("context")
    if not isinstance(ctx, dict):
        raise LabStateError(f"context was not found for specified context: {chosen}")
    cluster = (merged["clusters"].get(str(ctx.get("cluster"))) or {}).get("cluster") or {}
    user = (merged["users"].get(str(ctx.get("user"))) or {}).get("user") or {}
    server = str(cluster.get("server") or "")
    if not server:
        raise LabStateError(f'cluster has no server defined (context "{chosen}")')
    ca = b""
    if cluster.get("certificate-authority-data"):
        ca = base64.b64decode(str(cluster["certificate-authority-data"]))
    elif cluster.get("certificate-authority"):
        try:
            ca = Path(str(cluster["certificate-authority"])).expanduser().read_bytes()
        except OSError as exc:
            raise LabStateError(f"cannot read the cluster's CA file: {exc.strerror}") from exc
    return KubeconfigEntry(
        chosen,
        server,
        ca,
        _token(user),
        _material(user, "client-certificate", "the client certificate"),
        _material(user, "client-key", "the client key"),
        bool(cluster.get("insecure-skip-tls-verify")),
        dict(user["exec"]) if isinstance(user.get("exec"), dict) else None,
    )


def _token(user: dict[str, Any]) -> str:
    if user.get("token"):
        return str(user["token"])
    if user.get("tokenFile"):
        try:
            return Path(str(user["tokenFile"])).expanduser().read_text().strip()
        except OSError as exc:
            raise LabStateError(f"cannot read the user's token file: {exc.strerror}") from exc
    return ""


def _material(user: dict[str, Any], key: str, what: str) -> bytes:
    """`<key>-data` (base64) or the file `<key>` names, as kubectl reads them."""
    if user.get(f"{key}-data"):
        return base64.b64decode(str(user[f"{key}-data"]))
    if user.get(key):
        try:
            return Path(str(user[key])).expanduser().read_bytes()
        except OSError as exc:
            raise LabStateError(f"cannot read {what} file: {exc.strerror}") from exc
    return b""


def _real(path: Path) -> Path:
    """Write through a symlinked kubeconfig rather than replacing the link."""
    return path.expanduser().resolve()


__all__ = [
    "CONTEXT",
    "KubeconfigEntry",
    "add_entry",
    "drop",
    "merge",
    "read",
    "remove_entry",
    "resolve_target",
    "write",
]
