"""Golden transcripts of the troubleshooting commands on every shipped scenario: `istioctl
analyze -A`, `x describe pod`, `proxy-config cluster|listener|route|endpoint|secret|bootstrap|
log` for one pod, and `proxy-status`, as a candidate's terminal shows them (stdout, then
stderr, and the exit code when it is not 0).

Layouts are istioctl 1.26's (istio/istio istioctl/pkg/describe/describe.go,
istioctl/pkg/proxyconfig/proxyconfig.go and istioctl/pkg/writer/envoy/configdump/*.go,
istioctl/pkg/writer/pilot/status.go; istio.io docs/ops/diagnostic-tools/proxy-cmd and
istioctl-describe); the other test files pin them piece by piece, these pin the whole text on
the scenarios candidates start from. A scenario without Istio (`base`) gets the real tool's
errors. A new shipped scenario fails here until its goldens exist.

What varies between two labs of the same scenario is normalised as the other golden tests do
it: pod name suffixes keep their width (`-hhhhhhhhhh-xxxxx`); ages and certificate dates come
from a fixed clock; Service ClusterIPs (10.96.0.0/12, allocated at random) read `10.96.x.x`
and certificate serial numbers (random) read `SERIAL`. Those two change a column's width, so a
table holding them is laid out again with the widths of the normalised cells and the table's
own padding (rows sorted where the tool sorts by address).

Regenerate after an intended change with `MESHCERT_UPDATE_GOLDENS=1 python -m pytest
tests/tools/istioctl/test_scenario_goldens.py` and review the diff.
"""

from __future__ import annotations

import functools
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.lab.labs import new_cluster
from meshcert.lab.scenarios import load_scenario, seed, shipped_scenarios
from meshcert.tools.istioctl import run_istioctl

GOLDENS = Path(__file__).parent / "scenario_goldens"
UPDATE = os.environ.get("MESHCERT_UPDATE_GOLDENS") == "1"
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)

# The pod each scenario's describe and proxy-config transcripts are about: the app a candidate
# would look at first, a gateway where there is no app, a pod name that does not exist where
# there is nothing at all (the errors).
POD_PREFERENCE = ("productpage-v1", "httpbin", "istio-ingressgateway")
NO_POD = ("curl", "default")

COMMANDS: dict[str, list[str]] = {
    "analyze": ["analyze", "-A"],
    "describe-pod": ["x", "describe", "pod", "{pod}", "-n", "{namespace}"],
    **{
        f"pc-{what}": ["proxy-config", what, "{pod}.{namespace}"]
        for what in ("cluster", "listener", "route", "endpoint", "secret", "bootstrap", "log")
    },
    "proxy-status": ["proxy-status"],
}
TABLES = {"pc-cluster", "pc-listener", "pc-route", "pc-endpoint", "pc-secret", "proxy-status"}
SORTED_BY_ADDRESS = {"pc-listener"}  # rows of one port follow their ClusterIPs

POD_SUFFIX = re.compile(r"-[a-z0-9]{10}-[a-z0-9]{5}\b")
CLUSTER_IP = re.compile(r"\b10\.(?:9[6-9]|10[0-9]|11[01])\.\d{1,3}\.\d{1,3}\b")
SERIAL = re.compile(r"^[0-9a-f]{16,40}$")


@functools.cache
def lab(scenario: str) -> Cluster:
    """One seeded lab per scenario for the whole module (the commands only read it)."""
    cluster = new_cluster()
    clock = FakeClock(START)
    cluster.clock = clock
    cluster.logs._clock = clock  # istiod's log lines on the same clock
    seed(cluster, load_scenario(scenario))
    return cluster


def subject(cluster: Cluster) -> tuple[str, str]:
    """(pod, namespace) the pod transcripts are about."""
    pods = [p["metadata"] for p in cluster.list(cluster.kind("", "pods"))]
    for prefix in POD_PREFERENCE:
        for meta in sorted(pods, key=lambda m: (m["namespace"], m["name"])):
            if meta["name"].startswith(prefix):
                return str(meta["name"]), str(meta["namespace"])
    return NO_POD


def columns(header: str, padding_one: bool) -> list[int]:
    """Where the header's columns start: after two or more spaces (a title may hold one
    space, `SERVICE FQDN`), or after any space in the one-padded listener table."""
    gap = r"(?:(?<= )|^)\S" if padding_one else r"(?:(?<=  )|^)\S"
    return [m.start() for m in re.finditer(gap, header)]


