"""The shipped programs, run directly as `kubectl exec pod -- PROGRAM ARGS` would run them.

(argv, stdin) -> (stdout, stderr, exit code); flags and messages as GNU coreutils and grep.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

Run = Callable[..., tuple[str, str, int]]
Case = tuple[str, list[str], str, str, str, int]

FRUIT = "apple\nBanana\ncherry\napple pie\n"
TWELVE = "".join(f"{i}\n" for i in range(1, 13))
GREP_USAGE = "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n"

ECHO_PRINTF: list[Case] = [
    ("echo", ["echo", "a", "b"], "", "a b\n", "", 0),
    ("echo-n", ["echo", "-n", "a"], "", "a", "", 0),
    ("echo-e", ["echo", "-e", "a\\tb\\nc"], "", "a\tb\nc\n", "", 0),
    ("echo-without-e-keeps-backslashes", ["echo", "a\\tb"], "", "a\\tb\n", "", 0),
    ("echo-ne", ["echo", "-ne", "x\\n"], "", "x\n", "", 0),
    ("echo-e-stop", ["echo", "-e", "x\\cy"], "", "x", "", 0),
    ("echo-e-octal-hex", ["echo", "-e", "\\0101\\x42"], "", "AB\n", "", 0),
    ("printf", ["printf", "%s=%d\\n", "a", "1"], "", "a=1\n", "", 0),
    ("printf-widths", ["printf", "%5s|%-3s|%03d\\n", "ab", "c", "7"], "", "   ab|c  |007\n", "", 0),
    (
        "printf-numbers",
        ["printf", "%x %o %.2f %e\\n", "255", "8", "3.14159", "1000"],
        "",
        "ff 10 3.14 1.000000e+03\n",
        "",
        0,
    ),
    ("printf-reuses-format", ["printf", "%s\\n", "a", "b", "c"], "", "a\nb\nc\n", "", 0),
    ("printf-missing-arguments", ["printf", "[%s|%d]\\n"], "", "[|0]\n", "", 0),
    ("printf-percent", ["printf", "100%%\\n"], "", "100%\n", "", 0),
    (
        "printf-not-a-number",
        ["printf", "%d\\n", "abc"],
        "",
        "0\n",
        "printf: 'abc': expected a numeric value\n",
        1,
    ),
    ("printf-b", ["printf", "%b", "a\\nb\\n"], "", "a\nb\n", "", 0),
    (
        "printf-missing-format",
        ["printf"],
        "",
        "",
        "printf: missing operand\nTry 'printf --help' for more information.\n",
        1,
    ),
]
FILES_AND_HOST: list[Case] = [
    ("cat-file", ["cat", "/etc/hostname"], "", "web\n", "", 0),
    ("cat-stdin", ["cat"], "x\ny", "x\ny", "", 0),
    ("cat-dash-and-file", ["cat", "-", "/etc/hostname"], "in\n", "in\nweb\n", "", 0),
    ("cat-n", ["cat", "-n"], "a\nb\n", "     1\ta\n     2\tb\n", "", 0),
    ("cat-missing", ["cat", "/nope"], "", "", "cat: /nope: No such file or directory\n", 1),
    ("cat-directory", ["cat", "/etc"], "", "", "cat: /etc: Is a directory\n", 1),
    ("hostname", ["hostname"], "", "web\n", "", 0),
    ("hostname-i", ["hostname", "-i"], "", "10.244.0.7\n", "", 0),
    (
        "hostname-set",
        ["hostname", "other"],
        "",
        "",
        "hostname: you must be root to change the host name\n",
        1,
    ),
    ("ls-dir", ["ls", "/etc"], "", "hostname\nhosts\nresolv.conf\n", "", 0),
    ("ls-all", ["ls", "-a", "/root"], "", ".\n..\n", "", 0),
    ("ls-file", ["ls", "/etc/hosts"], "", "/etc/hosts\n", "", 0),
    (
        "ls-missing",
        ["ls", "/nope"],
        "",
        "",
        "ls: cannot access '/nope': No such file or directory\n",
        2,
    ),
    (
        "ls-long",
        ["ls", "-l", "/etc/hostname"],
        "",
        "-rw-r--r-- 1 root root 4 Jan  1 00:00 /etc/hostname\n",
        "",
        0,
    ),
    (
        "ls-serviceaccount",
        ["ls", "/var/run/secrets/kubernetes.io/serviceaccount"],
        "",
        "ca.crt\nnamespace\ntoken\n",
        "",
        0,
    ),
    (
        "mkdir-missing-parent",
        ["mkdir", "/x/y"],
        "",
        "",
        "mkdir: cannot create directory '/x/y': No such file or directory\n",
        1,
    ),
    (
        "mkdir-exists",
        ["mkdir", "/tmp"],
        "",
        "",
        "mkdir: cannot create directory '/tmp': File exists\n",
        1,
    ),
    (
        "rm-missing",
        ["rm", "/nope"],
        "",
        "",
        "rm: cannot remove '/nope': No such file or directory\n",
        1,
    ),
    ("rm-f-missing", ["rm", "-f", "/nope"], "", "", "", 0),
    ("rm-directory", ["rm", "/etc"], "", "", "rm: cannot remove '/etc': Is a directory\n", 1),
    (
        "touch-missing-parent",
        ["touch", "/x/y"],
        "",
        "",
        "touch: cannot touch '/x/y': No such file or directory\n",
        1,
    ),
    ("whoami", ["whoami"], "", "root\n", "", 0),
    ("id", ["id"], "", "uid=0(root) gid=0(root) groups=0(root)\n", "", 0),
    ("pwd", ["pwd"], "", "/\n", "", 0),
    ("which", ["which", "sh", "grep", "nope"], "", "/bin/sh\n/usr/bin/grep\n", "", 1),
    ("date", ["date"], "", "Thu Jan  1 00:00:00 UTC 2026\n", "", 0),
    ("date-format", ["date", "+%Y-%m-%d %H:%M"], "", "2026-01-01 00:00\n", "", 0),
    ("date-epoch", ["date", "+%s"], "", "1767225600\n", "", 0),
    ("date-utc-iso", ["date", "-u", "-Iseconds"], "", "2026-01-01T00:00:00+00:00\n", "", 0),
    ("true", ["true"], "", "", "", 0),
    ("false", ["false"], "", "", "", 1),
    ("sleep", ["sleep", "0.01"], "", "", "", 0),
    (
        "sleep-invalid",
        ["sleep", "x"],
        "",
        "",
        "sleep: invalid time interval 'x'\nTry 'sleep --help' for more information.\n",
        1,
    ),
    (
        "sleep-missing",
        ["sleep"],
        "",
        "",
        "sleep: missing operand\nTry 'sleep --help' for more information.\n",
        1,
    ),
]
SEQ: list[Case] = [
    ("last", ["seq", "3"], "", "1\n2\n3\n", "", 0),
    ("first-last", ["seq", "2", "4"], "", "2\n3\n4\n", "", 0),
    ("increment", ["seq", "1", "2", "7"], "", "1\n3\n5\n7\n", "", 0),
    ("decrement", ["seq", "5", "-2", "1"], "", "5\n3\n1\n", "", 0),
    ("negative-start", ["seq", "-2", "0"], "", "-2\n-1\n0\n", "", 0),
    ("separator", ["seq", "-s", ",", "3"], "", "1,2,3\n", "", 0),
    ("equal-width", ["seq", "-w", "9", "11"], "", "09\n10\n11\n", "", 0),
    ("fractions", ["seq", "0", "0.5", "1"], "", "0.0\n0.5\n1.0\n", "", 0),
    ("empty", ["seq", "3", "1"], "", "", "", 0),
    (
        "invalid",
        ["seq", "x"],
        "",
        "",
        "seq: invalid floating point argument: 'x'\nTry 'seq --help' for more information.\n",
        1,
    ),
    (
        "missing",
        ["seq"],
        "",
        "",
        "seq: missing operand\nTry 'seq --help' for more information.\n",
        1,
    ),
    (
        "zero-increment",
        ["seq", "1", "0", "3"],
        "",
        "",
        "seq: invalid Zero increment value: '0'\nTry 'seq --help' for more information.\n",
        1,
    ),
]
GREP: list[Case] = [
    ("match", ["grep", "apple"], FRUIT, "apple\napple pie\n", "", 0),
    ("count", ["grep", "-c", "apple"], FRUIT, "2\n", "", 0),
    ("invert", ["grep", "-v", "apple"], FRUIT, "Banana\ncherry\n", "", 0),
    ("ignore-case", ["grep", "-i", "banana"], FRUIT, "Banana\n", "", 0),
    ("only-matching", ["grep", "-o", "an"], FRUIT, "an\nan\n", "", 0),
    ("extended", ["grep", "-E", "^(apple|cherry)$"], FRUIT, "apple\ncherry\n", "", 0),
    ("basic-groups", ["grep", "^\\(apple\\|cherry\\)$"], FRUIT, "apple\ncherry\n", "", 0),
    ("basic-literal-parens", ["grep", "(x)"], "a(x)b\nx\n", "a(x)b\n", "", 0),
    ("extended-plus", ["grep", "-E", "p+le"], FRUIT, "apple\napple pie\n", "", 0),
    ("bracket-class", ["grep", "[[:digit:]][[:digit:]]*"], "a1\nb\n", "a1\n", "", 0),
    ("quiet-match", ["grep", "-q", "cherry"], FRUIT, "", "", 0),
    ("quiet-no-match", ["grep", "-q", "durian"], FRUIT, "", "", 1),
    ("line-number", ["grep", "-n", "cherry"], FRUIT, "3:cherry\n", "", 0),
    ("word", ["grep", "-w", "pie"], FRUIT, "apple pie\n", "", 0),
    ("whole-line", ["grep", "-x", "apple"], FRUIT, "apple\n", "", 0),
    ("dot-is-any", ["grep", "a.p"], "a-p\nap\n", "a-p\n", "", 0),
    ("fixed", ["grep", "-F", "a.p"], "a-p\na.p\n", "a.p\n", "", 0),
    (
        "several-patterns",
        ["grep", "-e", "cherry", "-e", "Banana"],
        FRUIT,
        "Banana\ncherry\n",
        "",
        0,
    ),
    ("count-no-match", ["grep", "-c", "x"], FRUIT, "0\n", "", 1),
    ("combined-flags", ["grep", "-ci", "APPLE"], FRUIT, "2\n", "", 0),
    ("max-count", ["grep", "-m", "1", "apple"], FRUIT, "apple\n", "", 0),
    ("options-after-pattern", ["grep", "apple", "-c"], FRUIT, "2\n", "", 0),
    (
        "files",
        ["grep", "localhost", "/etc/hosts", "/etc/hostname"],
        "",
        "/etc/hosts:127.0.0.1\tlocalhost\n/etc/hosts:::1\tlocalhost ip6-localhost ip6-loopback\n",
        "",
        0,
    ),
    (
        "files-list",
        ["grep", "-l", "web", "/etc/hosts", "/etc/resolv.conf"],
        "",
        "/etc/hosts\n",
        "",
        0,
    ),
    (
        "recursive",
        ["grep", "-r", "nameserver", "/etc"],
        "",
        "/etc/resolv.conf:nameserver 10.96.0.10\n",
        "",
        0,
    ),
    ("missing-file", ["grep", "x", "/nope"], "", "", "grep: /nope: No such file or directory\n", 2),
    ("no-pattern", ["grep"], "", "", GREP_USAGE, 2),
    ("bad-option", ["grep", "-Z", "x"], "", "", "grep: invalid option -- 'Z'\n" + GREP_USAGE, 2),
    ("bad-regex", ["grep", "-E", "(a"], "a\n", "", "grep: Unmatched ( or \\(\n", 2),
]
HEAD_TAIL: list[Case] = [
    ("head-default", ["head"], TWELVE, "".join(f"{i}\n" for i in range(1, 11)), "", 0),
    ("head-n", ["head", "-n", "3"], TWELVE, "1\n2\n3\n", "", 0),
    ("head-number", ["head", "-3"], TWELVE, "1\n2\n3\n", "", 0),
    ("head-attached", ["head", "-n2"], TWELVE, "1\n2\n", "", 0),
    ("head-all-but", ["head", "-n", "-10"], TWELVE, "1\n2\n", "", 0),
    ("head-bytes", ["head", "-c", "5"], TWELVE, "1\n2\n3", "", 0),
    ("head-invalid", ["head", "-n", "x"], TWELVE, "", "head: invalid number of lines: 'x'\n", 1),
    (
        "head-files",
        ["head", "-n", "1", "/etc/hostname", "/etc/hosts"],
        "",
        "==> /etc/hostname <==\nweb\n\n==> /etc/hosts <==\n# Kubernetes-managed hosts file.\n",
        "",
        0,
    ),
    (
        "head-missing",
        ["head", "/nope"],
        "",
        "",
        "head: cannot open '/nope' for reading: No such file or directory\n",
        1,
    ),
    ("tail-n", ["tail", "-n", "2"], TWELVE, "11\n12\n", "", 0),
    ("tail-from", ["tail", "-n", "+11"], TWELVE, "11\n12\n", "", 0),
    ("tail-number", ["tail", "-3"], TWELVE, "10\n11\n12\n", "", 0),
    ("tail-bytes", ["tail", "-c", "3"], TWELVE, "12\n", "", 0),
    ("tail-default", ["tail"], TWELVE, "".join(f"{i}\n" for i in range(3, 13)), "", 0),
]
COUNT_SORT_CUT: list[Case] = [
    ("wc-l", ["wc", "-l"], "one two\nthree\n", "2\n", "", 0),
    ("wc-w", ["wc", "-w"], "one two\nthree\n", "3\n", "", 0),
    ("wc-c", ["wc", "-c"], "one two\nthree\n", "14\n", "", 0),
    ("wc-all", ["wc"], "one two\nthree\n", "      2       3      14\n", "", 0),
    ("wc-lw", ["wc", "-lw"], "one two\nthree\n", "      2       3\n", "", 0),
    ("wc-file", ["wc", "-l", "/etc/hostname"], "", "1 /etc/hostname\n", "", 0),
    (
        "wc-files",
        ["wc", "-c", "/etc/hostname", "/etc/resolv.conf"],
        "",
        "  4 /etc/hostname\n103 /etc/resolv.conf\n107 total\n",
        "",
        0,
    ),
    ("wc-missing", ["wc", "/nope"], "", "", "wc: /nope: No such file or directory\n", 1),
    ("sort", ["sort"], "b\na\nc\na\n", "a\na\nb\nc\n", "", 0),
    ("sort-r", ["sort", "-r"], "b\na\nc\n", "c\nb\na\n", "", 0),
    ("sort-u", ["sort", "-u"], "b\na\nc\na\n", "a\nb\nc\n", "", 0),
    ("sort-n", ["sort", "-n"], "10\n9\n100\n", "9\n10\n100\n", "", 0),
    ("sort-key", ["sort", "-t", ":", "-k", "2", "-n"], "a:3\nb:1\nc:2\n", "b:1\nc:2\na:3\n", "", 0),
    ("uniq", ["uniq"], "a\na\nb\na\n", "a\nb\na\n", "", 0),
    ("uniq-c", ["uniq", "-c"], "a\na\nb\n", "      2 a\n      1 b\n", "", 0),
    ("uniq-d", ["uniq", "-d"], "a\na\nb\n", "a\n", "", 0),
    ("uniq-u", ["uniq", "-u"], "a\na\nb\n", "b\n", "", 0),
    ("cut-field", ["cut", "-d", ":", "-f", "2"], "a:b:c\nd:e:f\n", "b\ne\n", "", 0),
    ("cut-fields", ["cut", "-d:", "-f1,3"], "a:b:c\nd:e:f\n", "a:c\nd:f\n", "", 0),
    ("cut-range", ["cut", "-d:", "-f2-"], "a:b:c\n", "b:c\n", "", 0),
    ("cut-no-delimiter", ["cut", "-d:", "-f2"], "plain\n", "plain\n", "", 0),
    ("cut-chars", ["cut", "-c", "1-3"], "hello\n", "hel\n", "", 0),
    (
        "cut-no-list",
        ["cut"],
        "",
        "",
        "cut: you must specify a list of bytes, characters, or fields\n"
        "Try 'cut --help' for more information.\n",
        1,
    ),
    ("tr-upper", ["tr", "a-z", "A-Z"], "hello\n", "HELLO\n", "", 0),
    ("tr-classes", ["tr", "[:lower:]", "[:upper:]"], "hello\n", "HELLO\n", "", 0),
    ("tr-delete", ["tr", "-d", "l"], "hello\n", "heo\n", "", 0),
    ("tr-squeeze", ["tr", "-s", " "], "a   b\n", "a b\n", "", 0),
    ("tr-newlines", ["tr", "\\n", ","], "a\nb\n", "a,b,", "", 0),
    ("tr-delete-complement", ["tr", "-cd", "0-9"], "a1b2\n", "12", "", 0),
    (
        "tr-missing-set",
        ["tr", "a"],
        "",
        "",
        "tr: missing operand after 'a'\nTwo strings must be given when translating.\n"
        "Try 'tr --help' for more information.\n",
        1,
    ),
]
TEST: list[Case] = [
    ("file", ["test", "-f", "/etc/hostname"], "", "", "", 0),
    ("not-a-file", ["test", "-f", "/etc"], "", "", "", 1),
    ("directory", ["[", "-d", "/etc", "]"], "", "", "", 0),
    ("exists", ["[", "-e", "/nope", "]"], "", "", "", 1),
    ("less-than", ["[", "1", "-lt", "2", "]"], "", "", "", 0),
    ("strings-differ", ["[", "a", "=", "b", "]"], "", "", "", 1),
    ("not", ["[", "!", "-d", "/nope", "]"], "", "", "", 0),
    ("and", ["[", "-d", "/etc", "-a", "-f", "/etc/hosts", "]"], "", "", "", 0),
    ("or", ["[", "-d", "/nope", "-o", "x", "]"], "", "", "", 0),
    ("parentheses", ["[", "(", "1", "-eq", "2", ")", "-o", "a", "!=", "b", "]"], "", "", "", 0),
    ("empty", ["test"], "", "", "", 1),
    ("z", ["test", "-z", ""], "", "", "", 0),
    ("n", ["test", "-n", ""], "", "", "", 1),
    ("lone-operator-is-a-string", ["test", "-n"], "", "", "", 0),
    ("missing-bracket", ["[", "1", "-lt", "2"], "", "", "[: missing ']'\n", 2),
    ("not-an-integer", ["test", "a", "-eq", "1"], "", "", "test: invalid integer 'a'\n", 2),
]
OTHERS: list[Case] = [
    ("tee", ["tee", "/tmp/t"], "x\n", "x\n", "", 0),
    (
        "tee-missing-directory",
        ["tee", "/nope/t"],
        "x\n",
        "x\n",
        "tee: /nope/t: No such file or directory\n",
        1,
    ),
    ("xargs", ["xargs", "-n", "1", "echo", "x"], "a b\nc\n", "x a\nx b\nx c\n", "", 0),
    ("xargs-default-echo", ["xargs"], "a\nb\n", "a b\n", "", 0),
    ("xargs-replace", ["xargs", "-I", "{}", "echo", "<{}>"], "a\nb\n", "<a>\n<b>\n", "", 0),
    ("env-runs-command", ["env", "X=1", "sh", "-c", "echo $X"], "", "1\n", "", 0),
    (
        "env-missing-command",
        ["env", "nope"],
        "",
        "",
        "env: 'nope': No such file or directory\n",
        127,
    ),
    ("uname", ["uname"], "", "Linux\n", "", 0),
    ("uname-a", ["uname", "-a"], "", "Linux web 6.8.0-meshcert x86_64\n", "", 0),
]

ALL = [("echo-printf", c) for c in ECHO_PRINTF] + [("files-host", c) for c in FILES_AND_HOST]
ALL += [("seq", c) for c in SEQ] + [("grep", c) for c in GREP]
ALL += [("head-tail", c) for c in HEAD_TAIL] + [("count-sort-cut", c) for c in COUNT_SORT_CUT]
ALL += [("test", c) for c in TEST] + [("others", c) for c in OTHERS]


@pytest.mark.parametrize(
    ("argv", "stdin", "stdout", "stderr", "code"),
    [pytest.param(*case[1:], id=f"{group}-{case[0]}") for group, case in ALL],
)
def test_program(
    execute: Run, argv: list[str], stdin: str, stdout: str, stderr: str, code: int
) -> None:
    assert execute(argv, stdin) == (stdout, stderr, code)


def test_env_prints_the_container_environment(execute: Run) -> None:
    out, err, code = execute(["env"])
    lines = out.splitlines()
    assert (err, code) == ("", 0)
    assert lines[:2] == [
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOSTNAME=web",
    ]
    assert lines[-1] == "HOME=/root"
    for line in (
        "GREETING=hi",
        "POD_NAME=web",
        "POD_NAMESPACE=default",
        "POD_IP=10.244.0.7",
        "MESSAGE=hi from web, $(LITERAL)",
        "KUBERNETES_SERVICE_HOST=10.96.0.1",
        "KUBERNETES_SERVICE_PORT=443",
        "KUBERNETES_SERVICE_PORT_HTTPS=443",
        "KUBERNETES_PORT=tcp://10.96.0.1:443",
        "KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1",
    ):
        assert line in lines


def test_file_programs_change_the_container_files(sh: Run) -> None:
    assert sh("mkdir -p /a/b && touch /a/b/f && ls /a/b && rm -r /a && ls /a") == (
        "f\n",
        "ls: cannot access '/a': No such file or directory\n",
        2,
    )
    assert sh("echo x > /tmp/1; cp /tmp/1 /tmp/2; mv /tmp/1 /root; ls /tmp /root") == (
        "/root:\n1\n\n/tmp:\n2\n",
        "",
        0,
    )
    assert sh("tee -a /tmp/2 >/dev/null <<EOF\ny\nEOF\ncat /tmp/2") == ("x\ny\n", "", 0)


def test_grep_wide_output_through_the_shell(sh: Run) -> None:
    out, err, code = sh("seq 1 20000 | grep -c 7")
    assert (out, err, code) == ("6878\n", "", 0)
