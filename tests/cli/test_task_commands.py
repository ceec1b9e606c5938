"""`meshcert tasks verify` and `meshcert tasks coverage`: what a content author runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from meshcert.cli.main import build_app
from meshcert.content.blueprints import load_blueprints
from meshcert.content.locations import CHECKOUT, ENV
from meshcert.content.tasks import load_tasks


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), ["tasks", *args])
    return result.exit_code, result.output


def test_coverage_json_maps_every_competency_to_its_task_count() -> None:
    code, out = run("coverage", "--json")
    assert code == 0
    counts = json.loads(out)
    assert list(counts) == list(load_blueprints()["ica-2025"].competencies)
    assert counts["Configuring Traffic Shifting"] >= 1
    assert counts["Configuring Authorization"] >= 1
    code, out = run("coverage", "--blueprint", "ica-2023", "--json")
    assert code == 0
    counts = json.loads(out)
    assert list(counts) == list(load_blueprints()["ica-2023"].competencies)
    tasks = load_tasks().values()
    assert counts["Traffic mirroring"] == sum(
        t.also_covers.get("ica-2023") == "Traffic mirroring" for t in tasks
    )


def test_coverage_table_and_unknown_blueprint() -> None:
    code, out = run("coverage")
    assert code == 0
    assert "Traffic Management (35%):" in out
    assert "competencies have none." in out
    code, out = run("coverage", "--blueprint", "cka")
    assert code == 1
    assert "no blueprint 'cka': use one of ica-2023, ica-2025" in out


def test_verify_one_task_and_an_unknown_one() -> None:
    code, out = run("verify", "troubleshoot-missing-subset", "--seeds", "2")
    assert code == 0, out
    assert out.startswith("ok   troubleshoot-missing-subset (2 seeds, ")
    code, out = run("verify", "no-such-task")
    assert code == 1
    assert "no task no-such-task" in out


def test_verify_reports_a_task_whose_solution_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(CHECKOUT, tmp_path / "content")
    task = tmp_path / "content" / "tasks" / "fault-injection-abort.yaml"
    task.write_text(task.read_text().replace("httpStatus: {{ code }}\n          percentage",
                                             "httpStatus: 500\n          percentage"))  # fmt: skip
    monkeypatch.setenv(ENV, str(tmp_path / "content"))
    code, out = run("verify", "fault-injection-abort", "--seeds", "1")
    assert code == 1
    assert out.startswith("FAIL fault-injection-abort")
    assert "seed 0 solution: 0/10: abort-configured: VirtualService ratings: " in out


def test_show_renders_the_task_for_a_seed() -> None:
    code, out = run("show", "traffic-shifting-weights", "--seed", "3", "--solution")
    assert code == 0, out
    values = load_tasks()["traffic-shifting-weights"].instantiate(3).values
    assert out.startswith("# Shift a share of the reviews traffic to a new version\n\n"
                          "Traffic Management / Configuring Traffic Shifting - easy, 4 min, "
                          "10 points, seed 3\n")  # fmt: skip
    assert f"**{values['stay']}%** to `v1` and **{values['weight']}%**" in out
    assert "- route-weights (5 points, main): No VirtualService for reviews" in out
    assert f"      weight: {values['weight']}\nEOF" in out
    assert "{{" not in out
    code, out = run("show", "nope")
    assert code == 1
    assert "no task nope" in out
