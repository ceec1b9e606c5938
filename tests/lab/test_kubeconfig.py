"""A lab's kubeconfig entries merge into a file and leave again without touching the rest."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from meshcert.lab import kubeconfig
from meshcert.lab.errors import LabStateError
from meshcert.lab.kubeconfig import KubeconfigEntry

ENTRY = KubeconfigEntry("meshcert", "https://127.0.0.1:6443", b"CA PEM\n", "tok")

OTHER: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "prod", "cluster": {"server": "https://prod.example:6443"}}],
    "users": [{"name": "admin", "user": {"token": "secret"}}],
    "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "admin"}}],
    "current-context": "prod",
    "preferences": {"colors": True},
}


def _names(config: dict[str, Any], section: str) -> list[str]:
    return [item["name"] for item in config[section]]


def test_new_file_holds_one_current_entry(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "kubeconfig"
    kubeconfig.add_entry(path, ENTRY)
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "meshcert"
    assert config["clusters"] == [
        {
            "name": "meshcert",
            "cluster": {
                "server": "https://127.0.0.1:6443",
                "certificate-authority-data": base64.b64encode(b"CA PEM\n").decode(),
            },
        }
    ]
    assert config["users"] == [{"name": "meshcert", "user": {"token": "tok"}}]
    assert config["contexts"] == [
        {"name": "meshcert", "context": {"cluster": "meshcert", "user": "meshcert"}}
    ]
    assert path.stat().st_mode & 0o777 == 0o600


def test_merge_keeps_other_entries_and_replaces_its_own(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(OTHER))
    kubeconfig.add_entry(path, ENTRY)
    kubeconfig.add_entry(path, KubeconfigEntry("meshcert", "https://127.0.0.1:7000", b"X", "t2"))
    config = yaml.safe_load(path.read_text())
    assert _names(config, "clusters") == ["prod", "meshcert"]
    assert _names(config, "users") == ["admin", "meshcert"]
    assert config["clusters"][1]["cluster"]["server"] == "https://127.0.0.1:7000"
    assert config["current-context"] == "meshcert"
    assert config["preferences"] == {"colors": True}


def test_remove_takes_only_its_own_entries(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(OTHER))
    kubeconfig.add_entry(path, ENTRY)
    assert kubeconfig.remove_entry(path)
    config = yaml.safe_load(path.read_text())
    assert {k: config[k] for k in ("clusters", "users", "contexts")} == {
        k: OTHER[k] for k in ("clusters", "users", "contexts")
    }
    assert config["current-context"] == ""
    assert not kubeconfig.remove_entry(path)


def test_remove_deletes_a_file_left_empty(tmp_path: Path) -> None:
    path = tmp_path / "config"
    kubeconfig.add_entry(path, ENTRY)
    assert kubeconfig.remove_entry(path)
    assert not path.exists()
    assert not kubeconfig.remove_entry(path)


def test_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.write_text(yaml.safe_dump(OTHER))
    link = tmp_path / "link"
    link.symlink_to(real)
    kubeconfig.add_entry(link, ENTRY)
    assert link.is_symlink()
    assert _names(yaml.safe_load(real.read_text()), "contexts") == ["prod", "meshcert"]


@pytest.mark.parametrize(
    ("text", "message"),
    [("a: [", "is not valid YAML"), ("- 1\n- 2\n", "not a mapping")],
    ids=["broken-yaml", "a-list"],
)
def test_unreadable_kubeconfig_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(LabStateError, match=message):
        kubeconfig.add_entry(path, ENTRY)
    assert path.read_text() == text


def test_empty_file_is_an_empty_kubeconfig(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("")
    kubeconfig.add_entry(path, ENTRY)
    assert yaml.safe_load(path.read_text())["current-context"] == "meshcert"
