"""The Typer app behind the `meshcert` console script, and `main()`.

`app` is built on first use, so `main()` can serve `lab up --detach` without loading Typer
(see `quick_up`). `meshcert istioctl ...` and `meshcert helm ...` pass every argument to the
lab's tools (`workstation`).
"""

from __future__ import annotations

import os
import sys
from functools import cache
from typing import TYPE_CHECKING, Any

from . import quick_up

if TYPE_CHECKING:
    import typer


@cache
def build_app() -> typer.Typer:
    import typer

    from .jwt_commands import jwt_app
    from .lab_commands import lab_app
    from .practice_commands import practice_app
    from .task_commands import tasks_app
    from .tool_commands import add_tool_commands

    app = typer.Typer(
        name="meshcert",
        help="A self-hostable Istio certification platform on a simulated cluster.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.add_typer(lab_app, name="lab")
    app.add_typer(jwt_app, name="jwt")
    app.add_typer(tasks_app, name="tasks")
    app.add_typer(practice_app, name="practice")
    add_tool_commands(app)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":
        return build_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Run the CLI; an unexpected failure is one line on stderr and exit code 1."""
    try:
        if sys.argv[1:2] in (["istioctl"], ["helm"]):  # no Typer: every argument is the tool's
            from . import workstation

            sys.exit(workstation.run(sys.argv[1], sys.argv[2:]))
        code = quick_up.run(sys.argv[1:])
        if code is not None:
            sys.exit(code)
        build_app()(prog_name="meshcert")
    except Exception as exc:  # the CLI translates: a user never sees a traceback
        if os.environ.get("MESHCERT_DEBUG"):
            raise
        print(
            f"meshcert: internal error: {exc!r} (set MESHCERT_DEBUG=1 for details)",
            file=sys.stderr,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
