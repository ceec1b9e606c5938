"""`meshcert practice list|start|show|check|solution|reset|stop`: practise a task of the bank
on a lab from one's own terminal (issue 6). The session logic is in `practice_session`."""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from . import output
from .quick_up import serve_options

if TYPE_CHECKING:
    from meshcert.content.tasks import TaskInstance
    from meshcert.grading.grader import GradeReport

    from .practice_session import PracticeError

practice_app = typer.Typer(
    help="Practise ICA tasks on a lab, with your own kubectl, and get them graded.",
    no_args_is_help=True,
)

DomainOption = Annotated[
    str | None, typer.Option("--domain", help="A blueprint domain, e.g. 'Traffic Management'.")
]
CompetencyOption = Annotated[
    str | None, typer.Option("--competency", help="A competency as the blueprint spells it.")
]
KubeconfigOption = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        help="Kubeconfig for the practice lab (default: the lab's).",
        dir_okay=False,
        show_default=False,
    ),
]


def _fail(error: PracticeError) -> NoReturn:
    output.print_error(error.message)
    raise typer.Exit(error.code)


@practice_app.command("list")
def list_tasks(domain: DomainOption = None, competency: CompetencyOption = None) -> None:
    """The tasks of the bank (filtered by domain or competency)."""
    from rich.table import Table

    from .practice_session import PracticeError, tasks

    try:
        bank = tasks()
    except PracticeError as exc:
        _fail(exc)
    rows = [t for _, t in sorted(bank.items())
            if (domain is None or t.domain.lower() == domain.lower())
            and (competency is None or t.competency.lower() == competency.lower())]  # fmt: skip
    if not rows:
        output.print_error("no task matches: the domains and competencies are the blueprint's "
                           "(`meshcert tasks coverage`)")  # fmt: skip
        raise typer.Exit(1)
    table = Table(box=None, pad_edge=False)
    for column in ("TASK", "DOMAIN", "COMPETENCY", "LEVEL", "MIN", "TITLE"):
        table.add_column(column, overflow="fold")
    for t in rows:
        table.add_row(t.id, t.domain, t.competency, t.difficulty, str(t.minutes), t.title)
    output.console().print(table)


@practice_app.command("start")
def start(
    task_id: Annotated[str | None, typer.Argument(help="The task (see `practice list`).")] = None,
    domain: DomainOption = None,
    competency: CompetencyOption = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            min=0,
            help="The attempt's seed (names, values); random without.",
            show_default=False,
        ),
    ] = None,
    kubeconfig: KubeconfigOption = None,
) -> None:
    """Start a task's lab in the background and print its prompt."""
    from meshcert.lab.errors import LabError

    from .practice_session import PracticeError, Session, choose
    from .practice_session import start as start_session

    if task_id is None and domain is None and competency is None:
        raise typer.BadParameter("name a TASK_ID, or pick by --domain or --competency")
    drawn = seed if seed is not None else random.SystemRandom().randrange(1_000_000)
    options = serve_options(kubeconfig)
    try:
        if (Session.folder(options.home) / "session.json").exists():
            running = Session.load()
            raise PracticeError(f"a practice session is running (task {running.task}): "
                                "`meshcert practice stop` ends it")  # fmt: skip
        task = choose(task_id, domain, competency, drawn)
        out = output.console()
        out.print(f"Starting the lab for [bold]{task.id}[/] (seed {drawn})...")
        _, _ = start_session(task, drawn, options)
    except PracticeError as exc:
        _fail(exc)
    except LabError as exc:
        output.print_error(exc.message)
        raise typer.Exit(exc.exit_code) from None
    _print_prompt(task.instantiate(drawn), output.kubeconfig_flag(options))


def _print_prompt(instance: TaskInstance, flag: str) -> None:
    from rich.markdown import Markdown
    from rich.markup import escape

    out = output.console()
    d = instance.definition
    out.print(f"\n[bold]{escape(d.title)}[/]  ({d.domain} / {d.competency}, {d.points} points, "
              f"about {d.minutes} min)\n")  # fmt: skip
    out.print(Markdown(instance.prompt))
    out.print("\nPoint your shell at the lab, solve with kubectl / istioctl / helm, then check:")
    out.print(f'  [cyan]eval "$(meshcert lab env{escape(flag)})"[/]')
    out.print("  [cyan]meshcert practice check[/]")


@practice_app.command("show")
def show() -> None:
    """Print the current task's prompt again."""
    from meshcert.lab.launching import ServeOptions

    from .practice_session import PracticeError, current

    try:
        session, instance = current()
    except PracticeError as exc:
        _fail(exc)
    options: ServeOptions = serve_options(Path(session.kubeconfig))
    _print_prompt(instance, output.kubeconfig_flag(options))


@practice_app.command("check")
def check() -> None:
    """Grade the lab: each check with its points and message; exit 0 on full marks."""
    from .practice_session import PracticeError, current
    from .practice_session import check as grade_session

    try:
        session, instance = current()
        report = grade_session(session, instance)
    except PracticeError as exc:
        _fail(exc)
    _print_report(instance, report)
    raise typer.Exit(0 if report.full_marks else 1)


def _print_report(instance: TaskInstance, report: GradeReport) -> None:
    from rich.markup import escape

    out = output.console()
    for r in report.results:
        mark = "[green]✔[/]" if r.passed else "[red]✘[/]"
        out.print(f"{mark} {r.earned}/{r.points}  {escape(r.id)}")
        if not r.passed:
            out.print(f"      {escape(r.message)}")
            if r.detail:
                out.print(f"      [dim]{escape(r.detail)}[/]")
    out.print(f"\nScore: [bold]{report.points}/{report.max_points}[/]")
    if report.full_marks:
        out.print("\n[bold]Why it works[/]")
        out.print(escape(instance.explanation.strip()))
    else:
        out.print("Fix what failed and check again; `meshcert practice solution` shows one way.")


@practice_app.command("solution")
def solution() -> None:
    """Print the reference solution as a shell script (`... | bash` applies it)."""
    from .practice_session import PracticeError, current, solution_script

    try:
        _, instance = current()
    except PracticeError as exc:
        _fail(exc)
    print(solution_script(instance), end="")


@practice_app.command("reset")
def reset() -> None:
    """Start the current task over: a new lab in the task's starting state, same seed."""
    from meshcert.lab.errors import LabError

    from .practice_session import PracticeError, current
    from .practice_session import start as start_session
    from .practice_session import stop as stop_session

    try:
        session, instance = current()
        options = serve_options(Path(session.kubeconfig))
        stop_session(options)
        start_session(instance.definition, session.seed, options)
    except PracticeError as exc:
        _fail(exc)
    except LabError as exc:
        output.print_error(exc.message)
        raise typer.Exit(exc.exit_code) from None
    output.console().print(f"The lab for {instance.id} is back in its starting state.")


@practice_app.command("stop")
def stop() -> None:
    """Stop the practice lab and end the session."""
    from .practice_session import PracticeError, Session
    from .practice_session import stop as stop_session

    try:
        session = Session.load()  # no session: nothing is stopped (not someone's own lab)
        stop_session(serve_options(Path(session.kubeconfig)))
    except PracticeError as exc:
        _fail(exc)
    output.console().print("Practice session ended; its lab is stopped and removed.")
