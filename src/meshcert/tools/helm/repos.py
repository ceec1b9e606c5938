"""helm's client-side repository list (`helm repo add|list|update|remove`), kept where helm
keeps it: ~/.config/helm/repositories.yaml in the container's file system."""

from __future__ import annotations

from collections.abc import Callable

import yaml

from meshcert.tools.istioctl.commands import Invocation, UsageError

from .charts import REPO_URL

REPO_FILE = "/root/.config/helm/repositories.yaml"
STATE_KEY = "helm.state"


class HelmState:
    """Client-side state: the repositories file, read and written through the container."""

    def __init__(self, read: Callable[[str], bytes | None], write: Callable[[str, bytes], None]):
        self.read = read
        self.write = write

    def repos(self) -> dict[str, str]:
        raw = self.read(REPO_FILE)
        if not raw:
            return {}
        doc = yaml.safe_load(raw) or {}
        return {str(r["name"]): str(r["url"]) for r in doc.get("repositories") or []}

    def save_repos(self, repos: dict[str, str]) -> None:
        doc = {
            "apiVersion": "",
            "generated": "0001-01-01T00:00:00Z",
            "repositories": [{"name": n, "url": u} for n, u in repos.items()],
        }
        self.write(REPO_FILE, yaml.safe_dump(doc).encode())


def helm_state(inv: Invocation) -> HelmState:
    state = inv.opts.get(STATE_KEY)
    assert isinstance(state, HelmState)
    return state


def run_repo_add(inv: Invocation) -> int:
    if len(inv.args) != 2:
        raise UsageError(
            '"helm repo add" requires 2 arguments\n\nUsage:  helm repo add [NAME] [URL] [flags]'
        )
    name, url = inv.args
    state = helm_state(inv)
    repos = state.repos()
    if repos.get(name) == url:
        inv.out(f'"{name}" already exists with the same configuration, skipping\n')
        return 0
    if name in repos and not inv.flag("force-update"):
        raise UsageError(
            f"repository name ({name}) already exists, please specify a different name"
        )
    if url.rstrip("/") != REPO_URL:
        raise UsageError(
            f'looks like "{url}" is not a valid chart repository or cannot be reached: '
            "not supported in the lab (only Istio's chart repository is)"
        )
    repos[name] = url
    state.save_repos(repos)
    inv.out(f'"{name}" has been added to your repositories\n')
    return 0


def run_repo_list(inv: Invocation) -> int:
    repos = helm_state(inv).repos()
    if not repos:
        raise UsageError("no repositories to show")
    rows = [["NAME", "URL"], *([n, u] for n, u in repos.items())]
    inv.out(table(rows))
    return 0


def run_repo_update(inv: Invocation) -> int:
    repos = helm_state(inv).repos()
    if not repos:
        raise UsageError("no repositories found. You must add one before updating")
    inv.out("Hang tight while we grab the latest from your chart repositories...\n")
    for name in repos:
        inv.out(f'...Successfully got an update from the "{name}" chart repository\n')
    inv.out("Update Complete. ⎈Happy Helming!⎈\n")
    return 0


def run_repo_remove(inv: Invocation) -> int:
    state = helm_state(inv)
    repos = state.repos()
    for name in inv.args:
        if name not in repos:
            raise UsageError(f'no repo named "{name}" found')
        del repos[name]
        inv.out(f'"{name}" has been removed from your repositories\n')
    state.save_repos(repos)
    return 0


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "\t".join(c.ljust(widths[i]) for i, c in enumerate(r[:-1])) + "\t" + r[-1] for r in rows
    ]
    return "\n".join(line.rstrip() for line in lines) + "\n"
