"""`istioctl dashboard` (aliases `dash`, `d`): the real command tree, so `istioctl dashboard
--help` lists the same web UIs, but each one ends with a plain "not part of the lab" error.

The real command port-forwards to an addon pod (Kiali, Grafana, ...) or a proxy's admin port
and opens a browser (istio/istio istioctl/pkg/dashboard/dashboard.go); the lab serves no web UIs,
so the command says so instead of pretending. Argument checks the real command makes before it
looks for a pod (`specify a pod or --selector`, `unknown dashboard "x"`) are kept.
"""

from __future__ import annotations

from .commands import Command, Flag, Invocation, UsageError, help_text

SHORT = "Access to Istio web UIs"
UI_PORT = "The component dashboard UI port."
NOT_IN_LAB = (
    "dashboards are not part of the lab: `istioctl dashboard {name}` port-forwards to {what} "
    "and opens a browser, which the lab does not serve; inspect the mesh with `istioctl "
    "proxy-config`, `istioctl proxy-status`, `istioctl analyze` and `kubectl` instead"
)

# (name, short, what it would open, takes a pod argument)
ADDONS = (
    ("kiali", "Open Kiali web UI", "the Kiali pod"),
    ("prometheus", "Open Prometheus web UI", "the Prometheus pod"),
    ("grafana", "Open Grafana web UI", "the Grafana pod"),
    ("jaeger", "Open Jaeger web UI", "the Jaeger pod"),
    ("zipkin", "Open Zipkin web UI", "the Zipkin pod"),
    ("skywalking", "Open SkyWalking UI", "the SkyWalking UI pod"),
)
POD_DASHBOARDS = (
    ("envoy", "Open Envoy admin web UI", "a sidecar's Envoy admin port"),
    ("proxy", "Open admin web UI for a proxy", "a proxy's admin port"),
    ("controlz", "Open ControlZ web UI", "a control plane pod's ControlZ port"),
    ("istiod-debug", "Open Istio debug web UI", "istiod's debug port"),
)
PERSISTENT = (
    Flag("port", "p", kind="int", default=0, help="Local port to listen to"),
    Flag("address", default="localhost", help="Address to listen on"),
    Flag(
        "browser",
        default="true",
        help="When --browser is supplied as false, istioctl dashboard will not open the browser",
    ),
    Flag(
        "namespace",
        "n",
        default="istio-system",
        help="Namespace where the addon is running, if not specified, istio-system would be used",
    ),
)


def _addon(name: str, what: str) -> Command:
    def run(inv: Invocation) -> int:
        raise UsageError(NOT_IN_LAB.format(name=name, what=what))

    return Command(
        name,
        next(s for n, s, _ in ADDONS if n == name),
        run,
        (*PERSISTENT, Flag("ui-port", kind="int", default=0, help=UI_PORT)),
        max_args=0,
        usage="[flags]",
    )


def _pod_dashboard(name: str, short: str, what: str) -> Command:
    def run(inv: Invocation) -> int:
        selector = str(inv.flag("selector") or "")
        if not selector and not inv.args:
            raise UsageError("specify a pod or --selector")
        if selector and inv.args:
            raise UsageError("name cannot be provided when a selector is specified")
        raise UsageError(NOT_IN_LAB.format(name=name, what=what))

    port_flag = (
        Flag("ctrlz_port", kind="int", default=9876, help="ControlZ port")
        if name == "controlz"
        else Flag("ui-port", kind="int", default=15000, help="The component dashboard UI port.")
    )
    return Command(
        name,
        short,
        run,
        (*PERSISTENT, Flag("selector", "l", help="Label selector"), port_flag),
        max_args=1,
        usage="[<type>/]<name>[.<namespace>] [flags]",
    )


def add_dashboard_command(root: Command) -> None:
    dashboard = Command("dashboard", SHORT, aliases=("dash", "d"), flags=PERSISTENT,
                        usage="[flags]")  # fmt: skip

    def run(inv: Invocation) -> int:
        if inv.args:
            raise UsageError(f'unknown dashboard "{inv.args[0]}"')
        inv.out(help_text(dashboard, inv.path))
        return 0

    dashboard.run = run
    for name, _short, what in ADDONS:
        dashboard.add(_addon(name, what))
    for name, short, what in POD_DASHBOARDS:
        dashboard.add(_pod_dashboard(name, short, what))
    root.add(dashboard)


__all__ = ["add_dashboard_command"]
