"""What the `meshcert lab` commands print (Rich), kept apart from Typer so the fast path of
`lab up --detach` can print the same words without loading Typer."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from meshcert.lab.launching import Ready, ServeOptions


def console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_error(message: str) -> None:
    from rich.markup import escape

    console(stderr=True).print(f"[bold red]Error:[/] {escape(message)}")


def kubeconfig_flag(options: ServeOptions) -> str:
    """` --kubeconfig PATH` when the lab's kubeconfig is not the default one, else ``."""
    from meshcert.lab.state import default_kubeconfig

    if options.kubeconfig == default_kubeconfig(options.home).expanduser().absolute():
        return ""
    return f" --kubeconfig {shlex.quote(str(options.kubeconfig))}"


def print_ready(ready: Ready, options: ServeOptions, *, foreground: bool) -> None:
    """How to use a lab that answers."""
    from rich.markup import escape

    out = console()
    verb = "resumed" if ready.resumed else "is up"
    out.print(
        f"[bold green]Lab {verb}[/] at [bold]{ready.server}[/] "
        f"(scenario {escape(ready.scenario)}, pid {ready.pid})."
    )
    out.print("Point kubectl at it:")
    out.print(f"  [cyan]export KUBECONFIG={escape(shlex.quote(ready.kubeconfig))}[/]")
    out.print("  [cyan]kubectl get ns[/]")
    if foreground:
        out.print("Serving in the foreground: press Ctrl-C to stop.")
    else:
        down = escape("meshcert lab down" + kubeconfig_flag(options))
        out.print(f"Stop it with [cyan]{down}[/].")


def print_stopped(options: ServeOptions, state_dir: str) -> None:
    """After a foreground lab stops: its state is kept, and how to go on."""
    from rich.markup import escape

    flag = escape(kubeconfig_flag(options))
    console().print(
        f"Lab stopped; its state is kept in {escape(state_dir)}. Resume it with "
        f"[cyan]meshcert lab up --resume{flag}[/], or discard it with "
        f"[cyan]meshcert lab down{flag}[/]."
    )
