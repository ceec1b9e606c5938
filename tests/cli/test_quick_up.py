"""Which command lines the Typer-free `lab up --detach` serves, and with which options."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshcert.cli.quick_up import parse_up


@pytest.fixture(autouse=True)
def _home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MESHCERT_HOME", str(tmp_path))


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["lab", "up", "--detach"], ("default", "base", None, False)),
        (["lab", "up", "--detach", "--port", "8443"], ("default", "base", 8443, False)),
        (["lab", "up", "--port=0", "--detach"], ("default", "base", 0, False)),
        (["lab", "up", "--detach", "--scenario", "x.yaml"], ("default", "x.yaml", None, False)),
        (["lab", "up", "--detach", "--resume"], ("default", "base", None, True)),
        (["lab", "up", "--detach", "--kubeconfig", "/k"], ("kc-", "base", None, False)),
    ],
    ids=["plain", "port", "port-equals", "scenario", "resume", "kubeconfig"],
)
def test_plain_detached_up_is_served_without_typer(
    argv: list[str], expected: tuple[str, str, int | None, bool]
) -> None:
    options = parse_up(argv)
    assert options is not None
    lab_id, scenario, port, resume = expected
    assert options.lab_id.startswith(lab_id)
    assert (options.scenario, options.port, options.resume) == (scenario, port, resume)


@pytest.mark.parametrize(
    "argv",
    [
        ["lab", "up"],
        ["lab", "down"],
        ["lab", "up", "--detach", "--help"],
        ["lab", "up", "--detach", "--port", "-1"],
        ["lab", "up", "--detach", "--port", "70000"],
        ["lab", "up", "--detach", "--port"],
        ["lab", "up", "--detach", "--port", "1", "--port", "2"],
        ["lab", "up", "--detach", "--resume", "--scenario", "base"],
        ["lab", "up", "--detach", "--unknown"],
        ["--verbose", "lab", "up", "--detach"],
        ["lab", "up", "--detach", "--kubeconfig="],
        ["lab", "up", "--detach", "--kubeconfig", "/"],
    ],
    ids=[
        "foreground",
        "down",
        "help",
        "negative-port",
        "port-too-big",
        "port-without-value",
        "port-twice",
        "resume-with-scenario",
        "unknown-option",
        "option-before-command",
        "empty-kubeconfig",
        "kubeconfig-is-a-directory",
    ],
)
def test_anything_else_waits_for_typer(argv: list[str]) -> None:
    assert parse_up(argv) is None
