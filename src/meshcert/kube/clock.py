"""Time as the cluster sees it: a real clock, or a settable one for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


_last: tuple[datetime, str] | None = None


def timestamp(moment: datetime) -> str:
    """RFC 3339 as the API writes it: `2026-01-01T00:00:00Z`."""
    global _last
    last = _last  # one write makes many stamps of the same second: format it once
    if last is not None and last[0] == moment and last[0].tzinfo is moment.tzinfo:
        return last[1]
    text = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    _last = (moment, text)
    return text
