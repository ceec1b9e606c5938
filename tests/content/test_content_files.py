"""The schema and lint test over every file in content/, and the blueprints' facts
(ICA-CURRICULUM.md: the 2025 curriculum's 4 domains 20/35/25/20 and 17 competencies, 15-20
tasks, 2 hours, 68%; the 2023 curriculum's 5 domains 7/40/20/20/13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshcert.content.blueprints import load_blueprints
from meshcert.content.coverage import coverage
from meshcert.content.lint import lint_content
from meshcert.content.locations import CHECKOUT, content_root
from meshcert.content.tasks import load_tasks


def test_every_content_file_is_valid() -> None:
    assert lint_content() == []


def test_content_is_found_in_the_checkout() -> None:
    assert content_root() == CHECKOUT
    assert sorted(p.name for p in (CHECKOUT / "blueprints").iterdir()) == [
        "ica-2023.yaml",
        "ica-2025.yaml",
    ]


def test_ica_2025_blueprint() -> None:
    blueprint = load_blueprints()["ica-2025"]
    assert [(d.name, d.weight, len(d.competencies)) for d in blueprint.domains] == [
        ("Installation, Upgrades, and Configuration", 20, 4),
        ("Traffic Management", 35, 7),
        ("Securing Workloads", 25, 3),
        ("Troubleshooting", 20, 3),
    ]
    assert len(blueprint.competencies) == 17
    resilience = (
        "Using Resilience Features (circuit breaking, failover, outlier detection, timeouts, "
        "retries)"
    )
    assert resilience in blueprint.competencies
    assert (blueprint.minutes, blueprint.pass_mark) == (120, 68)
    assert (blueprint.tasks.min, blueprint.tasks.max) == (15, 20)


def test_ica_2023_blueprint() -> None:
    blueprint = load_blueprints()["ica-2023"]
    assert [(d.name, d.weight) for d in blueprint.domains] == [
        ("Istio Installation, Upgrade & Configuration", 7),
        ("Traffic Management", 40),
        ("Resilience and Fault Injection", 20),
        ("Securing Workloads", 20),
        ("Advanced Scenarios", 13),
    ]
    assert "Traffic mirroring" in blueprint.competencies


def test_sample_tasks_span_the_domains() -> None:
    tasks = load_tasks()
    counts = coverage(load_blueprints()["ica-2025"], tasks.values())
    assert counts["Configuring Traffic Shifting"] >= 1
    assert counts["Configuring Authorization"] >= 1
    assert counts["Troubleshooting Configuration"] >= 1
    assert sum(counts.values()) == len(tasks)


BAD_TASK = """\
id: {id}
title: A task with problems
domain: Traffic Management
competency: Configuring Traffic Shifting
points: 7
difficulty: easy
minutes: 3
links: [https://istio.io/latest/docs/tasks/traffic-management/traffic-shifting/]
parameters:
  unused: {{choices: [a, b]}}
scenario: {{base: no-such-scenario}}
prompt: "Do the thing with {{{{ missing }}}}."
checks:
  - {{id: a, type: resource, points: 5, message: m, apiVersion: v1, kind: Service, name: x}}
solution: "kubectl apply -f - <<EOF"
explanation: An explanation of the answer.
"""


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_lint_reports_each_problem_with_its_file(tmp_path: Path) -> None:
    blueprint = (CHECKOUT / "blueprints/ica-2025.yaml").read_text()
    _write(tmp_path, "blueprints/ica-2025.yaml", blueprint)
    _write(tmp_path, "tasks/bad.yaml", BAD_TASK.format(id="bad"))
    _write(tmp_path, "tasks/named.yaml", BAD_TASK.format(id="other"))
    _write(tmp_path, "notes.txt", "hello")
    problems = lint_content(tmp_path)
    assert "notes.txt: not a blueprint or task file (.yaml under blueprints or tasks)" in problems
    assert "tasks/named.yaml: id 'other' differs from the file name" in problems
    bad = sorted(p.removeprefix("tasks/bad.yaml: ") for p in problems
                 if p.startswith("tasks/bad.yaml"))  # fmt: skip
    assert bad == sorted([
        "scenario base 'no-such-scenario' is not a shipped scenario",
        "placeholder {{ missing }} names no parameter",
        "parameter 'unused' is never used",
        "no check is marked main: true",
        "solution: line 1: here-document EOF never ends",
        "task bad (seed 0): unknown parameter 'missing' in {{ missing }}",
    ])  # fmt: skip


def test_lint_reads_the_rendered_manifests(tmp_path: Path) -> None:
    for name in ("ica-2025.yaml", "ica-2023.yaml"):
        _write(tmp_path, f"blueprints/{name}", (CHECKOUT / "blueprints" / name).read_text())
    task = (CHECKOUT / "tasks/troubleshoot-missing-subset.yaml").read_text()
    broken = task.replace("    kind: VirtualService\n", "    kind: VirtualService\n    - x\n", 1)
    _write(tmp_path, "tasks/troubleshoot-missing-subset.yaml", broken)
    problems = lint_content(tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith(
        "tasks/troubleshoot-missing-subset.yaml: scenario manifests: not valid YAML"
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("weight: 20\n", "weight: 25\n"), "domain weights add up to 105, not 100"),
        (("passMark: 68", "passMark: 168"), "less than or equal to 100"),
        (("      - Configuring Authorization\n", "      - Configuring Traffic Shifting\n"),
         "a competency is listed twice"),
    ],
    ids=["weights", "pass-mark", "twice"],
)  # fmt: skip
def test_blueprint_schema(tmp_path: Path, change: tuple[str, str], problem: str) -> None:
    text = (CHECKOUT / "blueprints/ica-2025.yaml").read_text().replace(*change, 1)
    _write(tmp_path, "blueprints/ica-2025.yaml", text)
    problems = lint_content(tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("blueprints/ica-2025.yaml: 1 validation error for Blueprint")
    assert problem in problems[0]
