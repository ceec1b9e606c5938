"""`istioctl create-remote-secret`: refused with a plain message, as the lab has one cluster.

The real command (istio/istio istioctl/pkg/multicluster/remote_secret.go, registered at the top
level in istioctl/cmd/root.go) prints a Secret holding a kubeconfig for this cluster, for an
istiod in another cluster to read. A lab is a single cluster: there is no other control plane
to give it to, so the command says so rather than print a kubeconfig that nothing can use.
"""

from __future__ import annotations

from .commands import Command, Flag, Invocation, UsageError

SHORT = "Create a secret with credentials to allow Istio to access remote Kubernetes apiservers"
NOT_IN_LAB = (
    "create-remote-secret is not supported in a single-cluster lab: the lab is one cluster "
    "with one control plane, so there is no remote istiod to give this cluster's credentials to"
)


def run_create_remote_secret(inv: Invocation) -> int:
    raise UsageError(NOT_IN_LAB)


def add_remote_secret_command(root: Command) -> None:
    root.add(
        Command(
            "create-remote-secret",
            SHORT,
            run_create_remote_secret,
            (
                Flag(
                    "name",
                    help="Name of the local cluster whose credentials are stored in the secret",
                ),
                Flag("server", help="The address and port of the Kubernetes API server."),
                Flag(
                    "service-account",
                    default="istio-reader-service-account",
                    help="Create a secret with this service account's credentials.",
                ),
                Flag(
                    "create-service-account",
                    default="true",
                    help="If true, the service account needed for creating the remote secret "
                    "will be created if it doesn't exist.",
                ),
                Flag(
                    "secret-name", help="The name of the specific secret to use for target-cluster"
                ),
                Flag(
                    "type",
                    default="remote",
                    help="Type of the generated secret. supported values = [remote config]",
                ),
                Flag(
                    "auth-type",
                    default="bearer-token",
                    help="Type of authentication to use. supported values = [bearer-token plugin]",
                ),
                Flag(
                    "auth-plugin-name",
                    help="Authenticator plug-in name. --auth-type=plugin "
                    "must be set with this option",
                ),
                Flag(
                    "auth-plugin-config",
                    kind="list",
                    help="Authenticator plug-in "
                    "configuration. --auth-type=plugin must be set with this option",
                ),
                Flag("manifests", "d", help="Specify a path to a directory of charts and profiles"),
                Flag("revision", "r", help="Control plane revision"),
            ),
            max_args=0,
            usage="[flags]",
        )
    )


__all__ = ["add_remote_secret_command", "run_create_remote_secret"]
