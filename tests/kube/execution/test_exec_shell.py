"""sh -c as istio.io one-liners and exam tasks use it: (script, stdin) -> (stdout, stderr, exit).

Expected messages are dash's (the /bin/sh of Debian images) and bash's for `bash -c`.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

Case = tuple[str, str, str, str, str, int]
Run = Callable[..., tuple[str, str, int]]

SEQUENCING: list[Case] = [
    ("semicolon", "echo a; echo b", "", "a\nb\n", "", 0),
    ("and-runs-on-success", "true && echo yes", "", "yes\n", "", 0),
    ("and-skips-on-failure", "false && echo yes", "", "", "", 1),
    ("or-runs-on-failure", "false || echo no", "", "no\n", "", 0),
    ("and-or-chain", "true && echo y || echo n; false && echo y || echo n", "", "y\nn\n", "", 0),
    ("status-of-last", "false; echo $?", "", "1\n", "", 0),
    ("negation", "! true; echo $?; ! false; echo $?", "", "1\n0\n", "", 0),
    ("exit-code", "exit 3", "", "", "", 3),
    ("exit-code-wraps", "exit 300", "", "", "", 44),
    ("exit-without-argument-keeps-status", "false; exit", "", "", "", 1),
    ("exit-stops-the-script", "echo a; exit 0; echo b", "", "a\n", "", 0),
    ("comment", "echo '#kept' # dropped\n# whole line", "", "#kept\n", "", 0),
    ("hash-inside-word", "echo a#b", "", "a#b\n", "", 0),
    ("background-runs", "echo bg & echo fg", "", "bg\nfg\n", "", 0),
    ("line-continuation", "echo a \\\n  b", "", "a b\n", "", 0),
]
PIPES: list[Case] = [
    ("pipe", "echo hello | tr a-z A-Z", "", "HELLO\n", "", 0),
    ("pipe-chain", "printf 'b\\na\\nb\\n' | sort | uniq -c", "", "      1 a\n      2 b\n", "", 0),
    ("pipe-count", "seq 1 10 | grep 1 | wc -l", "", "2\n", "", 0),
    ("pipe-reads-exec-stdin", "cat | wc -c", "abc", "3\n", "", 0),
    ("pipe-status-is-last", "false | true; echo $?; true | false; echo $?", "", "0\n1\n", "", 0),
    ("pipefail", "set -o pipefail; false | true", "", "", "", 1),
    ("pipe-stages-are-subshells", "X=1; echo 2 | read X; echo $X", "", "1\n", "", 0),
    ("negated-pipe", "! echo x | grep -q y; echo $?", "", "0\n", "", 0),
]
LOOPS: list[Case] = [
    ("for-seq", "for i in $(seq 1 3); do echo n$i; done", "", "n1\nn2\nn3\n", "", 0),
    ("for-words", "for i in 1 2 3; do echo $i; done", "", "1\n2\n3\n", "", 0),
    (
        "for-nested",
        "for i in a b; do for j in 1 2; do echo $i$j; done; done",
        "",
        "a1\na2\nb1\nb2\n",
        "",
        0,
    ),
    ("for-multiline", "for i in 1 2\ndo\n  echo $i\ndone\n", "", "1\n2\n", "", 0),
    ("for-positional", "set -- x y; for a; do echo $a; done", "", "x\ny\n", "", 0),
    ("for-then-pipe", "for i in $(seq 1 3); do echo n$i; done | wc -l", "", "3\n", "", 0),
    (
        "while-counter",
        "i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done",
        "",
        "1\n2\n3\n",
        "",
        0,
    ),
    ("until", "until true; do echo never; done; echo after", "", "after\n", "", 0),
    ("break", "for i in 1 2 3 4; do [ $i = 3 ] && break; echo $i; done", "", "1\n2\n", "", 0),
    ("continue", "for i in 1 2 3; do [ $i = 2 ] && continue; echo $i; done", "", "1\n3\n", "", 0),
    (
        "break-outer",
        "for i in 1 2; do for j in 1 2; do break 2; done; echo no; done; echo $i",
        "",
        "1\n",
        "",
        0,
    ),
    ("while-read", "while read line; do echo got:$line; done", "a\nb\n", "got:a\ngot:b\n", "", 0),
    ("read-fields", "read a b; echo [$a] [$b]", "one two three\n", "[one] [two three]\n", "", 0),
    (
        "loop-status-without-iterations",
        "for i in $(true); do false; done; echo $?",
        "",
        "0\n",
        "",
        0,
    ),
]
CONDITIONALS: list[Case] = [
    ("if-then", "if true; then echo a; fi", "", "a\n", "", 0),
    (
        "if-elif-else",
        "if false; then echo a; elif true; then echo b; else echo c; fi",
        "",
        "b\n",
        "",
        0,
    ),
    ("if-else", "if false; then echo a; else echo c; fi", "", "c\n", "", 0),
    ("if-without-branch-is-zero", "if false; then echo a; fi; echo $?", "", "0\n", "", 0),
    ("if-test-file", "if [ -f /etc/hostname ]; then echo file; fi", "", "file\n", "", 0),
    ("if-grep-quiet", "if grep -q x; then echo found; fi", "x\n", "found\n", "", 0),
    ("test-string-compare", '[ "$HOSTNAME" = web ] && echo same', "", "same\n", "", 0),
    ("case", "case abc in a*) echo A;; *) echo other;; esac", "", "A\n", "", 0),
    (
        "case-alternatives",
        "case x in a|b) echo ab;; *) echo default;; esac",
        "",
        "default\n",
        "",
        0,
    ),
    ("case-no-match", "case x in a) echo a;; esac; echo $?", "", "0\n", "", 0),
    ("test-missing-bracket", "[ 1 -lt 2", "", "", "sh: 1: [: missing ]\n", 2),
    ("test-illegal-number", "[ a -lt 2 ]", "", "", "sh: 1: [: Illegal number: a\n", 2),
]
VARIABLES: list[Case] = [
    ("assign-and-expand", "X=1; echo $X ${X}", "", "1 1\n", "", 0),
    ("hostname-variable", "echo $HOSTNAME", "", "web\n", "", 0),
    (
        "container-env",
        "echo $GREETING $POD_NAME $POD_NAMESPACE $POD_IP",
        "",
        "hi web default 10.244.0.7\n",
        "",
        0,
    ),
    ("unset-is-empty", 'echo "$UNSET" end', "", " end\n", "", 0),
    ("field-splitting", 'X="a  b"; echo $X; echo "$X"', "", "a b\na  b\n", "", 0),
    (
        "empty-unquoted-vanishes",
        'E=; set -- $E; echo $#; set -- "$E"; echo $#',
        "",
        "0\n1\n",
        "",
        0,
    ),
    ("default-values", "echo ${X:-default} ${X-unset}", "", "default unset\n", "", 0),
    ("empty-versus-unset", "X=; echo ${X:-d}/${X-d}", "", "d/\n", "", 0),
    ("assign-default", "echo ${Y:=set}; echo $Y", "", "set\nset\n", "", 0),
    ("alternate-value", "X=1; echo ${X:+alt} ${Z:+alt}.", "", "alt .\n", "", 0),
    (
        "trim-patterns",
        "X=hello.tar.gz; echo ${X%.*} ${X%%.*} ${X#*.} ${X##*.} ${#X}",
        "",
        "hello.tar hello tar.gz gz 12\n",
        "",
        0,
    ),
    (
        "replace-and-substring",
        "X=abcabc; echo ${X/b/B} ${X//b/B} ${X:1:3}",
        "",
        "aBcabc aBcaBc bca\n",
        "",
        0,
    ),
    ("required-parameter", "echo ${X:?is required}", "", "", "sh: 1: X: is required\n", 2),
    ("positional", "set -- a b c; echo $# $1 $@", "", "3 a a b c\n", "", 0),
    ("quoted-at", 'set -- "a b" c; for x in "$@"; do echo [$x]; done', "", "[a b]\n[c]\n", "", 0),
    ("shift", "set -- a b c; shift; echo $@; shift 2; echo $#", "", "b c\n0\n", "", 0),
    ("function", "f() { echo $1-$2; return 4; }; f x y; echo $?", "", "x-y\n4\n", "", 0),
    ("function-local", "f() { local v=in; echo $v; }; v=out; f; echo $v", "", "in\nout\n", "", 0),
    (
        "arithmetic",
        "echo $((2+3*4)) $((10/3)) $((10%3)) $(( (1+2)*3 )) $((-7/2))",
        "",
        "14 3 1 9 -3\n",
        "",
        0,
    ),
    (
        "arithmetic-variables",
        "X=5; echo $((X*2)) $(($X+1)); i=1; : $((i+=2)); echo $i",
        "",
        "10 6\n3\n",
        "",
        0,
    ),
    (
        "arithmetic-compare",
        "echo $((3>2)) $((3<2)) $((1&&0)) $((2==2?7:8))",
        "",
        "1 0 0 7\n",
        "",
        0,
    ),
    ("dollar-zero", "echo $0", "", "sh\n", "", 0),
    ("export-to-child", "export A=1; B=2; sh -c 'echo [$A] [$B]'", "", "[1] []\n", "", 0),
    ("prefix-assignment", "C=3 sh -c 'echo $C'; echo [$C]", "", "3\n[]\n", "", 0),
    ("tilde", "echo ~ ~/x", "", "/root /root/x\n", "", 0),
    ("unset", "X=1; unset X; echo [${X-gone}]", "", "[gone]\n", "", 0),
]
SUBSTITUTION_AND_QUOTES: list[Case] = [
    ("command-substitution", "echo $(echo a; echo b)", "", "a b\n", "", 0),
    ("trailing-newlines-stripped", "echo \"$(printf 'x\\n\\n')\"", "", "x\n", "", 0),
    ("backquotes", "echo `echo back`", "", "back\n", "", 0),
    ("substitution-status", "X=$(false); echo $?", "", "1\n", "", 0),
    ("nested-substitution", "echo $(echo $(echo nested))", "", "nested\n", "", 0),
    ("quoted-substitution", 'echo "$(echo "in q")"', "", "in q\n", "", 0),
    ("single-quotes", "echo 'single $X'", "", "single $X\n", "", 0),
    ("double-quotes", 'X=v; echo "double $X"', "", "double v\n", "", 0),
    ("escaped-quote", 'echo "a\\"b"', "", 'a"b\n', "", 0),
    ("escaped-space", "echo a\\ b", "", "a b\n", "", 0),
    ("quote-in-quotes", "echo 'it'\\''s'", "", "it's\n", "", 0),
    ("empty-string-is-an-argument", 'echo "" | wc -c', "", "1\n", "", 0),
    ("glob", "ls /etc/host*", "", "/etc/hostname\n/etc/hosts\n", "", 0),
    ("glob-suffix", "echo /etc/*.conf", "", "/etc/resolv.conf\n", "", 0),
    ("glob-without-match-stays", "echo /nomatch/*", "", "/nomatch/*\n", "", 0),
    ("quoted-glob", "echo '/etc/*'", "", "/etc/*\n", "", 0),
]
REDIRECTIONS: list[Case] = [
    ("write-then-read", "echo hi > /tmp/x; cat /tmp/x", "", "hi\n", "", 0),
    ("append", "echo a > /tmp/x; echo b >> /tmp/x; cat /tmp/x", "", "a\nb\n", "", 0),
    ("truncate", "echo long > /tmp/x; echo s > /tmp/x; cat /tmp/x", "", "s\n", "", 0),
    ("input", "cat < /etc/hostname", "", "web\n", "", 0),
    (
        "stderr-to-stdout",
        "ls /nope 2>&1",
        "",
        "ls: cannot access '/nope': No such file or directory\n",
        "",
        2,
    ),
    ("stderr-to-null", "ls /nope 2>/dev/null; echo $?", "", "2\n", "", 0),
    ("stdout-to-null", "echo gone >/dev/null; echo kept", "", "kept\n", "", 0),
    ("to-stderr", "echo err >&2", "", "", "err\n", 0),
    (
        "order-matters",
        "ls /nope 2>&1 >/dev/null",
        "",
        "ls: cannot access '/nope': No such file or directory\n",
        "",
        2,
    ),
    ("group-redirect", "{ echo out; echo err >&2; } 2>&1 | wc -l", "", "2\n", "", 0),
    ("group-to-file", "{ echo a; echo b; } > /tmp/g; cat /tmp/g", "", "a\nb\n", "", 0),
    ("loop-to-file", "for i in 1 2; do echo $i; done > /tmp/l; wc -l < /tmp/l", "", "2\n", "", 0),
    ("heredoc", "cat <<EOF\n$HOSTNAME\nEOF", "", "web\n", "", 0),
    ("heredoc-quoted", "cat <<'EOF'\n$HOSTNAME\nEOF", "", "$HOSTNAME\n", "", 0),
    ("heredoc-strip-tabs", "cat <<-EOF\n\tindented\n\tEOF", "", "indented\n", "", 0),
    ("heredoc-then-more", "cat <<EOF > /tmp/h\nbody\nEOF\ncat /tmp/h", "", "body\n", "", 0),
    ("here-string", "grep b <<< 'a b'", "", "a b\n", "", 0),
    ("dev-stdout", "echo x > /dev/stdout", "", "x\n", "", 0),
    (
        "missing-directory",
        "echo hi > /nope/x; echo $?",
        "",
        "2\n",
        "sh: 1: cannot create /nope/x: Directory nonexistent\n",
        0,
    ),
    ("missing-input", "cat < /nope", "", "", "sh: 1: cannot open /nope: No such file\n", 2),
    (
        "directory-as-output",
        "echo x > /tmp",
        "",
        "",
        "sh: 1: cannot create /tmp: Is a directory\n",
        2,
    ),
    (
        "exec-redirects-the-shell",
        "exec 2>&1; ls /nope",
        "",
        "ls: cannot access '/nope': No such file or directory\n",
        "",
        2,
    ),
]
SHELL_STATE: list[Case] = [
    ("subshell-keeps-cwd", "(cd /etc; pwd); pwd", "", "/etc\n/\n", "", 0),
    ("subshell-exit", "(exit 5); echo $?", "", "5\n", "", 0),
    (
        "cd-and-relative-paths",
        "cd /etc && ls hostname && cat ./hostname",
        "",
        "hostname\nweb\n",
        "",
        0,
    ),
    ("cd-home", "cd; pwd", "", "/root\n", "", 0),
    ("cd-missing", "cd /nope", "", "", "sh: 1: cd: can't cd to /nope\n", 2),
    ("set-e-stops", "set -e; false; echo not", "", "", "", 1),
    (
        "set-e-ignores-conditions",
        "set -e; false || true; if false; then :; fi; echo yes",
        "",
        "yes\n",
        "",
        0,
    ),
    ("set-u", "set -u; echo $NOPE", "", "", "sh: 1: NOPE: parameter not set\n", 2),
    ("set-x", "set -x; echo hi", "", "hi\n", "+ echo hi\n", 0),
    ("eval", "X='echo evaluated'; eval $X", "", "evaluated\n", "", 0),
    (
        "command-v",
        "command -v sh; command -v cd; command -v nope; echo $?",
        "",
        "/bin/sh\ncd\n127\n",
        "",
        0,
    ),
    ("type", "type cd sh", "", "cd is a shell builtin\nsh is /bin/sh\n", "", 0),
    (
        "source-a-file",
        "echo 'Y=sourced' > /tmp/env.sh; . /tmp/env.sh; echo $Y",
        "",
        "sourced\n",
        "",
        0,
    ),
]
ERRORS: list[Case] = [
    ("not-found", "foo", "", "", "sh: 1: foo: not found\n", 127),
    ("not-found-line-number", "echo a\nfoo", "", "a\n", "sh: 2: foo: not found\n", 127),
    ("not-found-silenced", "nope 2>/dev/null; echo $?", "", "127\n", "", 0),
    (
        "division-by-zero",
        "echo $((1/0))",
        "",
        "",
        'sh: 1: arithmetic expression: division by zero: "1/0"\n',
        2,
    ),
    ("bad-substitution", "echo ${X!}", "", "", "sh: 1: Bad substitution\n", 2),
    ("close-paren", "echo )", "", "", 'sh: 1: Syntax error: ")" unexpected\n', 2),
    (
        "missing-fi",
        "if true; then echo",
        "",
        "",
        'sh: 1: Syntax error: end of file unexpected (expecting "fi")\n',
        2,
    ),
    (
        "missing-do",
        "for i in 1 2; echo $i; done",
        "",
        "",
        'sh: 1: Syntax error: word unexpected (expecting "do")\n',
        2,
    ),
    (
        "missing-then",
        "if true; fi",
        "",
        "",
        'sh: 1: Syntax error: "fi" unexpected (expecting "then")\n',
        2,
    ),
    (
        "missing-done",
        "while true; do",
        "",
        "",
        'sh: 1: Syntax error: end of file unexpected (expecting "done")\n',
        2,
    ),
    (
        "missing-brace",
        "{ echo a",
        "",
        "",
        'sh: 1: Syntax error: end of file unexpected (expecting "}")\n',
        2,
    ),
    (
        "unterminated-quote",
        "echo 'open",
        "",
        "",
        "sh: 1: Syntax error: Unterminated quoted string\n",
        2,
    ),
    (
        "unterminated-substitution",
        "echo $(echo",
        "",
        "",
        'sh: 1: Syntax error: end of file unexpected (expecting ")")\n',
        2,
    ),
    ("unterminated-parameter", "echo ${X", "", "", "sh: 1: Syntax error: Missing '}'\n", 2),
    ("leading-operator", "&& echo", "", "", 'sh: 1: Syntax error: "&&" unexpected\n', 2),
    (
        "earlier-lines-run-first",
        "echo ok\nfi",
        "",
        "ok\n",
        'sh: 2: Syntax error: "fi" unexpected\n',
        2,
    ),
    (
        "missing-redirect-target",
        "echo >",
        "",
        "",
        "sh: 1: Syntax error: end of file unexpected\n",
        2,
    ),
]

ALL = SEQUENCING + PIPES + LOOPS + CONDITIONALS + VARIABLES + SUBSTITUTION_AND_QUOTES
ALL += REDIRECTIONS + SHELL_STATE + ERRORS


@pytest.mark.parametrize(
    ("script", "stdin", "stdout", "stderr", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in ALL],
)
def test_sh(sh: Run, script: str, stdin: str, stdout: str, stderr: str, code: int) -> None:
    assert sh(script, stdin) == (stdout, stderr, code)


BASH: list[Case] = [
    ("not-found", "foo", "", "", "bash: line 1: foo: command not found\n", 127),
    (
        "syntax-error",
        "echo )",
        "",
        "",
        "bash: -c: line 1: syntax error near unexpected token `)'\nbash: -c: line 1: `echo )'\n",
        2,
    ),
    ("cd-missing", "cd /nope", "", "", "bash: line 1: cd: /nope: No such file or directory\n", 1),
    (
        "missing-directory",
        "echo hi > /nope/x",
        "",
        "",
        "bash: line 1: /nope/x: No such file or directory\n",
        1,
    ),
    ("test-integer", "[ a -lt 2 ]", "", "", "bash: line 1: [: a: integer expression expected\n", 2),
    ("dollar-zero", "echo $0", "", "bash\n", "", 0),
    (
        "same-language",
        'for i in $(seq 1 2); do X=a$i; echo "${X//a/b}" $((i*2)); done',
        "",
        "b1 2\nb2 4\n",
        "",
        0,
    ),
]


@pytest.mark.parametrize(
    ("script", "stdin", "stdout", "stderr", "code"),
    [pytest.param(*case[1:], id=case[0]) for case in BASH],
)
def test_bash(sh: Run, script: str, stdin: str, stdout: str, stderr: str, code: int) -> None:
    assert sh(script, stdin, shell="bash") == (stdout, stderr, code)


@pytest.mark.parametrize(
    ("argv", "stdin", "expected"),
    [
        pytest.param(
            ["sh", "-c", "echo $0 $1 $#", "name", "arg"],
            "",
            ("name arg 1\n", "", 0),
            id="command-string-arguments",
        ),
        pytest.param(
            ["sh"], "echo from stdin\nexit 4\n", ("from stdin\n", "", 4), id="script-on-stdin"
        ),
        pytest.param(
            ["/bin/sh", "-c", "foo"],
            "",
            ("", "/bin/sh: 1: foo: not found\n", 127),
            id="messages-use-argv0",
        ),
        pytest.param(
            ["sh", "-c"], "", ("", "sh: 0: -c requires an argument\n", 2), id="c-without-command"
        ),
        pytest.param(
            ["sh", "/nope.sh"],
            "",
            ("", "sh: 0: cannot open /nope.sh: No such file\n", 2),
            id="missing-script-file",
        ),
        pytest.param(["sh", "-e", "-c", "false; echo no"], "", ("", "", 1), id="errexit-flag"),
        pytest.param(
            ["bash", "-c", "foo"],
            "",
            ("", "bash: line 1: foo: command not found\n", 127),
            id="bash-argv0",
        ),
    ],
)
def test_invocations(
    execute: Run, argv: list[str], stdin: str, expected: tuple[str, str, int]
) -> None:
    assert execute(argv, stdin) == expected


def test_script_file_with_arguments(sh: Run, execute: Run) -> None:
    sh("printf 'echo script $0 got $1\\nexit 7\\n' > /tmp/s.sh")
    assert execute(["sh", "/tmp/s.sh", "x"]) == ("script /tmp/s.sh got x\n", "", 7)


def test_endless_loop_is_stopped_by_the_time_limit(execute: Run) -> None:
    assert execute(["sh", "-c", "while true; do :; done"], time_limit=0.2)[2] == 137


def test_runaway_recursion_is_an_error_not_a_crash(sh: Run) -> None:
    assert sh("f() { f; }; f") == (
        "",
        "sh: 1: f: maximum function nesting level exceeded (100)\n",
        2,
    )