def relayout(text: str, name: str) -> str:
    """Mask ClusterIPs and serial numbers cell by cell and lay the table out again with the
    widths of the masked cells and the table's own padding."""
    lines = text.split("\n")
    body, tail = lines[:-1], lines[-1]  # a table ends with a newline
    if not body or not body[0].strip():
        return text
    starts = columns(body[0], name == "pc-listener")
    rows = []
    for line in body:
        if any(s > 0 and len(line) > s and line[s - 1] != " " for s in starts):
            return text  # not laid out on the header's columns: leave it as it is
        edges = [*starts[1:], None]
        rows.append([line[a:b].rstrip() for a, b in zip(starts, edges, strict=True)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(starts))]
    padding = [starts[i + 1] - starts[i] - widths[i] for i in range(len(starts) - 1)]
    masked = [[mask_cell(cell) for cell in row] for row in rows]
    if name in SORTED_BY_ADDRESS:
        masked[1:] = by_port_then_address(rows[1:], masked[1:])
    new = [max(len(row[i]) for row in masked) for i in range(len(starts))]
    out = []
    for row in masked:
        cells = [cell.ljust(new[i] + padding[i]) for i, cell in enumerate(row[:-1])]
        out.append("".join(cells) + row[-1])
    return "\n".join([*out, tail])


def by_port_then_address(rows: list[list[str]], masked: list[list[str]]) -> list[list[str]]:
    """`pc listener` sorts by port, then address: among the rows of one port, those at a
    ClusterIP follow `0.0.0.0` in the order of their (random) IPs, so they are put in the
    order of their masked text instead; the others keep the tool's order."""
    ordered: list[list[str]] = []
    start = 0
    for end in range(1, len(rows) + 1):
        if end < len(rows) and rows[end][1] == rows[start][1]:
            continue
        group = list(zip(rows[start:end], masked[start:end], strict=True))
        ordered += [new for old, new in group if old == new]
        ordered += sorted(new for old, new in group if old != new)
        start = end
    return ordered


def mask_cell(cell: str) -> str:
    if SERIAL.match(cell):
        return "SERIAL"
    return CLUSTER_IP.sub("10.96.x.x", cell)


def normalise(text: str, name: str) -> str:
    text = POD_SUFFIX.sub("-hhhhhhhhhh-xxxxx", text)
    if name in TABLES:
        return relayout(text, name)
    return CLUSTER_IP.sub("10.96.x.x", text)


def transcript(scenario: str, name: str) -> str:
    cluster = lab(scenario)
    pod, namespace = subject(cluster)
    argv = [arg.format(pod=pod, namespace=namespace) for arg in COMMANDS[name]]
    code, out, err = run_istioctl(cluster, argv)
    command = f"$ istioctl {' '.join(argv)}" + (f"  # exit code {code}" if code else "")
    shown = f"{command}\n" + normalise(out, name) + normalise(err, "stderr")
    return POD_SUFFIX.sub("-hhhhhhhhhh-xxxxx", shown)


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("scenario", shipped_scenarios())
def test_transcript_matches_its_golden(scenario: str, name: str) -> None:
    path = GOLDENS / scenario / f"{name}.txt"
    text = transcript(scenario, name)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.is_file(), f"no golden for {scenario}: run with MESHCERT_UPDATE_GOLDENS=1"
    assert text == path.read_text()


def test_every_golden_belongs_to_a_shipped_scenario_and_command() -> None:
    found = {(p.parent.name, p.stem) for p in GOLDENS.glob("*/*.txt")}
    assert found == {(s, c) for s in shipped_scenarios() for c in COMMANDS}


def test_normalising_keeps_a_table_laid_out() -> None:
    """ClusterIPs of different lengths and a serial number: the masked table keeps its
    padding, its columns line up again, and rows keep the tool's order by port."""
    table = (
        "ADDRESSES      PORT  MATCH\n"
        "10.107.207.113 443   ALL\n"
        "0.0.0.0        80    ALL\n"
        "10.96.0.1      443   ALL\n"
    )
    assert relayout(table, "pc-listener") == (
        "ADDRESSES PORT  MATCH\n10.96.x.x 443   ALL\n0.0.0.0   80    ALL\n10.96.x.x 443   ALL\n"
    )
    secret = (
        "RESOURCE NAME     SERIAL NUMBER                       NOT AFTER\n"
        "default           16c00ecfacaae385529683a6415219c     2026-03-02T12:00:00Z\n"
    )
    assert relayout(secret, "pc-secret") == (
        "RESOURCE NAME     SERIAL NUMBER     NOT AFTER\n"
        "default           SERIAL            2026-03-02T12:00:00Z\n"
    )
