"""`meshcert lab up --detach` without Typer: the command a user times.

Typer (with the pydantic it builds parameters with) and Rich cost more to load than the lab
server takes to start. A plain, valid `lab up --detach [--scenario S] [--kubeconfig K]
[--port N] [--resume]` command line is therefore served here: the server is spawned at once,
Rich loads while it starts, and the same words are printed as by the Typer command. Anything
else (help, foreground, unusual spellings, mistakes) is left to Typer, which has the same
options and rules.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meshcert.lab.launching import ServeOptions

_VALUED = ("--scenario", "--kubeconfig", "--port")
_FLAGS = ("--detach", "--resume")


def serve_options(
    kubeconfig: Path | None,
    *,
    scenario: str = "base",
    port: int | None = None,
    resume: bool = False,
) -> ServeOptions:
    """The options of `meshcert lab up` (also how `down` and `env` find a lab)."""
    from meshcert.lab.launching import ServeOptions
    from meshcert.lab.state import default_kubeconfig, lab_id_for_kubeconfig, meshcert_home

    home = meshcert_home()
    path = (kubeconfig or default_kubeconfig(home)).expanduser().absolute()
    return ServeOptions(home, lab_id_for_kubeconfig(path, home), path, scenario, port, resume)


def parse_up(argv: list[str]) -> ServeOptions | None:
    """The options of a plain `lab up --detach ...` command line, else None."""
    if argv[:2] != ["lab", "up"]:
        return None
    values: dict[str, str] = {}
    flags: set[str] = set()
    rest = argv[2:]
    while rest:
        word = rest.pop(0)
        name, eq, value = word.partition("=")
        if name in _VALUED and name not in values:
            if not eq:
                if not rest:
                    return None
                value = rest.pop(0)
            if not value:
                return None
            values[name] = value
        elif word in _FLAGS and word not in flags:
            flags.add(word)
        else:
            return None
    if "--detach" not in flags or ("--resume" in flags and "--scenario" in values):
        return None
    port: int | None = None
    if "--port" in values:
        if not values["--port"].isdigit() or int(values["--port"]) > 65535:
            return None
        port = int(values["--port"])
    kubeconfig = Path(values["--kubeconfig"]) if "--kubeconfig" in values else None
    if kubeconfig is not None and kubeconfig.is_dir():
        return None  # Typer says why not
    return serve_options(
        kubeconfig,
        scenario=values.get("--scenario", "base"),
        port=port,
        resume="--resume" in flags,
    )


def run(argv: list[str]) -> int | None:
    """Serve a plain `lab up --detach` command line; its exit code, or None (not ours)."""
    options = parse_up(argv)
    if options is None:
        return None
    from meshcert.lab.errors import LabError
    from meshcert.lab.launching import spawn

    from . import output

    try:
        launch = spawn(options)
        output.console()  # load Rich while the server starts
        ready = launch.wait()
    except LabError as exc:
        output.print_error(exc.message)
        return exc.exit_code
    except KeyboardInterrupt:
        output.print_error("interrupted: the lab was not started")
        return 130
    output.print_ready(ready, options, foreground=False)
    return 0
