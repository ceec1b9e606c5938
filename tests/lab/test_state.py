"""Lab files: where they live, how they are written, and who holds a lab."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from meshcert.lab.errors import LabStateError
from meshcert.lab.state import (
    LabFiles,
    check_lab_id,
    default_kubeconfig,
    lab_id_for_kubeconfig,
    meshcert_home,
    write_atomic,
)


def test_home_comes_from_meshcert_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MESHCERT_HOME", str(tmp_path / "mh"))
    assert meshcert_home() == tmp_path / "mh"
    assert LabFiles.of("default").dir == tmp_path / "mh" / "labs" / "default"
    monkeypatch.delenv("MESHCERT_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert meshcert_home() == tmp_path / ".meshcert"


def test_one_lab_per_kubeconfig_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert lab_id_for_kubeconfig(default_kubeconfig(home), home) == "default"
    a = lab_id_for_kubeconfig(tmp_path / "a", home)
    assert a == lab_id_for_kubeconfig(tmp_path / "x" / ".." / "a", home)
    assert a != lab_id_for_kubeconfig(tmp_path / "b", home)
    assert check_lab_id(a) == a


@pytest.mark.parametrize("lab_id", ["", "UPPER", "-dash", "dash-", "a/b", "..", "x" * 64], ids=repr)
def test_bad_lab_ids_are_refused(lab_id: str) -> None:
    with pytest.raises(LabStateError, match="invalid lab id"):
        check_lab_id(lab_id)


def test_write_atomic_is_private_and_leaves_no_temp_file(tmp_path: Path) -> None:
    path = tmp_path / "token"
    write_atomic(path, b"one")
    write_atomic(path, b"two")
    assert path.read_bytes() == b"two"
    assert path.stat().st_mode & 0o777 == 0o600
    assert os.listdir(tmp_path) == ["token"]


def test_the_lock_says_whether_a_process_serves_the_lab(tmp_path: Path) -> None:
    files = LabFiles.of("lab-1", tmp_path)
    assert not files.running()
    lock = files.take_lock()
    assert lock is not None
    # Another process sees it taken (flock is per open file, so ask from outside).
    probe = (
        "import sys; from pathlib import Path; from meshcert.lab.state import LabFiles; "
        "sys.exit(0 if LabFiles.of('lab-1', Path(sys.argv[1])).running() else 1)"
    )
    assert subprocess.run([sys.executable, "-c", probe, str(tmp_path)]).returncode == 0
    assert files.take_lock() is None
    lock.close()
    assert subprocess.run([sys.executable, "-c", probe, str(tmp_path)]).returncode == 1
    assert not files.running()


def test_a_lab_exists_once_it_has_a_token(tmp_path: Path) -> None:
    files = LabFiles.of("lab-2", tmp_path)
    files.make()
    assert not files.exists()
    files.write(files.token, "t\n")
    assert files.exists()
    assert files.read(files.token) == "t"
    files.remove()
    assert not files.dir.exists()
