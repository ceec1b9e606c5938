"""Grading: checks that judge a cluster's state and behaviour, and the scoring of a task.

Talks to a cluster only through the `KubeClient` protocol (`client.py`): resources and exec.
Two implementations live in `clients/`: in-process over a lab's simulated cluster (the one
module allowed to reach simulator internals, an import-linter contract says so) and HTTP
through a kubeconfig with the official `kubernetes` client, so a task grades the same on a lab
and on a real cluster with Istio. Never imports content, exam, web or db. Pure apart from what
the client does. See docs/grading.md.
"""
