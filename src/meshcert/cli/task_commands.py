"""`meshcert tasks verify [TASK_ID...]` (the content self-test), `meshcert tasks coverage
[--blueprint ID] [--json]` (tasks per competency against a blueprint) and `meshcert tasks show
TASK_ID [--seed N] [--solution]` (a task as attempt N sees it, for authors)."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from . import output

tasks_app = typer.Typer(help="The task bank: self-test and coverage.", no_args_is_help=True)


@tasks_app.command("verify")
def verify(
    task_ids: Annotated[
        list[str] | None, typer.Argument(help="Tasks to verify (default: all).", show_default=False)
    ] = None,
    seeds: Annotated[int, typer.Option("--seeds", help="Seeds 0..N-1 per task.", min=1)] = 10,
) -> None:
    """Prove tasks in-process: for each seed the untouched scenario scores below full marks
    (zero on its main checks), the reference solution full marks, every near-miss less."""
    from meshcert.content.locations import ContentError
    from meshcert.content.selftest import verify_task
    from meshcert.content.tasks import load_tasks

    try:
        tasks = load_tasks()
    except ContentError as exc:
        output.print_error(exc.message)
        raise typer.Exit(1) from None
    unknown = [t for t in task_ids or [] if t not in tasks]
    if unknown:
        output.print_error(f"no task {', '.join(unknown)} (see content/tasks/)")
        raise typer.Exit(1)
    out = output.console()
    failed = 0
    for task_id in task_ids or sorted(tasks):
        start = time.perf_counter()
        findings = verify_task(tasks[task_id], range(seeds))
        took = time.perf_counter() - start
        if findings:
            failed += 1
            out.print(f"[bold red]FAIL[/] {task_id} ({took:.1f} s)")
            for finding in findings:
                out.print(f"  seed {finding.seed} {finding.case}: {finding.problem}",
                          markup=False)  # fmt: skip
        else:
            out.print(f"[green]ok[/]   {task_id} ({seeds} seeds, {took:.1f} s)")
    if failed:
        raise typer.Exit(1)


@tasks_app.command("show")
def show(
    task_id: Annotated[str, typer.Argument(help="The task's id.")],
    seed: Annotated[int, typer.Option("--seed", help="The attempt's seed.", min=0)] = 0,
    solution: Annotated[
        bool, typer.Option("--solution", help="Also print the reference solution.")
    ] = False,
) -> None:
    """Print a task's prompt (Markdown) and its checks as attempt SEED renders them."""
    from meshcert.content.locations import ContentError
    from meshcert.content.tasks import load_tasks

    try:
        task = load_tasks().get(task_id)
        if task is None:
            output.print_error(f"no task {task_id} (see content/tasks/)")
            raise typer.Exit(1)
        instance = task.instantiate(seed)
    except ContentError as exc:
        output.print_error(exc.message)
        raise typer.Exit(1) from None
    about = (f"{task.domain} / {task.competency} - {task.difficulty}, {task.minutes} min, "
             f"{task.points} points, seed {seed}")  # fmt: skip
    lines = [f"# {task.title}", "", about, "", instance.prompt.rstrip(), "", "Checks:"]
    lines += [f"- {c.id} ({c.points} points{', main' if c.main else ''}): {c.message}"
              for c in instance.checks]  # fmt: skip
    if solution:
        lines += ["", "Solution:", instance.solution.rstrip()]
    typer.echo("\n".join(lines))


@tasks_app.command("coverage")
def coverage_command(
    blueprint_id: Annotated[str, typer.Option("--blueprint", help="Blueprint id.")] = "ica-2025",
    as_json: Annotated[
        bool, typer.Option("--json", help="An object: competency name -> number of tasks.")
    ] = False,
) -> None:
    """Tasks per competency of a blueprint."""
    from meshcert.content.blueprints import load_blueprints
    from meshcert.content.coverage import coverage
    from meshcert.content.locations import ContentError
    from meshcert.content.tasks import load_tasks

    try:
        blueprints = load_blueprints()
        tasks = load_tasks()
    except ContentError as exc:
        output.print_error(exc.message)
        raise typer.Exit(1) from None
    blueprint = blueprints.get(blueprint_id)
    if blueprint is None:
        output.print_error(f"no blueprint {blueprint_id!r}: use one of {', '.join(blueprints)}")
        raise typer.Exit(1)
    counts = coverage(blueprint, tasks.values())
    if as_json:
        typer.echo(json.dumps(counts, indent=2))
        return
    out = output.console()
    out.print(f"[bold]{blueprint.title}[/]")
    for domain in blueprint.domains:
        total = sum(counts[c] for c in domain.competencies)
        out.print(f"{domain.name} ({domain.weight}%): {total} task(s)", markup=False)
        for competency in domain.competencies:
            out.print(f"  {counts[competency]:3d}  {competency}", markup=False)
    empty = sum(1 for n in counts.values() if n == 0)
    out.print(f"{len(tasks)} task(s); {empty} of {len(counts)} competencies have none.")


__all__ = ["tasks_app"]
