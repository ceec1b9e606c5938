"""The istioctl program: the command tree, the exec entry point and `run_istioctl` for tests
and the CLI. Issue 5 adds troubleshooting commands through `build_root()`'s `add_*` calls."""

from __future__ import annotations

from collections.abc import Callable

from meshcert.kube import errors
from meshcert.kube.cluster import Cluster
from meshcert.kube.execution import ExecContext
from meshcert.kube.execution.filesystem import FileSystemError

from .analyze import add_analyze_command
from .analyze.command import DIRECTORIES
from .bug_report_command import add_bug_report_command
from .commands import Command, Invocation, UsageError, defaults, help_text, parse
from .dashboard_command import add_dashboard_command
from .describe_command import add_describe_command
from .file_output import OUTPUT, mapping_output, pod_output
from .install_commands import add_install_commands
from .kube_inject_command import add_kube_inject_command
from .proxy_config import add_proxy_config_commands
from .proxy_status_command import add_proxy_status_command
from .remote_secret_command import add_remote_secret_command
from .tag_commands import add_tag_commands
from .validate_command import add_validate_command
from .version_command import add_version_command
from .waypoint_commands import add_waypoint_commands

ROOT_SHORT = (
    "Istio configuration command line utility for service operators to\n"
    "debug and diagnose their Istio mesh."
)


def build_root() -> Command:
    root = Command("istioctl", ROOT_SHORT)
    add_analyze_command(root)
    add_install_commands(root)
    add_describe_command(root)
    add_kube_inject_command(root)
    add_proxy_config_commands(root)
    add_proxy_status_command(root)
    add_tag_commands(root)
    add_version_command(root)
    add_waypoint_commands(root)
    add_dashboard_command(root)
    add_remote_secret_command(root)
    add_validate_command(root)
    add_bug_report_command(root)
    return root


_ROOT = build_root()


def execute(
    cluster: Cluster,
    argv: list[str],
    stdout: Callable[[str], None],
    stderr: Callable[[str], None],
    read_file: Callable[[str], bytes],
    stdin: Callable[[], bytes],
) -> int:
    try:
        command, path, args, opts = parse(_ROOT, argv)
        opts = defaults(command, opts)
        if opts.get("help") or command.run is None:
            if command.run is None and args and not opts.get("help"):
                raise UsageError(f'unknown command "{args[0]}" for "{" ".join(path)}"')
            stdout(help_text(command, path))
            return 0
        if command.max_args is not None and len(args) > command.max_args:
            raise UsageError(f'unknown command "{args[command.max_args]}" for "{" ".join(path)}"')
        inv = Invocation(cluster, path, args, opts, stdout, stderr, read_file, stdin)
        return command.run(inv)
    except UsageError as exc:
        stderr(f"Error: {exc}\n")
        return 1
    except errors.KubeError as exc:
        stderr(f"Error: {exc.message}\n")
        return 1


def run_istioctl(
    cluster: Cluster, argv: list[str], files: dict[str, bytes] | None = None, stdin: bytes = b""
) -> tuple[int, str, str]:
    """Run istioctl outside any pod: (exit code, stdout, stderr). `files` are what `-f` reads;
    files the command writes (bug-report's archive) are added to it, by absolute path."""
    out: list[str] = []
    err: list[str] = []
    known = dict(files or {})

    def read_file(path: str) -> bytes:
        if path == "-":
            return stdin
        if path not in known:
            raise FileSystemError(path, "No such file or directory")
        return known[path]

    def list_dir(path: str) -> list[str] | None:
        prefix = path.rstrip("/") + "/"
        names = {k[len(prefix) :].split("/", 1)[0] for k in known if k.startswith(prefix)}
        return sorted(names) if names else None

    targets = [known] if files is None else [known, files]
    token, written = DIRECTORIES.set(list_dir), OUTPUT.set(mapping_output(*targets))
    try:
        code = execute(cluster, list(argv), out.append, err.append, read_file, lambda: stdin)
    finally:
        DIRECTORIES.reset(token)
        OUTPUT.reset(written)
    return code, "".join(out), "".join(err)


def istioctl_program(ctx: ExecContext) -> int:
    """The exec program: reads `-f` files from the container's file system."""

    def read_file(path: str) -> bytes:
        return ctx.read_file("/dev/stdin" if path == "-" else path)

    def list_dir(path: str) -> list[str] | None:
        return ctx.fs.listdir(path, ctx.cwd) if ctx.fs.is_dir(path, ctx.cwd) else None

    token, written = DIRECTORIES.set(list_dir), OUTPUT.set(pod_output(ctx))
    try:
        return execute(ctx.cluster, ctx.argv[1:], ctx.out, ctx.err, read_file, lambda: ctx.stdin)
    finally:
        DIRECTORIES.reset(token)
        OUTPUT.reset(written)
