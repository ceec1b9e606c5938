"""Running the analyzers and keeping the messages istioctl shows.

After istio/istio pkg/config/analysis/local (istiodanalyzer.go, analyze.go): every analyzer
sees every resource; messages are then kept only for resources in the analyzed namespace (a
Namespace belongs to itself; `-A` keeps all), minus suppressions — `-S "CODE=Kind name.ns"`
with `*` wildcards, and the `galley.istio.io/analyze-suppress` annotation (codes separated by
commas, or `*`) on the resource; then sorted and de-duplicated (diag.Messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .analyzers import ALL
from .context import Analyzer, Context, Message
from .resources import Resource

SUPPRESS_ANNOTATION = "galley.istio.io/analyze-suppress"


@dataclass(frozen=True)
class Suppression:
    code: str
    resource: str  # `Kind name.namespace`, `*` matches any run of characters

    def matches(self, message: Message) -> bool:
        if message.type.code != self.code or message.resource is None:
            return False
        pattern = "^" + ".*".join(re.escape(p) for p in self.resource.split("*")) + "$"
        r = message.resource
        # the help's form `Kind name.namespace`, and the printed form `Kind namespace/name`
        dotted = f"{r.kind} {r.name}.{r.namespace}" if r.namespace else r.friendly_name
        return any(re.match(pattern, name) for name in (r.friendly_name, dotted))


@dataclass
class Result:
    messages: list[Message]
    executed: list[str]


def _annotation_suppressed(message: Message) -> bool:
    if message.resource is None:
        return False
    value = message.resource.annotations.get(SUPPRESS_ANNOTATION)
    if not value:
        return False
    codes = {c.strip() for c in str(value).split(",")}
    return "*" in codes or message.type.code in codes


def analyze(
    resources: Iterable[Resource],
    namespace: str | None,
    suppressions: Sequence[Suppression] = (),
    analyzers: Sequence[Analyzer] = ALL,
    istio_namespace: str = "istio-system",
    mesh_config_file: str | None = None,
) -> Result:
    """Messages for `namespace` (None: all namespaces), sorted as istioctl prints them;
    `mesh_config_file` is a valid `--meshConfigFile` text (Context.mesh_text)."""
    context = Context(resources, istio_namespace, mesh_config_file)
    for analyzer in analyzers:
        analyzer.analyze(context)
    kept: dict[str, Message] = {}
    for m in sorted(context.messages, key=Message.sort_key):
        if (
            namespace
            and m.resource is not None
            and m.resource.origin_namespace not in ("", namespace)
        ):
            continue
        if any(s.matches(m) for s in suppressions) or _annotation_suppressed(m):
            continue
        kept.setdefault(str(m), m)
    return Result(list(kept.values()), [a.metadata.name for a in analyzers])
