"""The journal and snapshots bring a store back exactly, whatever a crash left behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.lab.errors import LabStateError
from meshcert.lab.journal import Journal, recover


def _cluster_with_namespace() -> Cluster:
    cluster = Cluster()
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "default"}})
    return cluster


def _configmap(name: str, value: str = "1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name},
        "data": {"v": value},
    }


def _journaled(tmp_path: Path, *, compact_after: int = 1000) -> tuple[Cluster, Journal]:
    cluster = _cluster_with_namespace()
    journal = Journal(
        tmp_path / "journal.jsonl", tmp_path / "snapshot.json", compact_after=compact_after
    )
    journal.snapshot(cluster.store.dump())
    journal.open()
    cluster.commit_listeners.append(journal.record)
    return cluster, journal


def _state(cluster: Cluster) -> tuple[int, list[tuple[str, str, Any]]]:
    objects = sorted(
        (kind.plural, obj["metadata"]["name"], obj) for kind, obj in cluster.store.items()
    )
    return cluster.store.resource_version, objects


def _restored(tmp_path: Path) -> Cluster:
    cluster = Cluster()
    recover(cluster.store, tmp_path / "journal.jsonl", tmp_path / "snapshot.json")
    return cluster


def _writes(cluster: Cluster) -> None:
    cms = cluster.kind("", "configmaps")
    for i in range(5):
        cluster.create(cms, _configmap(f"cm-{i}"), "default")
    cluster.update(cms, _configmap("cm-1", "changed"), "default", "cm-1")
    cluster.delete(cms, "default", "cm-2")
    with cluster.transaction():  # one request, several changes: one journal line
        cluster.create(cms, _configmap("cm-x"), "default")
        cluster.delete(cms, "default", "cm-3")


def test_replay_restores_objects_and_counter_exactly(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    journal.close()
    assert _state(_restored(tmp_path)) == _state(cluster)


def test_one_line_per_request(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    journal.close()
    lines = (tmp_path / "journal.jsonl").read_text().splitlines()
    assert [len(json.loads(line)["changes"]) for line in lines] == [1, 1, 1, 1, 1, 1, 1, 2]


@pytest.mark.parametrize(
    "tail",
    [b'{"changes":[{"ty', b"{", b"\x00\x00\x00", b'{"changes":[]}'],
    ids=["torn-json", "one-brace", "zero-bytes", "whole-entry-without-newline"],
)
def test_a_torn_last_line_is_ignored(tmp_path: Path, tail: bytes) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    journal.close()
    with (tmp_path / "journal.jsonl").open("ab") as f:
        f.write(tail)
    restored = Cluster()
    report = recover(restored.store, tmp_path / "journal.jsonl", tmp_path / "snapshot.json")
    assert report.torn_tail
    assert _state(restored) == _state(cluster)


def test_a_corrupt_line_before_the_end_is_an_error(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    journal.close()
    path = tmp_path / "journal.jsonl"
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([lines[0], b"not json\n", *lines[1:]]))
    with pytest.raises(LabStateError, match=r"journal.jsonl:2: corrupt journal entry"):
        recover(Cluster().store, path, tmp_path / "snapshot.json")


def test_snapshot_empties_the_journal_and_keeps_the_state(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    journal.snapshot(cluster.store.dump())
    assert (tmp_path / "journal.jsonl").read_bytes() == b""
    cluster.create(cluster.kind("", "configmaps"), _configmap("after"), "default")
    journal.close()
    assert _state(_restored(tmp_path)) == _state(cluster)


def test_crash_between_snapshot_and_truncation_replays_nothing_twice(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    journal.close()
    kept = (tmp_path / "journal.jsonl").read_bytes()
    journal.snapshot(cluster.store.dump())
    (tmp_path / "journal.jsonl").write_bytes(kept)  # the truncation never happened
    restored = Cluster()
    report = recover(restored.store, tmp_path / "journal.jsonl", tmp_path / "snapshot.json")
    assert report.replayed == 0
    assert _state(restored) == _state(cluster)


def test_journal_only_without_snapshot(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    journal.close()
    (tmp_path / "snapshot.json").unlink()
    restored = _restored(tmp_path)
    names = sorted(o["metadata"]["name"] for _, o in restored.store.items())
    assert names == ["cm-0", "cm-1", "cm-4", "cm-x"]  # the namespace came with the snapshot
    assert restored.store.resource_version == cluster.store.resource_version


def test_unknown_snapshot_format_is_refused(tmp_path: Path) -> None:
    (tmp_path / "snapshot.json").write_text('{"format": 99, "resourceVersion": 1, "objects": []}')
    with pytest.raises(LabStateError, match="unknown snapshot format 99"):
        recover(Cluster().store, tmp_path / "journal.jsonl", tmp_path / "snapshot.json")


def test_compaction_is_due_after_enough_changes(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path, compact_after=3)
    cms = cluster.kind("", "configmaps")
    cluster.create(cms, _configmap("a"), "default")
    cluster.create(cms, _configmap("b"), "default")
    assert not journal.due
    cluster.create(cms, _configmap("c"), "default")
    assert journal.due
    journal.snapshot(cluster.store.dump())
    assert not journal.due
    journal.close()


def test_record_on_a_closed_journal_fails_loudly(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    journal.close()
    with pytest.raises(LabStateError, match="closed"):
        cluster.create(cluster.kind("", "configmaps"), _configmap("lost"), "default")


def test_a_crash_with_the_zeros_written_ahead_loses_nothing(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    crashed = (tmp_path / "journal.jsonl").read_bytes()  # as a crash leaves it: never closed
    assert crashed.endswith(b"\0")
    journal.close()
    assert (tmp_path / "journal.jsonl").read_bytes() == crashed.rstrip(b"\0")
    (tmp_path / "journal.jsonl").write_bytes(crashed)
    restored = Cluster()
    report = recover(restored.store, tmp_path / "journal.jsonl", tmp_path / "snapshot.json")
    assert report.replayed == 9
    assert _state(restored) == _state(cluster)


def test_a_line_torn_with_a_hole_of_zeros_is_ignored(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    journal.close()
    path = tmp_path / "journal.jsonl"
    whole = path.read_bytes()
    torn = b'{"changes":[{"type":"ADDED"' + b"\0" * 4096 + b'"name":"late"}}]}\n'
    path.write_bytes(whole + torn + b"\0" * 4096)  # the line's later page reached the disk
    restored = Cluster()
    report = recover(restored.store, path, tmp_path / "snapshot.json")
    assert report.torn_tail
    assert _state(restored) == _state(cluster)


def test_writes_go_on_after_the_zeros_when_reopened(tmp_path: Path) -> None:
    cluster, journal = _journaled(tmp_path)
    _writes(cluster)
    path = tmp_path / "journal.jsonl"
    crashed = path.read_bytes()
    journal.close()
    path.write_bytes(crashed)  # reopened after a crash, before any checkpoint
    journal.open()
    cluster.create(cluster.kind("", "configmaps"), _configmap("after"), "default")
    journal.close()
    lines = path.read_bytes().splitlines()
    assert len(lines) == 9
    assert b"\0" not in path.read_bytes()
    assert _state(_restored(tmp_path)) == _state(cluster)


def test_an_object_changed_several_times_in_one_request_is_journaled_once(
    tmp_path: Path,
) -> None:
    cluster, journal = _journaled(tmp_path)
    cms = cluster.kind("", "configmaps")
    with cluster.transaction():  # one request: four changes of cm-a, one of cm-b
        cluster.create(cms, _configmap("cm-a", "1"), "default")
        cluster.update(cms, _configmap("cm-a", "2"), "default", "cm-a")
        cluster.create(cms, _configmap("cm-b"), "default")
        cluster.delete(cms, "default", "cm-a")
        cluster.create(cms, _configmap("cm-a", "3"), "default")
    journal.close()
    lines = (tmp_path / "journal.jsonl").read_text().splitlines()
    changes = json.loads(lines[0])["changes"]
    assert [(c["type"], c["object"]["metadata"]["name"]) for c in changes] == [
        ("ADDED", "cm-b"),
        ("ADDED", "cm-a"),
    ]
    restored = _restored(tmp_path)
    assert _state(restored) == _state(cluster)
    assert restored.store.resource_version == cluster.store.resource_version


def test_any_json_value_comes_back_exactly_after_a_snapshot_and_a_replay(tmp_path: Path) -> None:
    # Integers past 64 bits, floats, unicode and escapes: what a custom resource may hold.
    # (The journal's fast encoder refuses the big integer; that line is written another way.)
    cluster, journal = _journaled(tmp_path)
    cms = cluster.kind("", "configmaps")
    odd = {
        "big": 2**70,
        "negative": -(2**64),
        "float": 0.1,
        "tiny": 5e-324,
        "large": 1e300,
        "text": 'é ✓ "quoted" \\ \n\t\u2028 \U0001f600',
        "nested": [[], {}, None, True, False, 0],
    }
    cluster.create(cms, {**_configmap("before"), "odd": odd}, "default")
    journal.snapshot(cluster.store.dump())
    cluster.create(cms, {**_configmap("after"), "odd": odd}, "default")
    journal.close()
    restored = _restored(tmp_path)
    assert _state(restored) == _state(cluster)
    for name in ("before", "after"):
        assert restored.get(cms, "default", name)["odd"] == odd
