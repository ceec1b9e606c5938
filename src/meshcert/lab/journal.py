"""A lab's durable state: an append-only journal of committed changes plus periodic snapshots.

Every accepted request ends in one commit (the cluster's commit listeners get all the changes
of that request before the API answers); `Journal.record` appends them as JSON lines and syncs
the file once, so an acknowledged change is on disk. `Journal.snapshot` writes the whole store
atomically (temp file + rename) and then empties the journal. `recover` loads the snapshot and
replays the journal; a torn last line (a crash mid-write, never acknowledged) is ignored.

The file is zero-filled ahead of the lines (`PREALLOCATE` bytes at a time, as database logs
do): a line is written over zeros already on disk, so its `fdatasync` writes the data only, not
a new file size (half the cost on ext4). JSON lines never contain a NUL byte, so the lines end
at the first one; `close` cuts the zeros off again.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meshcert.kube import json_bytes
from meshcert.kube.store import Store, WatchEvent

from .errors import LabStateError
from .state import fsync_dir, write_atomic

FORMAT = 1
# Snapshot (and empty the journal) once it holds this many changes.
COMPACT_AFTER = 2000
# Zeros written ahead of the journal's lines (see the module docstring).
PREALLOCATE = 1 << 20

_sync = getattr(os, "fdatasync", os.fsync)


def encode_change(event: WatchEvent) -> dict[str, Any]:
    return {
        "type": event.type,
        "group": event.kind.group,
        "plural": event.kind.plural,
        "object": event.object,
    }


def encode_commit(events: list[WatchEvent]) -> bytes:
    """One journal line: the changes of one request, so a replay applies all or none.

    A line is replayed whole, so of an object changed several times in one request (a new
    Deployment is written five times while its controllers settle) only the last change is
    kept: the objects after the replay, and the counter (the last change has the highest
    resourceVersion), come out the same.
    """
    last: dict[tuple[str, str, str, str], int] = {}
    for index, event in enumerate(events):
        meta = event.object["metadata"]
        last[(*event.kind.key, str(meta.get("namespace", "")), str(meta["name"]))] = index
    kept = sorted(last.values())
    line = {"changes": [encode_change(events[i]) for i in kept]}
    return json_bytes.dumps(line) + b"\n"


class Journal:
    """The append-only change log of one lab, with its snapshot beside it."""

    def __init__(self, journal: Path, snapshot: Path, *, compact_after: int = COMPACT_AFTER):
        self.path = journal
        self.snapshot_path = snapshot
        self.compact_after = compact_after
        self.entries = 0  # changes in the journal since the last snapshot
        self._fd: int | None = None
        self._end = 0  # where the next line goes: the zeros written ahead start here
        self._size = 0  # the file's size: lines and the zeros after them

    def open(self) -> None:
        if self._fd is None:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                self._size = os.fstat(fd).st_size
                self._end = _lines_end(os.pread(fd, self._size, 0)) if self._size else 0
            except OSError:
                os.close(fd)
                raise
            self._fd = fd
            fsync_dir(self.path.parent)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):  # the zeros ahead are harmless if this fails
                os.ftruncate(self._fd, self._end)
            os.close(self._fd)
            self._fd = None

    @property
    def due(self) -> bool:
        """Whether the journal has grown enough to be folded into a snapshot."""
        return self.entries >= self.compact_after

    def record(self, events: list[WatchEvent]) -> None:
        """Append the changes of one request as one line and sync it to disk."""
        if not events:
            return
        data = encode_commit(events)
        fd = self._fd
        if fd is None:
            raise LabStateError(f"the journal {self.path} is closed")
        end = self._end
        try:
            if end + len(data) > self._size:  # zeros ahead, synced with this line
                size = end + len(data) + PREALLOCATE
                _write_at(fd, bytes(size - self._size), self._size)
                self._size = size
            _write_at(fd, data, end)
            _sync(fd)
        except OSError as exc:
            # Leave no partial line behind for the next request's line to be glued to.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, end)
                self._size = end
            raise LabStateError(f"cannot save the change to {self.path}: {exc.strerror}") from exc
        self._end = end + len(data)
        self.entries += len(events)

    def snapshot(self, dump: dict[str, Any]) -> None:
        """Save `dump` (a `Store.dump()`) atomically, then empty the journal."""
        body = {"format": FORMAT, **dump}
        write_atomic(self.snapshot_path, json_bytes.dumps(body))
        # A crash between the rename and the truncation is harmless: replay skips changes
        # the snapshot already holds (by resourceVersion).
        fd = self._fd
        if fd is None:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.ftruncate(fd, 0)
            _sync(fd)
        finally:
            if fd != self._fd:
                os.close(fd)
        self._end = self._size = 0
        self.entries = 0


def _write_at(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _lines_end(raw: bytes) -> int:
    """Where the journal's lines end: at the first zero byte (the space written ahead)."""
    zero = raw.find(b"\0")
    return len(raw) if zero < 0 else zero


@dataclass(frozen=True)
class Recovery:
    """What `recover` found: the snapshot's counter, changes replayed, and whether bytes after
    the last whole line were dropped (a torn write, or zeros written ahead before a crash)."""

    snapshot_version: int
    replayed: int
    torn_tail: bool


def recover(store: Store, journal: Path, snapshot: Path) -> Recovery:
    """Restore `store` from the snapshot and the journal (objects and the counter, exactly)."""
    base = 0
    if snapshot.exists():
        try:
            data = json_bytes.loads(snapshot.read_bytes())
        except (OSError, ValueError) as exc:
            raise LabStateError(f"cannot read the lab snapshot {snapshot}: {exc}") from exc
        if data.get("format") != FORMAT:
            raise LabStateError(f"{snapshot}: unknown snapshot format {data.get('format')!r}")
        store.load(data)
        base = store.resource_version
    try:
        raw = journal.read_bytes() if journal.exists() else b""
    except OSError as exc:
        raise LabStateError(f"cannot read the lab journal {journal}: {exc.strerror}") from exc
    # The lines end at the first zero byte (the space written ahead; a crash mid-write may
    # leave a line with zeros in it too). Bytes after the last newline are a line that was
    # never synced whole: a torn write of a request that was never acknowledged.
    end = _lines_end(raw)
    lines = raw[:end].split(b"\n")
    torn = bool(lines[-1]) or end < len(raw)
    replayed = 0
    for number, line in enumerate(lines[:-1], start=1):
        if not line.strip():
            continue
        try:
            changes = [
                (c["group"], c["plural"], c["type"], c["object"])
                for c in json_bytes.loads(line)["changes"]
            ]
            versions = [int(c[3]["metadata"]["resourceVersion"]) for c in changes]
        except (ValueError, KeyError, TypeError) as exc:
            raise LabStateError(f"{journal}:{number}: corrupt journal entry ({exc})") from exc
        for (group, plural, type_, obj), version in zip(changes, versions, strict=True):
            if version > base:
                store.apply_event(group, plural, type_, obj)
                replayed += 1
    return Recovery(base, replayed, torn)


__all__ = ["COMPACT_AFTER", "Journal", "Recovery", "encode_commit", "recover"]
