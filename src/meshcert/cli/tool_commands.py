"""`meshcert istioctl` and `meshcert helm` in the Typer app, for `meshcert --help`.

`main()` hands these command lines to `workstation.run` before Typer parses anything, so every
argument reaches the tool as typed; these entries document them and serve `app` users.
"""

from __future__ import annotations

import typer

PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def istioctl(ctx: typer.Context) -> None:
    """Run the lab's istioctl from this machine (the lab the kubeconfig points at)."""
    from . import workstation

    raise typer.Exit(workstation.run("istioctl", list(ctx.args)))


def helm(ctx: typer.Context) -> None:
    """Run the lab's helm (Istio's charts) from this machine."""
    from . import workstation

    raise typer.Exit(workstation.run("helm", list(ctx.args)))


def add_tool_commands(app: typer.Typer) -> None:
    for name, command in (("istioctl", istioctl), ("helm", helm)):
        app.command(name, context_settings=PASSTHROUGH, add_help_option=False)(command)


__all__ = ["add_tool_commands"]
