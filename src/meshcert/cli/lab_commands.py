"""`meshcert lab up|down|env`: run a lab on 127.0.0.1 and point kubectl at it."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from . import output
from .quick_up import serve_options

if TYPE_CHECKING:
    from meshcert.lab.errors import LabError
    from meshcert.lab.launching import Ready, ServeOptions

lab_app = typer.Typer(
    help="Run a simulated cluster (a lab) that kubectl talks to.",
    no_args_is_help=True,
)

KubeconfigOption = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        help="Kubeconfig file for the lab's entries (default: $MESHCERT_HOME/kubeconfig).",
        dir_okay=False,
        show_default=False,
    ),
]


def _fail(error: LabError) -> NoReturn:
    output.print_error(error.message)
    raise typer.Exit(error.exit_code)


@lab_app.command("up")
def up(
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="A shipped scenario's name (e.g. base) or a path to a YAML file of manifests.",
            show_default=False,
        ),
    ] = None,
    kubeconfig: KubeconfigOption = None,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=0,
            max=65535,
            help="Port on 127.0.0.1 to serve on; 0 takes any free port. Without it: any free "
            "port, or with --resume the lab's old port if it is still free.",
            show_default=False,
        ),
    ] = None,
    detach: Annotated[
        bool, typer.Option("--detach", help="Serve in the background; return once it answers.")
    ] = False,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Bring back a stopped or crashed lab exactly as it was."),
    ] = False,
) -> None:
    """Start a lab on 127.0.0.1 and write a kubeconfig for it."""
    from meshcert.lab.errors import LabError

    if resume and scenario is not None:
        raise typer.BadParameter("a resumed lab keeps its scenario", param_hint="'--scenario'")
    options = serve_options(kubeconfig, scenario=scenario or "base", port=port, resume=resume)
    try:
        if detach:
            from meshcert.lab.launching import spawn

            launch = spawn(options)
            output.console()  # load Rich while the server starts
            output.print_ready(launch.wait(), options, foreground=False)
            return
        _serve_foreground(options)
    except LabError as exc:
        _fail(exc)


def _serve_foreground(options: ServeOptions) -> None:
    from meshcert.lab.hosting import run
    from meshcert.lab.launching import preflight

    files = preflight(options)

    def on_ready(ready: Ready) -> None:
        output.print_ready(ready, options, foreground=True)

    run(options, on_ready)
    if files.exists():
        output.print_stopped(options, str(files.dir))


@lab_app.command("down")
def down(kubeconfig: KubeconfigOption = None) -> None:
    """Stop the lab, remove its kubeconfig entries and delete its state."""
    from rich.markup import escape

    from meshcert.lab import launching
    from meshcert.lab.errors import LabError, NoLab
    from meshcert.lab.state import LabFiles

    options = serve_options(kubeconfig)
    try:
        if not launching.down(LabFiles.of(options.lab_id, options.home), options.kubeconfig):
            raise NoLab(f"there is no lab for {options.kubeconfig}")
    except LabError as exc:
        _fail(exc)
    output.console().print(
        f"Lab stopped and removed; its entries are gone from {escape(str(options.kubeconfig))}."
    )


@lab_app.command("env")
def env(kubeconfig: KubeconfigOption = None) -> None:
    """Print the shell lines that point kubectl, istioctl and helm at the lab:
    eval "$(meshcert lab env)"."""
    from meshcert.lab.errors import LabError, NoLab
    from meshcert.lab.state import LabFiles

    options = serve_options(kubeconfig)
    files = LabFiles.of(options.lab_id, options.home)
    try:
        if not files.exists():
            raise NoLab(
                f"there is no lab for {options.kubeconfig}: start one with `meshcert lab up`"
            )
    except LabError as exc:
        _fail(exc)
    if not files.running():
        from rich.markup import escape

        resume = escape("meshcert lab up --resume" + output.kubeconfig_flag(options))
        output.console(stderr=True).print(
            f"[yellow]Note:[/] the lab is stopped; bring it back with [cyan]{resume}[/]."
        )
    from meshcert.lab.shims import install_shims

    shims = install_shims(options.home)
    print(f"export KUBECONFIG={shlex.quote(str(options.kubeconfig))}")
    # istioctl and helm for the lab, ahead of any installed ones (meshcert istioctl|helm)
    print(f'export PATH={shlex.quote(str(shims))}:"$PATH"')


@lab_app.command("gateway-api")
def gateway_api() -> None:
    """Print the Gateway API CRDs (v1.3.0, standard channel) for `kubectl apply -f -`.

    A lab has no internet, so this stands in for `kubectl kustomize
    "github.com/kubernetes-sigs/gateway-api/config/crd?ref=v1.3.0"` from the istio.io pages:
    meshcert lab gateway-api | kubectl apply -f -
    """
    import yaml

    from meshcert.kube.gateway_api import crd_manifests

    print(yaml.safe_dump_all(crd_manifests(), sort_keys=False), end="")
