"""Interactive `kubectl exec`: `-it` under a pseudo-terminal, `-i` fed line by line."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from running_api import RunningApi, kubectl_binary

from meshcert.kube.apiserver.exec_ws import exit_status

TIMEOUT = 15.0


class Pty:
    """kubectl running on a pseudo-terminal, as in a user's terminal window."""

    def __init__(self, api: RunningApi, *args: str) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen(
            [kubectl_binary(), *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=api.env,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.seen = b""  # everything read so far
        self.pos = 0  # where the next expect starts looking

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # the other side closed (kubectl exited)
            return False
        if not chunk:
            return False
        self.seen += chunk
        return True

    def expect(self, pattern: str, timeout: float = TIMEOUT) -> re.Match[bytes]:
        """Wait for `pattern` (a regex) in the output after the last match."""
        regex = re.compile(pattern.encode())
        deadline = time.monotonic() + timeout
        while True:
            found = regex.search(self.seen, self.pos)
            if found:
                self.pos = found.end()
                return found
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(left, 0.2)):
                if regex.search(self.seen, self.pos):
                    continue
                raise AssertionError(f"{pattern!r} not in {self.seen[self.pos :]!r}")

    def wait(self, timeout: float = TIMEOUT) -> int:
        code = self.proc.wait(timeout)
        while self._read(0.05):
            if not select.select([self.master], [], [], 0.05)[0]:
                break
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        os.close(self.master)


@contextmanager
def pty(api: RunningApi, *args: str) -> Iterator[Pty]:
    term = Pty(api, *args)
    try:
        yield term
    finally:
        term.close()


@pytest.fixture
def pods(api: RunningApi) -> RunningApi:
    """Pods `box` (busybox) and `web` (nginx), Running."""
    api.ok("run", "box", "--image=busybox:1.36", "--restart=Never", "--", "sleep", "1d")
    api.ok("run", "web", "--image=nginx:1.27", "--restart=Never")
    return api


def test_shell_session_keeps_state_between_lines(pods: RunningApi) -> None:
    with pty(pods, "exec", "-it", "box", "--", "sh") as term:
        term.expect(r"^/ # ")
        term.send(b"X=5; cd /tmp\r")
        term.expect(r"X=5; cd /tmp\r\n/tmp # ")  # the terminal echoes, then a new prompt
        term.send(b"echo $X $(pwd)\r")
        term.expect(r"echo \$X \$\(pwd\)\r\n5 /tmp\r\n/tmp # ")
        term.send(b"if true; then\r")
        term.expect(r"\r\n> ")
        term.send(b"echo yes; fi\r")
        term.expect(r"\r\nyes\r\n/tmp # ")
        term.send(b"exit 3\r")
        assert term.wait() == 3
        term.expect(r"command terminated with exit code 3")


def test_backspace_ctrl_c_and_ctrl_d(pods: RunningApi) -> None:
    with pty(pods, "exec", "-it", "box", "--", "sh") as term:
        term.expect(r"/ # ")
        term.send(b"echo abd\x7fc\r")
        term.expect(r"\r\nabc\r\n/ # ")
        started = time.monotonic()
        term.send(b"echo started; sleep 30\r")
        term.expect(r"\r\nstarted\r\n")  # the command is running
        term.send(b"\x03")
        term.expect(r"\^C\r\n/ # ")
        assert time.monotonic() - started < 10
        term.send(b"echo status=$?\r")
        term.expect(r"status=130\r\n/ # ")
        term.send(b"half a line\x03")
        term.expect(r"half a line\^C\r\n/ # ")
        term.send(b"true\r")
        term.expect(r"true\r\n/ # ")
        term.send(b"\x04")
        assert term.wait() == 0


def test_bash_prompt_and_exit_on_ctrl_d(pods: RunningApi) -> None:
    with pty(pods, "exec", "-it", "web", "--", "bash") as term:
        term.expect(r"root@web:/# ")
        term.send(b"cd /etc; nosuch\r")
        term.expect(r"bash: nosuch: command not found\r\nroot@web:/etc# ")
        term.send(b"\x04")
        term.expect(r"exit")
        assert term.wait() == 127  # the status of the last command, as bash exits


def test_cat_streams_each_line(pods: RunningApi) -> None:
    with pty(pods, "exec", "-it", "box", "--", "cat") as term:
        term.send(b"hello\r")
        term.expect(r"hello\r\nhello\r\n")  # the echo, then cat's copy
        term.send(b"\x04")
        assert term.wait() == 0


def test_ctrl_c_ends_a_plain_command(pods: RunningApi) -> None:
    with pty(pods, "exec", "-it", "box", "--", "sh", "-c", "echo started; sleep 60") as term:
        term.expect(r"started\r\n")  # kubectl's terminal is raw: Ctrl-C goes to the pod
        term.send(b"\x03")
        assert term.wait() == 130
        term.expect(r"command terminated with exit code 130")


@contextmanager
def piped(api: RunningApi, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """kubectl with its stdin and stdout on pipes (no terminal)."""
    proc = subprocess.Popen(
        [kubectl_binary(), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=api.env,
    )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(5)
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()


def send_line(proc: subprocess.Popen[bytes], line: bytes) -> None:
    assert proc.stdin is not None
    proc.stdin.write(line)
    proc.stdin.flush()


def read_line(proc: subprocess.Popen[bytes]) -> bytes:
    assert proc.stdout is not None
    return proc.stdout.readline()


def test_stdin_without_tty_runs_each_line_as_it_arrives(pods: RunningApi) -> None:
    with piped(pods, "exec", "-i", "box", "--", "sh") as proc:
        send_line(proc, b"echo one\n")
        assert read_line(proc) == b"one\n"  # while stdin is still open
        send_line(proc, b"cd /tmp; V=two\necho $V $(pwd)\n")
        assert read_line(proc) == b"two /tmp\n"
        send_line(proc, b"exit 4\n")
        assert proc.wait(TIMEOUT) == 4


def test_cat_without_tty_streams(pods: RunningApi) -> None:
    with piped(pods, "exec", "-i", "box", "--", "cat") as proc:
        send_line(proc, b"first\n")
        assert read_line(proc) == b"first\n"
        send_line(proc, b"second\n")
        assert read_line(proc) == b"second\n"
        assert proc.stdin is not None
        proc.stdin.close()
        assert proc.wait(TIMEOUT) == 0


def test_piped_script_still_works(pods: RunningApi) -> None:
    out = pods.ok("exec", "-i", "box", "--", "sh", input="A=1\necho $A\ncat\nrest\n")
    assert out == "1\nrest\n"  # like bash, commands after `cat` are its input


def test_non_zero_exit_status_words_the_command() -> None:
    status = exit_status(3, ["sh", "-c", "exit 3"])
    assert status["message"] == (
        "command terminated with non-zero exit code: error executing command "
        "[sh -c exit 3], exit code 3"
    )
    assert status["details"] == {"causes": [{"reason": "ExitCode", "message": "3"}]}
    assert exit_status(0) == {"metadata": {}, "status": "Success"}


def test_long_output_arrives_whole(pods: RunningApi) -> None:
    out = pods.ok("exec", "box", "--", "sh", "-c", "for i in $(seq 1 3000); do echo $i; done")
    assert out.split() == [str(i) for i in range(1, 3001)]
