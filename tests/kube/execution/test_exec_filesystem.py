"""The in-memory file system of a container and the per-container collection."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from meshcert.kube.execution.filesystem import FileSystem, FileSystemError, FileSystems, normalize


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [
        ("/etc/hosts", "/", "/etc/hosts"),
        ("hosts", "/etc", "/etc/hosts"),
        ("../root/./x", "/etc", "/root/x"),
        ("../../..", "/a", "/"),
        ("a//b/", "/", "/a/b"),
    ],
)
def test_normalize(path: str, cwd: str, expected: str) -> None:
    assert normalize(path, cwd) == expected


def _tree() -> FileSystem:
    fs = FileSystem(capacity=32)
    fs.mkdir("/etc")
    fs.write("/etc/hosts", b"127.0.0.1")
    return fs


Operation = Callable[[FileSystem], object]


@pytest.mark.parametrize(
    ("operation", "path", "reason"),
    [
        pytest.param(
            lambda fs: fs.read("/nope"), "/nope", "No such file or directory", id="read-missing"
        ),
        pytest.param(lambda fs: fs.read("/etc"), "/etc", "Is a directory", id="read-directory"),
        pytest.param(
            lambda fs: fs.write("/x/y", b""),
            "/x/y",
            "No such file or directory",
            id="write-without-directory",
        ),
        pytest.param(
            lambda fs: fs.write("/etc/hosts/x", b""),
            "/etc/hosts/x",
            "Not a directory",
            id="write-under-a-file",
        ),
        pytest.param(
            lambda fs: fs.write("/etc", b""), "/etc", "Is a directory", id="write-directory"
        ),
        pytest.param(
            lambda fs: fs.write("/big", b"x" * 24),
            "/big",
            "No space left on device",
            id="write-past-capacity",
        ),
        pytest.param(
            lambda fs: fs.append("/etc/hosts", b"x" * 24),
            "/etc/hosts",
            "No space left on device",
            id="append-past-capacity",
        ),
        pytest.param(lambda fs: fs.mkdir("/etc"), "/etc", "File exists", id="mkdir-existing"),
        pytest.param(
            lambda fs: fs.mkdir("/a/b"),
            "/a/b",
            "No such file or directory",
            id="mkdir-without-parent",
        ),
        pytest.param(
            lambda fs: fs.remove("/nope"), "/nope", "No such file or directory", id="remove-missing"
        ),
        pytest.param(lambda fs: fs.remove("/etc"), "/etc", "Is a directory", id="remove-directory"),
        pytest.param(
            lambda fs: fs.rmdir("/etc"), "/etc", "Directory not empty", id="rmdir-not-empty"
        ),
        pytest.param(
            lambda fs: fs.listdir("/etc/hosts"), "/etc/hosts", "Not a directory", id="list-a-file"
        ),
    ],
)
def test_errors(operation: Operation, path: str, reason: str) -> None:
    fs = _tree()
    with pytest.raises(FileSystemError) as caught:
        operation(fs)
    assert (caught.value.path, caught.value.reason) == (path, reason)
    assert str(caught.value) == f"{path}: {reason}"


def test_reads_writes_and_listings() -> None:
    fs = _tree()
    fs.write("notes", b"a", "/etc")
    fs.append("/etc/notes", b"b")
    fs.mkdir("/var/log/app", parents=True)
    assert fs.read("/etc/notes") == b"ab"
    assert fs.listdir("/") == ["etc", "var"]
    assert fs.listdir("/etc") == ["hosts", "notes"]
    assert (fs.is_dir("/var/log"), fs.is_file("/var/log"), fs.exists("/var/log/app")) == (
        True,
        False,
        True,
    )
    assert fs.used == len(b"127.0.0.1ab")
    fs.write("/etc/notes", b"replaced")
    assert fs.used == len(b"127.0.0.1replaced")
    fs.remove("/var", recursive=True)
    fs.remove("/etc/notes")
    assert fs.listdir("/") == ["etc"]
    assert fs.used == len(b"127.0.0.1")


def test_file_systems_per_container_seeded_once() -> None:
    systems = FileSystems()
    seeded: list[str] = []

    def seed(fs: FileSystem) -> None:
        seeded.append("x")
        fs.write("/seed", b"1")

    first = systems.open("ns", "uid-1", "app", seed)
    assert systems.open("ns", "uid-1", "app", seed) is first
    assert systems.open("ns", "uid-1", "sidecar", seed) is not first
    assert seeded == ["x", "x"]
    systems.forget("uid-1")
    assert systems.get("ns", "uid-1", "app") is None
