"""The floor of a server's share: the lab's answers replayed with no API work.

`Recording` wraps the lab's app and keeps the answer to every plain call; `Replay` answers the
same calls, in the same order, with those answers, from the same serving stack (uvicorn's
protocol with the lab's plain-call path, uvloop, TLS, the lab's certificate) and, as the lab's
journal does, one `fdatasync` per accepted write before the answer. What a `kubectl apply`
costs such a server is what any server built on this stack pays on this machine before doing
any work of its own: TLS, HTTP, system calls, waking kubectl, making each write durable.
"""

from __future__ import annotations

import os
from collections import deque
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from meshcert.kube.apiserver.plain import PlainAnswer, PlainRequest

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREALLOCATE = 1 << 20  # as the lab's journal (meshcert.lab.journal.PREALLOCATE)
Key = tuple[str, str, tuple[tuple[str, str], ...]]
Answers = dict[Key, deque[PlainAnswer]]


def _key(request: PlainRequest) -> Key:
    return request.method, request.path, tuple(sorted(request.query.items()))


class Recording:
    """The lab's app, keeping each plain call's answer in `answers` (under its method, path and
    query, in order) until `take()`."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.answers: dict[Key, deque[PlainAnswer]] = {}

    def is_plain(self, method: str, path: str, query_string: bytes, content_length: str) -> bool:
        return bool(self.app.is_plain(method, path, query_string, content_length))

    def answer(self, request: PlainRequest) -> PlainAnswer:
        answer: PlainAnswer = self.app.answer(request)
        self.answers.setdefault(_key(request), deque()).append(answer)
        return answer

    def take(self) -> dict[Key, deque[PlainAnswer]]:
        answers, self.answers = self.answers, {}
        return answers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class Replay:
    """Answers plain calls with recorded answers (`load`), each write made durable first
    (appended to `journal` and `fdatasync`ed) unless `durable` is false."""

    def __init__(self, journal: Path, *, durable: bool = True) -> None:
        self.answers: dict[Key, deque[PlainAnswer]] = {}
        self.durable = durable
        # Written as the lab's journal is: over zeros written (and synced) ahead, so that a
        # sync has only the data to write, not the file's growing size.
        self._fd = os.open(journal, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        os.pwrite(self._fd, bytes(PREALLOCATE), 0)
        os.fsync(self._fd)
        self._end = 0

    def load(self, answers: dict[Key, deque[PlainAnswer]]) -> None:
        self.answers = {key: deque(found) for key, found in answers.items()}

    def is_plain(self, method: str, path: str, query_string: bytes, content_length: str) -> bool:
        return True

    def answer(self, request: PlainRequest) -> PlainAnswer:
        found = self.answers.get(_key(request))
        if not found:
            raise RuntimeError(f"no recorded answer for {request.method} {request.path}")
        if request.method in WRITES:
            line = request.body + b"\n"
            if self._end + len(line) > PREALLOCATE:
                self._end = 0
            os.pwrite(self._fd, line, self._end)
            self._end += len(line)
            if self.durable:
                os.fdatasync(self._fd)
        return found.popleft()

    def close(self) -> None:
        os.close(self._fd)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError(f"the replay serves plain calls only, not {scope.get('path')}")
