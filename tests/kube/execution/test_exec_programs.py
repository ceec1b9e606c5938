"""The program registry: names, image patterns, paths."""

from __future__ import annotations

import pytest

from meshcert.kube.execution import ExecContext, ProgramRegistry, shipped_programs
from meshcert.kube.execution.programs import program_name


def one(ctx: ExecContext) -> int:
    return 1


def two(ctx: ExecContext) -> int:
    return 2


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("docker.io/istio/proxyv2:1.26.0", two),
        ("gcr.io/istio-release/proxyv2:1.26.0", one),
        ("", one),
    ],
    ids=["pattern-matches", "pattern-does-not-match", "no-image"],
)
def test_lookup_by_image(image: str, expected: object) -> None:
    registry = ProgramRegistry()
    registry.register("tool", one)
    registry.register("tool", two, images=("docker.io/istio/*",))
    assert registry.lookup("tool", image) is expected


def test_image_only_program_is_absent_elsewhere() -> None:
    registry = ProgramRegistry()
    registry.register("istioctl", one, images=("*istioctl*",))
    assert registry.lookup("istioctl", "busybox") is None
    assert registry.names("busybox") == []
    assert registry.names("istio/istioctl:1.26") == ["istioctl"]


@pytest.mark.parametrize(
    ("argv0", "name"),
    [
        ("curl", "curl"),
        ("/usr/bin/curl", "curl"),
        ("/bin/../bin/sh", "sh"),
        ("/opt/curl", None),
        ("./curl", None),
    ],
)
def test_program_name(argv0: str, name: str | None) -> None:
    assert program_name(argv0) == name


def test_shipped_programs() -> None:
    names = shipped_programs().names()
    for expected in (
        "sh",
        "bash",
        "echo",
        "cat",
        "env",
        "hostname",
        "sleep",
        "seq",
        "grep",
        "head",
        "tail",
        "wc",
        "sort",
        "uniq",
        "cut",
        "tr",
        "tee",
        "test",
        "[",
        "printf",
        "true",
        "false",
        "date",
        "ls",
        "mkdir",
        "rm",
        "touch",
        "pwd",
    ):
        assert expected in names
    assert not {"cd", "export", "exit"} & set(names)


def test_copy_is_independent() -> None:
    registry = ProgramRegistry()
    registry.register("a", one)
    copied = registry.copy()
    copied.register("a", two)
    assert (registry.lookup("a"), copied.lookup("a")) == (one, two)
