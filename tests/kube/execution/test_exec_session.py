"""Live stdin: the blocking InputStream, the terminal's line discipline, shell sessions,
per-command time limits, Ctrl-C and Ctrl-D; image references in the program registry."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import (
    ExecContext,
    ExecResult,
    InputStream,
    ProgramRegistry,
    run_exec,
    shell_session,
)
from meshcert.kube.execution.programs import (
    Budget,
    ExecInterrupted,
    ExecTimeout,
    normalize_image,
)
from meshcert.kube.execution.terminal import Terminal

WAIT = 5.0


@dataclass
class Live:
    """An exec running in a thread, its stdin fed by the test (through a terminal with tty)."""

    stream: InputStream
    thread: threading.Thread
    chunks: queue.Queue[tuple[int, bytes]]
    terminal: Terminal | None
    cancel: threading.Event
    outcome: list[ExecResult] = field(default_factory=list)
    seen: str = ""

    def send(self, text: str) -> None:
        data = text.encode()
        if self.terminal is not None:
            self.terminal.feed(data)
        else:
            self.stream.feed(data)

    def expect(self, text: str) -> str:
        """Wait until the output (from the last expect on) contains `text`; returns it."""
        deadline = time.monotonic() + WAIT
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not in {self.seen!r}")
            try:
                self.seen += self.chunks.get(timeout=min(left, 0.1))[1].decode()
            except queue.Empty:
                continue
        before, _, self.seen = self.seen.partition(text)
        return before + text

    def finish(self) -> ExecResult:
        self.thread.join(WAIT)
        assert not self.thread.is_alive(), "the exec did not end"
        while not self.chunks.empty():
            self.seen += self.chunks.get()[1].decode()
        return self.outcome[0]


Start = Callable[..., Live]


@pytest.fixture
def live(cluster: Cluster) -> Iterator[Start]:
    started: list[Live] = []

    def start(
        argv: list[str],
        *,
        tty: bool = False,
        pod: str = "web",
        container: str = "app",
        **kw: Any,
    ) -> Live:
        stream = InputStream.live_stream()
        chunks: queue.Queue[tuple[int, bytes]] = queue.Queue()
        cancel = threading.Event()
        terminal = Terminal(stream, lambda data: chunks.put((1, data))) if tty else None
        session = Live(stream, threading.Thread(target=lambda: None), chunks, terminal, cancel)

        def run() -> None:
            session.outcome.append(
                run_exec(
                    cluster, "default", pod, container, argv, stream, tty=tty, cancel=cancel,
                    on_output=lambda channel, data: chunks.put((channel, data)), **kw,
                )
            )  # fmt: skip

        session.thread = threading.Thread(target=run, daemon=True)
        session.thread.start()
        started.append(session)
        return session

    yield start
    for session in started:
        session.cancel.set()
        session.stream.close()
        session.thread.join(WAIT)


# the stream ---------------------------------------------------------------------------------


def test_input_stream_blocks_until_fed() -> None:
    stream = InputStream.live_stream()
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(stream.read_some()))
    reader.start()
    time.sleep(0.05)
    assert got == []
    stream.feed(b"abc")
    reader.join(WAIT)
    assert got == [b"abc"]


def test_input_stream_end_of_file_is_seen_once() -> None:
    stream = InputStream.live_stream()
    stream.feed(b"one\ntwo")
    stream.end_of_file()
    stream.feed(b"three\n")
    assert stream.readline() == b"one\n"
    assert stream.readline() == b"two"  # a partial line at the end of file
    assert stream.readline() == b"three\n"
    stream.end_of_file()
    assert stream.read() == b""
    stream.close()
    assert stream.read_some() == b""
    assert stream.readline() == b""


def test_input_stream_read_takes_everything_to_the_end_of_file() -> None:
    stream = InputStream.live_stream()
    stream.feed(b"a\nb\n")
    stream.end_of_file()
    stream.feed(b"c\n")
    stream.close()
    assert stream.read() == b"a\nb\n"
    assert stream.read() == b"c\n"
    assert InputStream(b"whole").read() == b"whole"


def test_interrupt_wakes_a_waiting_reader_and_drops_pending_input() -> None:
    stream = InputStream.live_stream()
    stream.budget = Budget(10, interrupt=stream.interrupted)
    failures: list[BaseException] = []

    def read() -> None:
        try:
            stream.readline()
        except ExecInterrupted as exc:
            failures.append(exc)

    stream.feed(b"no newline yet")
    reader = threading.Thread(target=read)
    reader.start()
    stream.interrupt()
    reader.join(WAIT)
    assert len(failures) == 1
    stream.interrupted.clear()
    stream.feed(b"fresh\n")
    assert stream.readline() == b"fresh\n"


def test_budget_ends_a_waiting_reader() -> None:
    stream = InputStream.live_stream()
    stream.budget = Budget(0.1)
    started = time.monotonic()
    with pytest.raises(ExecTimeout) as caught:
        stream.read()
    assert type(caught.value) is ExecTimeout
    assert time.monotonic() - started < 2


# the terminal -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "line", "echo"),
    [
        pytest.param(b"ls\r", b"ls\n", b"ls\r\n", id="enter-is-cr"),
        pytest.param(b"ls\r\n", b"ls\n", b"ls\r\n", id="crlf-is-one-enter"),
        pytest.param(b"lx\x7fs\r", b"ls\n", b"lx\b \bs\r\n", id="backspace"),
        pytest.param(b"abc\x15ls\r", b"ls\n", b"abc\b \b\b \b\b \bls\r\n", id="ctrl-u"),
        pytest.param(
            b"echo ab cd\x17x\r", b"echo ab x\n", b"echo ab cd\b \b\b \bx\r\n", id="ctrl-w"
        ),
        pytest.param(b"l\x1b[Ds\x1bOA\r", b"ls\n", b"ls\r\n", id="arrows-ignored"),
        pytest.param("é\x7f!\r".encode(), b"!\n", "é\b \b!\r\n".encode(), id="utf8-erase"),
    ],
)
def test_terminal_cooks_keys(keys: bytes, line: bytes, echo: bytes) -> None:
    stream = InputStream.live_stream()
    echoed: list[bytes] = []
    Terminal(stream, echoed.append).feed(keys)
    stream.close()
    assert stream.read() == line
    assert b"".join(echoed) == echo


def test_terminal_ctrl_d_and_ctrl_c() -> None:
    stream = InputStream.live_stream()
    echoed: list[bytes] = []
    term = Terminal(stream, echoed.append)
    term.feed(b"part\x04")  # Ctrl-D on a non-empty line sends it without a newline
    assert stream.read_some() == b"part"
    term.feed(b"\x04")  # on an empty line: end of file
    assert stream.read_some() == b""
    term.feed(b"gone\x03")
    assert stream.interrupted.is_set()
    assert b"".join(echoed) == b"partgone^C"


# shell sessions -----------------------------------------------------------------------------


def test_piped_shell_runs_each_line_as_it_arrives(live: Start) -> None:
    session = live(["sh"])
    session.send("echo one\n")
    assert session.expect("one\n") == "one\n"
    session.send("cd /tmp; X=2\n")
    session.send("echo $X $(pwd)\n")
    session.expect("2 /tmp\n")
    session.send("read answer\nforty two\necho got $answer\n")
    session.expect("got forty two\n")
    session.stream.close()
    assert session.finish().exit_code == 0


def test_piped_shell_stops_at_a_syntax_error(live: Start) -> None:
    session = live(["sh"])
    session.send("echo ok\nfi\necho never\n")
    session.expect('sh: 2: Syntax error: "fi" unexpected\n')
    assert session.finish().exit_code == 2


def test_interactive_busybox_shell(live: Start) -> None:
    session = live(["sh"], tty=True)
    session.expect("/ # ")
    session.send("cd /tmp\r")
    assert session.expect("/tmp # ") == "cd /tmp\r\n/tmp # "
    session.send("if true; then\r")
    session.expect("> ")
    session.send("echo yes; fi\r")
    session.expect("yes\r\n/tmp # ")
    session.send("fi\r")
    session.expect('sh: 4: Syntax error: "fi" unexpected\r\n/tmp # ')
    session.send("cat <<EOF\rx $HOME\rEOF\r")
    session.expect("x /root\r\n/tmp # ")
    session.send("echo 'open\r")
    session.expect("> ")
    session.send("quote'\r")
    session.expect("open\r\nquote\r\n/tmp # ")
    session.send("PS1='$ '\r")
    session.expect("$ ")
    session.send("exit 7\r")
    assert session.finish().exit_code == 7


def test_interactive_bash_in_another_image(live: Start) -> None:
    session = live(["bash"], tty=True, pod="duo", container="sidecar")
    session.expect("root@duo:/# ")
    session.send("cd; nosuch\r")
    session.expect("bash: nosuch: command not found\r\nroot@duo:~# ")
    session.send("fi\r")
    session.expect("bash: syntax error near unexpected token `fi'\r\nroot@duo:~# ")
    session.send("true\r")
    session.expect("root@duo:~# ")
    session.send("\x04")
    result = session.finish()
    assert session.seen.endswith("exit\r\n")
    assert result.exit_code == 0


def test_ctrl_c_interrupts_the_command_not_the_shell(live: Start) -> None:
    session = live(["sh"], tty=True)
    session.expect("/ # ")
    session.send("echo started; sleep 30; echo not-reached\r")
    session.expect("started\r\n")  # the command is running
    session.send("\x03")
    session.expect("^C\r\n/ # ")
    session.send("echo $?\r")
    session.expect("130\r\n/ # ")
    session.send("abc\x03")
    session.expect("abc^C\r\n/ # ")
    session.send("\x04")
    assert session.finish().exit_code == 130


def test_each_command_has_its_own_time_limit(live: Start) -> None:
    session = live(["sh"], time_limit=0.3)
    session.send("sleep 5\necho status $?\n")
    session.expect("status 137\n")
    time.sleep(0.4)  # waiting for input does not use the time limit
    session.send("echo alive\n")
    session.expect("alive\n")
    session.stream.close()
    assert session.finish().exit_code == 0


def test_idle_shell_logs_out(live: Start, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shell_session, "IDLE_LIMIT", 0.2)
    session = live(["sh"], tty=True)
    session.expect("timed out waiting for input: auto-logout")
    assert session.finish().exit_code == 0


def test_cancel_ends_a_waiting_shell(live: Start) -> None:
    session = live(["sh"], tty=True)
    session.expect("/ # ")
    session.cancel.set()
    assert session.finish().exit_code == 137


def test_cat_streams_and_ctrl_c_ends_it(live: Start) -> None:
    session = live(["cat"], tty=True)
    session.send("hi\r")
    session.expect("hi\r\nhi\r\n")
    session.send("\x03")
    assert session.finish().exit_code == 130


def test_tee_streams(live: Start) -> None:
    session = live(["tee", "/tmp/copy"])
    session.send("line\n")
    session.expect("line\n")
    session.stream.close()
    assert session.finish().exit_code == 0


def test_shell_dash_s_reads_stdin_with_positional_parameters(cluster: Cluster) -> None:
    result = run_exec(cluster, "default", "web", "app", ["sh", "-s", "a", "b"], b"echo $# $2\n")
    assert result.stdout == b"2 b\n"


def test_whole_stdin_shell_shares_one_budget(cluster: Cluster) -> None:
    result = run_exec(
        cluster, "default", "web", "app", ["sh"], b"sleep 5\necho after\n", time_limit=0.2
    )
    assert (result.stdout, result.exit_code) == (b"", 137)


# images -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "full"),
    [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:1.36", "docker.io/library/busybox:1.36"),
        ("istio/proxyv2:1.26.0", "docker.io/istio/proxyv2:1.26.0"),
        ("docker.io/istio/proxyv2:1.26.0", "docker.io/istio/proxyv2:1.26.0"),
        ("docker.io/nginx", "docker.io/library/nginx:latest"),
        ("index.docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"),
        ("gcr.io/istio-release/proxyv2:1.26.0", "gcr.io/istio-release/proxyv2:1.26.0"),
        ("localhost:5000/app", "localhost:5000/app:latest"),
        ("localhost/app:v1", "localhost/app:v1"),
        ("nginx@sha256:abc", "docker.io/library/nginx@sha256:abc"),
    ],
)
def test_normalize_image(image: str, full: str) -> None:
    assert normalize_image(image) == full


def _one(ctx: ExecContext) -> int:
    return 1


@pytest.mark.parametrize(
    ("pattern", "image", "found"),
    [
        ("docker.io/istio/proxyv2:*", "istio/proxyv2:1.26.0", True),
        ("docker.io/istio/proxyv2:*", "docker.io/istio/proxyv2:1.26.0", True),
        ("istio/proxyv2:*", "docker.io/istio/proxyv2:1.26.0", False),
        ("*/library/busybox:latest", "busybox", True),
        ("busybox", "busybox", True),
        ("docker.io/istio/proxyv2:*", "gcr.io/istio-release/proxyv2:1.26.0", False),
    ],
)
def test_image_patterns_match_the_full_reference(pattern: str, image: str, found: bool) -> None:
    registry = ProgramRegistry()
    registry.register("tool", _one, images=(pattern,))
    assert (registry.lookup("tool", image) is not None) is found
