"""Container logs as `kubectl logs` reads them: tail, since, timestamps, follow, bounds."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from meshcert.kube.clock import FakeClock
from meshcert.kube.cluster import Cluster
from meshcert.kube.logs import LogBook, log_timestamp

START = datetime(2026, 1, 1, tzinfo=UTC)


def _book() -> tuple[LogBook, FakeClock]:
    clock = FakeClock(START)
    book = LogBook(clock=clock)
    for i in range(5):
        book.append("default", "web", "app", f"line {i}", START + timedelta(seconds=10 * i))
    clock.advance(40)
    return book, clock


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "line 0\nline 1\nline 2\nline 3\nline 4\n"),
        ({"tail": 2}, "line 3\nline 4\n"),
        ({"tail": 0}, ""),
        ({"tail": 99}, "line 0\nline 1\nline 2\nline 3\nline 4\n"),
        ({"since_seconds": 15}, "line 3\nline 4\n"),
        ({"since_seconds": 15, "tail": 1}, "line 4\n"),
        ({"since_time": START + timedelta(seconds=20)}, "line 2\nline 3\nline 4\n"),
        ({"tail": 1, "timestamps": True}, "2026-01-01T00:00:40.000000000Z line 4\n"),
        ({"limit_bytes": 10}, "line 0\nlin"),
    ],
    ids=[
        "all",
        "tail",
        "tail-zero",
        "tail-more-than-all",
        "since",
        "since-then-tail",
        "since-time",
        "timestamps",
        "limit-bytes",
    ],
)
def test_read(options: dict[str, object], expected: str) -> None:
    book, _ = _book()
    assert book.read("default", "web", "app", **options) == expected  # type: ignore[arg-type]


def test_unknown_container_has_no_logs() -> None:
    assert LogBook().read("default", "nope", "app") == ""


def test_multi_line_text_is_one_line_each() -> None:
    book = LogBook()
    book.append("ns", "p", "c", "a\nb\n")
    book.append("ns", "p", "c", "")
    assert book.read("ns", "p", "c") == "a\nb\n\n"


def test_timestamps_keep_nanosecond_width() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
    assert log_timestamp(moment) == "2026-03-04T05:06:07.123456000Z"


def test_real_clock_keeps_sub_second_times() -> None:
    book = LogBook()
    book.append("ns", "p", "c", "x")
    assert abs(book.lines("ns", "p", "c")[0].when - datetime.now(UTC)) < timedelta(seconds=5)


def test_bounded_per_container() -> None:
    book = LogBook(max_lines=3)
    for i in range(5):
        book.append("ns", "p", "c", str(i))
    book.append("ns", "p", "other", "x")
    assert book.read("ns", "p", "c") == "2\n3\n4\n"
    assert book.containers("ns", "p") == ["c", "other"]


def test_subscribers_follow_new_lines() -> None:
    book, _ = _book()
    plain: list[str] = []
    stamped: list[str] = []
    stop = book.subscribe("default", "web", "app", plain.append)
    book.subscribe("default", "web", "app", stamped.append, timestamps=True)
    book.append("default", "web", "app", "new\nlines", START)
    book.append("default", "web", "other", "elsewhere")
    stop()
    book.append("default", "web", "app", "after")
    assert plain == ["new\n", "lines\n"]
    assert stamped[:2] == [
        "2026-01-01T00:00:00.000000000Z new\n",
        "2026-01-01T00:00:00.000000000Z lines\n",
    ]
    assert stamped[2] == "2026-01-01T00:00:40.000000000Z after\n"


def test_logs_go_with_the_pod() -> None:
    cluster = Cluster(clock=FakeClock())
    cluster.create(cluster.kind("", "namespaces"), {"metadata": {"name": "default"}})
    pods = cluster.kind("", "pods")
    pod = {"metadata": {"name": "web"}, "spec": {"containers": [{"name": "app", "image": "x"}]}}
    cluster.create(pods, copy.deepcopy(pod), "default")
    cluster.logs.append("default", "web", "app", "old")
    cluster.delete(pods, "default", "web")
    cluster.create(pods, copy.deepcopy(pod), "default")
    assert cluster.logs.read("default", "web", "app") == ""
    cluster.logs.append("default", "web", "app", "new")
    assert cluster.logs.read("default", "web", "app", timestamps=True) == (
        "2026-01-01T00:00:00.000000000Z new\n"
    )
