"""Reading solution scripts: here-documents, continuations, chains, the `cat` forms, and what is
refused (with the line)."""

from __future__ import annotations

import pytest

from meshcert.content.scripts import Command, ScriptError, parse_script


def test_heredocs_comments_and_continuations() -> None:
    script = """\
# create the policy
kubectl apply -f - <<EOF
kind: A
  indented: $KEEP
EOF
istioctl install \\
  --set profile=demo -y
kubectl apply -f - <<'END'
x: 1
END
cat <<EOF | kubectl apply -n foo -f -
y: 2
EOF
kubectl create ns a && kubectl label ns a istio-injection=enabled
cat > overlay.yaml <<EOF
z: 3
EOF
"""
    chain = "kubectl create ns a && kubectl label ns a istio-injection=enabled"
    assert parse_script(script) == [
        Command(("kubectl", "apply", "-f", "-"), "kind: A\n  indented: $KEEP\n", 2,
                "kubectl apply -f - <<EOF"),
        Command(("istioctl", "install", "--set", "profile=demo", "-y"), None, 6,
                "istioctl install    --set profile=demo -y"),
        Command(("kubectl", "apply", "-f", "-"), "x: 1\n", 8, "kubectl apply -f - <<'END'"),
        Command(("kubectl", "apply", "-n", "foo", "-f", "-"), "y: 2\n", 11,
                "cat <<EOF | kubectl apply -n foo -f -"),
        Command(("kubectl", "create", "ns", "a"), None, 14, chain),
        Command(("kubectl", "label", "ns", "a", "istio-injection=enabled"), None, 14, chain),
        Command(("cat",), "z: 3\n", 15, "cat > overlay.yaml <<EOF", output="overlay.yaml"),
    ]  # fmt: skip


def test_tab_stripping_heredoc() -> None:
    commands = parse_script("kubectl apply -f - <<-EOF\n\tkind: A\n\tEOF\n")
    assert commands[0].stdin == "kind: A\n"


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("kubectl apply -f - <<EOF\nkind: A\n", "line 1: here-document EOF never ends"),
        ("kubectl get pods | grep x", "line 1: only `cat <<EOF | command` may use a pipe"),
        ("TOKEN=$(curl -s x)\nkubectl get pods", "line 1: shell variables and substitutions"),
        ("kubectl get pods; kubectl get svc", "line 1: ';' is not supported in solutions"),
        ("kubectl get pods > out.txt", "line 1: '>' is not supported in solutions"),
        ("kubectl apply -f 'unterminated", "line 1: No closing quotation"),
    ],
    ids=["open-heredoc", "pipe", "variable", "semicolon", "redirect", "quote"],
)
def test_refused_with_the_line(script: str, message: str) -> None:
    with pytest.raises(ScriptError) as caught:
        parse_script(script)
    assert str(caught.value).startswith(message)
