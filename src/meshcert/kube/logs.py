"""Container logs: what `kubectl logs` reads, kept per (namespace, pod, container).

Each container keeps its last 10,000 lines with the time they were written. `read` applies
`sinceSeconds` / `sinceTime`, then `tailLines`, then `limitBytes` (the kubelet's order) and can
prefix each line with its RFC 3339 timestamp in nanoseconds as the kubelet does
(`2026-01-01T00:00:00.000000000Z hello`). Subscribers see new lines as they are appended
(`kubectl logs -f`); `follow` reads and subscribes at once, so no line is lost or doubled.
`restart` keeps what a container wrote as its previous instance's log (`kubectl logs
--previous`) and starts an empty one. A pod's logs go when the pod is deleted.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from .clock import Clock, SystemClock

if TYPE_CHECKING:
    from .store import Store, WatchEvent

MAX_LINES = 10_000
LineCallback = Callable[[str], None]
Key = tuple[str, str, str]


def log_timestamp(moment: datetime) -> str:
    """RFC 3339 with nine fraction digits, as `kubectl logs --timestamps` shows."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{moment.microsecond:06d}000Z"


@dataclass(frozen=True)
class LogLine:
    when: datetime
    text: str

    def render(self, timestamps: bool = False) -> str:
        prefix = f"{log_timestamp(self.when)} " if timestamps else ""
        return f"{prefix}{self.text}\n"


@dataclass(frozen=True, eq=False)
class _Subscriber:
    callback: LineCallback
    timestamps: bool


class LogBook:
    """The logs of every container of a cluster. Thread-safe."""

    def __init__(
        self,
        store: Store | None = None,
        clock: Clock | None = None,
        max_lines: int = MAX_LINES,
    ) -> None:
        self.max_lines = max_lines
        self._clock = clock
        self._lock = threading.Lock()
        self._lines: dict[Key, deque[LogLine]] = {}
        self._previous: dict[Key, list[LogLine]] = {}
        self._subscribers: dict[Key, list[_Subscriber]] = {}
        if store is not None:
            store.subscribe(self._on_event)

    def now(self) -> datetime:
        # The system clock of the API drops microseconds; log lines keep them.
        if self._clock is None or isinstance(self._clock, SystemClock):
            return datetime.now(UTC)
        return self._clock.now()

    def append(
        self,
        namespace: str,
        pod: str,
        container: str,
        line: str,
        when: datetime | None = None,
    ) -> None:
        """Add a line (text with newlines adds one line each; a final newline adds none)."""
        moment = when or self.now()
        texts = (line[:-1] if line.endswith("\n") else line).split("\n")
        key = (namespace, pod, container)
        entries = [LogLine(moment, text.rstrip("\r")) for text in texts]
        with self._lock:
            book = self._lines.get(key)
            if book is None:
                book = self._lines[key] = deque(maxlen=self.max_lines)
            book.extend(entries)
            subscribers = list(self._subscribers.get(key, ()))
        for sub in subscribers:
            for entry in entries:
                sub.callback(entry.render(sub.timestamps))

    def lines(
        self, namespace: str, pod: str, container: str, *, previous: bool = False
    ) -> list[LogLine]:
        with self._lock:
            return self._entries((namespace, pod, container), previous)

    def _entries(self, key: Key, previous: bool) -> list[LogLine]:
        if previous:
            return list(self._previous.get(key, ()))
        return list(self._lines.get(key, ()))

    def has_previous(self, namespace: str, pod: str, container: str) -> bool:
        with self._lock:
            return (namespace, pod, container) in self._previous

    def restart(self, namespace: str, pod: str, container: str) -> None:
        """The container was restarted: its log so far becomes the previous instance's."""
        key = (namespace, pod, container)
        with self._lock:
            self._previous[key] = list(self._lines.get(key, ()))
            self._lines[key] = deque(maxlen=self.max_lines)

    def read(
        self,
        namespace: str,
        pod: str,
        container: str,
        *,
        tail: int | None = None,
        since_seconds: int | None = None,
        since_time: datetime | None = None,
        timestamps: bool = False,
        limit_bytes: int | None = None,
        previous: bool = False,
    ) -> str:
        """The log text, each line ending with a newline (`previous`: the instance before
        the last restart)."""
        entries = self.lines(namespace, pod, container, previous=previous)
        return self._render(entries, tail, since_seconds, since_time, timestamps, limit_bytes)

    def _render(
        self,
        entries: list[LogLine],
        tail: int | None,
        since_seconds: int | None,
        since_time: datetime | None,
        timestamps: bool,
        limit_bytes: int | None,
    ) -> str:
        if since_seconds is not None:
            since_time = self.now() - timedelta(seconds=since_seconds)
        if since_time is not None:
            entries = [e for e in entries if e.when >= since_time]
        if tail is not None and tail >= 0:
            entries = entries[len(entries) - tail :] if tail else []
        text = "".join(e.render(timestamps) for e in entries)
        if limit_bytes is not None and limit_bytes >= 0:
            text = text.encode()[:limit_bytes].decode("utf-8", "ignore")
        return text

    def follow(
        self,
        namespace: str,
        pod: str,
        container: str,
        callback: LineCallback,
        *,
        tail: int | None = None,
        since_seconds: int | None = None,
        since_time: datetime | None = None,
        timestamps: bool = False,
        limit_bytes: int | None = None,
    ) -> tuple[str, Callable[[], None]]:
        """`read` and `subscribe` at one instant: the text so far, and the function that
        stops `callback` from seeing the lines appended after it."""
        key = (namespace, pod, container)
        with self._lock:
            entries = self._entries(key, False)
            unsubscribe = self._subscribe(key, callback, timestamps)
        text = self._render(entries, tail, since_seconds, since_time, timestamps, limit_bytes)
        return text, unsubscribe

    def subscribe(
        self,
        namespace: str,
        pod: str,
        container: str,
        callback: LineCallback,
        *,
        timestamps: bool = False,
    ) -> Callable[[], None]:
        """Call `callback(line)` (ending with a newline) for every line appended from now on;
        returns the function that stops it."""
        with self._lock:
            return self._subscribe((namespace, pod, container), callback, timestamps)

    def _subscribe(self, key: Key, callback: LineCallback, timestamps: bool) -> Callable[[], None]:
        sub = _Subscriber(callback, timestamps)
        self._subscribers.setdefault(key, []).append(sub)

        def unsubscribe() -> None:
            with self._lock:
                subs = self._subscribers.get(key, [])
                if sub in subs:
                    subs.remove(sub)
                if not subs:
                    self._subscribers.pop(key, None)

        return unsubscribe

    def containers(self, namespace: str, pod: str) -> list[str]:
        with self._lock:
            return sorted(k[2] for k in self._lines if k[:2] == (namespace, pod))

    def forget(self, namespace: str, pod: str) -> None:
        """Drop the logs of every container of a pod."""
        with self._lock:
            for key in [k for k in self._lines if k[:2] == (namespace, pod)]:
                del self._lines[key]
            for key in [k for k in self._previous if k[:2] == (namespace, pod)]:
                del self._previous[key]

    def _on_event(self, event: WatchEvent) -> None:
        if event.type == "DELETED" and event.kind.key == ("", "pods"):
            self.forget(event.namespace, event.name)
