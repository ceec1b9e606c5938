"""The `istioctl analyze` command: flags, sources, output and exit codes as istioctl 1.26
(istio/istio istioctl/pkg/analyze/analyze.go; exit codes from istioctl/cmd/root.go
GetExitCode: 79 when a message is at or above --failure-threshold, 65 when a file could not be
parsed, 64 for a bad --output, 1 otherwise).

Directories given as arguments are read through `DIRECTORIES`, a lister the program sets (the
pod's file system, or the files `run_istioctl` was given).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from contextvars import ContextVar

from meshcert.kube.execution.filesystem import FileSystemError
from meshcert.mesh.controlplane.meshconfig_check import mesh_config_error

from ..commands import Command, Flag, Invocation, UsageError
from .analyzers import ALL
from .messages import CATALOGUE, LEVELS, OTHER_CODES, Level
from .output import FORMATS, format_messages
from .resources import FileReader, LabReader, Resource
from .running import Suppression, analyze

EXIT_USAGE = 64
EXIT_DATA = 65
EXIT_ISSUES = 79
DOCS_ROOT = "https://istio.io/v1.26/docs/reference/config/analysis"
EXTENSIONS = (".json", ".yaml", ".yml")

# path -> the names in that directory, or None when it is not a directory
DirectoryLister = Callable[[str], "list[str] | None"]
DIRECTORIES: ContextVar[DirectoryLister] = ContextVar("DIRECTORIES", default=lambda path: None)

SHORT = "Analyze Istio configuration and print validation messages"


def _level(inv: Invocation, flag: str, default: str) -> Level:
    value = str(inv.flag(flag) or default)
    for name, level in LEVELS.items():
        if name.lower() == value.lower():
            return level
    raise UsageError(
        f'invalid argument "{value}" for "--{flag}" flag: {value} is not a valid level. '
        "Valid values: [Info Warning Error]"
    )


def _gather(inv: Invocation, args: list[str]) -> list[tuple[str, str]]:
    """(name, text) of each file named, directories walked (-R: recursively)."""
    lister = DIRECTORIES.get()
    found: list[tuple[str, str]] = []

    def add(path: str) -> None:
        if not path.endswith(EXTENSIONS):
            inv.err(f"Skipping file {path}, recognized file extensions are: [.json .yaml .yml]\n")
            return
        found.append((path, inv.read_file(path).decode("utf-8", "replace")))

    def walk(directory: str, top: bool) -> None:
        for name in lister(directory) or []:
            path = posixpath.join(directory, name)
            if lister(path) is not None:
                if inv.flag("recursive"):
                    walk(path, False)
                continue
            add(path)

    for arg in args:
        if arg == "-":
            found.append(("-", inv.stdin().decode("utf-8", "replace")))
            continue
        if lister(arg) is not None:
            walk(arg, True)
            continue
        try:
            add(arg)
        except FileSystemError as exc:
            raise UsageError(f"stat {arg}: no such file or directory") from exc
    return found


def _mesh_config_file(inv: Invocation) -> str | None:
    """The `--meshConfigFile` text, or None when not given, unreadable or refused: istioctl
    ignores AddFileKubeMeshConfig's error (`_ = sa.AddFileKubeMeshConfig(meshCfgFile)`,
    istio/istio istioctl/pkg/analyze/analyze.go) and analyses with the mesh config it had."""
    path = inv.flag("meshConfigFile")
    if not path:
        return None
    try:
        text = inv.read_file(str(path)).decode("utf-8", "replace")
    except FileSystemError:
        return None
    return text if mesh_config_error(text) is None else None


def run_analyze(inv: Invocation) -> int:
    fmt = str(inv.flag("output") or "log").lower()
    if fmt not in FORMATS:
        inv.err(f"Error: {fmt} not a valid option for format. See istioctl analyze --help\n")
        return EXIT_USAGE
    if inv.flag("list-analyzers"):
        for analyzer in sorted(ALL, key=lambda a: a.metadata.name):
            inv.out(f"* {analyzer.metadata.name}:\n    {analyzer.metadata.description}\n")
        return 0
    failure = _level(inv, "failure-threshold", "Error")
    threshold = _level(inv, "output-threshold", "Info")
    files = _gather(inv, list(inv.args))
    use_kube = str(inv.flag("use-kube")).lower() not in ("false", "0")
    all_namespaces = bool(inv.flag("all-namespaces"))
    namespace = str(inv.flag("namespace") or "")
    if use_kube and namespace and not all_namespaces:
        ns_kind = inv.cluster.kind("", "namespaces")
        if inv.cluster.find(ns_kind, "", namespace) is None:
            inv.err(f'namespace "{namespace}" not found\n')
            return 0
    selected = "" if all_namespaces else (namespace or "default")
    suppressions: list[Suppression] = []
    for value in inv.flag("suppress") or []:
        code, eq, resource = str(value).partition("=")
        if not eq or "=" in resource:
            raise UsageError(
                f"{value} is not a valid suppression value. See istioctl analyze --help"
            )
        if code not in CATALOGUE and code not in OTHER_CODES:
            inv.err(f"Warning: Supplied message code '{code}' is an unknown message code and "
                    "will not have any effect.\n")  # fmt: skip
        suppressions.append(Suppression(code, resource))

    resources: list[Resource] = LabReader(inv.cluster).read() if use_kube else []
    reader = FileReader(files, namespace or "default")
    resources.extend(reader.read())
    for error in reader.errors:
        inv.err(f"Error(s) adding files: {error}\n")
    parse_errors = len(reader.errors)
    istio_namespace = str(inv.flag("istioNamespace") or "istio-system")
    result = analyze(resources, selected or None, suppressions, istio_namespace=istio_namespace,
                     mesh_config_file=_mesh_config_file(inv))  # fmt: skip
    target = "all namespaces" if all_namespaces else f"namespace: {selected}"
    if inv.flag("verbose"):
        inv.err(f"Analyzed resources in {target}\nExecuted analyzers:\n")
        for name in result.executed:
            inv.err(f"\t {name}\n")
        inv.err("\n")
    shown = [m for m in result.messages if m.type.level.at_least(threshold)]
    color = str(inv.flag("color")).lower() in ("true", "1")
    inv.out(format_messages(shown, fmt, color) + "\n")
    if not shown:
        if parse_errors == 0:
            what = "\n".join(name for name, _ in files) if files else target
            inv.err(f"\u2714 No validation issues found when analyzing {what}.\n")
        else:
            noun = "file" if parse_errors == 1 else "files"
            inv.err(f"No validation issues found when analyzing {target} (but {parse_errors} "
                    f"{noun} could not be parsed).\n")  # fmt: skip
    if fmt != "log":
        return 0
    if any(m.type.level.at_least(failure) for m in result.messages):
        inv.err(f"Error: Analyzers found issues when analyzing {target}.\nSee {DOCS_ROOT} for "
                "more information about causes and resolutions.\n")  # fmt: skip
        return EXIT_ISSUES
    if parse_errors and not inv.flag("ignore-unknown"):
        inv.err("Error: Some files couldn't be parsed.\n")
        return EXIT_DATA
    return 0


FLAGS = (
    Flag("list-analyzers", "L", kind="bool", default=False,
         help="List the analyzers available to run. Suppresses normal execution."),
    Flag("use-kube", "k", kind="bool", default=True,
         help="Use live Kubernetes cluster for analysis. Set --use-kube=false to analyze files "
         "only."),
    Flag("color", kind="bool", default=False,
         help="Default true.  Disable with '=false' or set $TERM to dumb"),
    Flag("verbose", "v", kind="bool", default=False, help="Enable verbose output"),
    Flag("failure-threshold", default="Error",
         help="The severity level of analysis at which to set a non-zero exit code. Valid "
         "values: [Info Warning Error]"),
    Flag("output-threshold", default="Info",
         help="The severity level of analysis at which to display messages. Valid values: "
         "[Info Warning Error]"),
    Flag("output", "o", default="log", help="Output format: one of [log json yaml]"),
    Flag("meshConfigFile", help="Overrides the mesh config values to use for analysis."),
    Flag("all-namespaces", "A", kind="bool", default=False, help="Analyze all namespaces"),
    Flag("suppress", "S", kind="list",
         help="Suppress reporting a message code on a specific resource. Values are supplied in "
         "the form <code>=<resource> (e.g. '--suppress \"IST0102=DestinationRule "
         "primary-dr.default\"'). Can be repeated. You can include the wildcard character '*' "
         "to support a partial match (e.g. '--suppress \"IST0102=DestinationRule *.default\" )."),
    Flag("timeout", default="30s", help="The duration to wait before failing"),
    Flag("recursive", "R", kind="bool", default=False,
         help="Process directory arguments recursively. Useful when you want to analyze related "
         "manifests organized within the same directory."),
    Flag("ignore-unknown", kind="bool", default=False,
         help="Don't complain about un-parseable input documents, for cases where analyze "
         "should run only on k8s compliant inputs."),
    Flag("revision", default="default", help="analyze a specific revision deployed."),
    Flag("multi-cluster", kind="bool", default=False,
         help="Enable multi-cluster analysis.If this flag is set, the remote secrets will be "
         "used to access the remote clusters. Note: this flag is EXPERIMENTAL."),
)  # fmt: skip


def add_analyze_command(root: Command) -> None:
    root.add(Command("analyze", SHORT, run_analyze, FLAGS, usage="<file>... [flags]"))
