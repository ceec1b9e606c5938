"""The actions of VirtualService rules as values: destinations, header operations, retries,
faults, mirrors, rewrites, redirects and direct responses.

Sources: networking/v1alpha3/virtual_service.proto; pilot/pkg/networking/core/route/route.go
(timeout 0 = disabled, mirror percentages, header operations) and
pilot/pkg/networking/core/route/retry/retry.go (the default retry policy, numeric retryOn
entries become retriable status codes, attempts 0 disables).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import hosts
from .values import duration_or, percentage

DEFAULT_RETRY_ON = frozenset(
    {"connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"}
)
DEFAULT_ATTEMPTS = 2


@dataclass(frozen=True)
class Destination:
    """Where a route sends traffic: a FQDN host, an optional DestinationRule subset and port
    (None = the port the request came in on, or the service's only port)."""

    host: str
    subset: str | None = None
    port: int | None = None

    @classmethod
    def parse(cls, spec: Mapping[str, Any], namespace: str) -> Destination:
        port = (spec.get("port") or {}).get("number")
        subset = spec.get("subset")
        return cls(
            host=hosts.resolve(str(spec.get("host") or ""), namespace),
            subset=str(subset) if subset else None,
            port=int(port) if isinstance(port, int) and port else None,
        )


@dataclass(frozen=True)
class HeaderOperations:
    """set / add / remove of headers, applied in that order (Envoy's header mutations)."""

    set: tuple[tuple[str, str], ...] = ()
    add: tuple[tuple[str, str], ...] = ()
    remove: tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: Any) -> HeaderOperations:
        if not isinstance(spec, dict):
            return EMPTY_HEADERS

        def pairs(value: Any) -> tuple[tuple[str, str], ...]:
            if not isinstance(value, dict):
                return ()
            return tuple((str(k).lower(), str(v)) for k, v in value.items())

        ops = cls(
            set=pairs(spec.get("set")),
            add=pairs(spec.get("add")),
            remove=tuple(str(h).lower() for h in spec.get("remove") or []),
        )
        return ops if ops != EMPTY_HEADERS else EMPTY_HEADERS

    def __bool__(self) -> bool:
        return bool(self.set or self.add or self.remove)

    def apply(self, headers: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
        """`headers` (lower-case names) after these operations."""
        if not self:
            return headers
        replaced = {name for name, _ in self.set}
        out = [(n, v) for n, v in headers if n not in replaced]
        out.extend(self.set)
        out.extend(self.add)
        if self.remove:
            gone = set(self.remove)
            out = [(n, v) for n, v in out if n not in gone]
        return tuple(out)

    def then(self, other: HeaderOperations) -> HeaderOperations:
        """Both sets of operations, `other` applied after this one."""
        if not other:
            return self
        if not self:
            return other
        return HeaderOperations(
            self.set + other.set, self.add + other.add, self.remove + other.remove
        )


EMPTY_HEADERS = HeaderOperations()


@dataclass(frozen=True)
class WeightedDestination:
    destination: Destination
    weight: int
    request_headers: HeaderOperations = EMPTY_HEADERS
    response_headers: HeaderOperations = EMPTY_HEADERS


@dataclass(frozen=True)
class RetryPolicy:
    """Envoy's retry policy for a route. `attempts` 0 = no retries. `retry_on` holds Envoy's
    conditions (connect-failure, 5xx, gateway-error, reset, retriable-status-codes, ...);
    `retriable_status_codes` only count when `retriable-status-codes` is in `retry_on`."""

    attempts: int = DEFAULT_ATTEMPTS
    per_try_timeout: float | None = None
    retry_on: frozenset[str] = DEFAULT_RETRY_ON
    retriable_status_codes: frozenset[int] = frozenset()
    retry_remote_localities: bool = False

    def retries_status(self, status: int) -> bool:
        """Whether an upstream response with `status` is retried."""
        if self.attempts <= 0:
            return False
        on = self.retry_on
        if "5xx" in on and status >= 500:
            return True
        if "gateway-error" in on and status in (502, 503, 504):
            return True
        if "retriable-4xx" in on and status == 409:
            return True
        return "retriable-status-codes" in on and status in self.retriable_status_codes

    def retries_connect_failure(self) -> bool:
        """Whether a refused/failed connection (or a reset) is retried."""
        if self.attempts <= 0:
            return False
        return bool(self.retry_on & {"connect-failure", "5xx", "gateway-error", "reset"})

    def retries_reset(self) -> bool:
        if self.attempts <= 0:
            return False
        return bool(self.retry_on & {"reset", "5xx", "refused-stream"})


NO_RETRIES = RetryPolicy(attempts=0, retry_on=frozenset())
DEFAULT_RETRIES = RetryPolicy()


def parse_retry(spec: Any, default: RetryPolicy = DEFAULT_RETRIES) -> RetryPolicy:
    """retry.go ConvertPolicy: unset -> `default`; attempts <= 0 -> none; otherwise the
    default policy with the given attempts, retryOn (numbers -> status codes, adding
    `retriable-status-codes`), perTryTimeout and retryRemoteLocalities."""
    if not isinstance(spec, dict):
        return default
    attempts = spec.get("attempts")
    if not isinstance(attempts, int) or attempts <= 0:
        return NO_RETRIES
    retry_on: frozenset[str] = DEFAULT_RETRY_ON
    codes: frozenset[int] = frozenset()
    if spec.get("retryOn"):
        names: set[str] = set()
        numbers: set[int] = set()
        for item in str(spec["retryOn"]).split(","):
            item = item.strip()
            if not item:
                continue
            if item.isdigit():
                numbers.add(int(item))
            else:
                names.add(item)
        if numbers:
            names.add("retriable-status-codes")
        retry_on, codes = frozenset(names), frozenset(numbers)
    return RetryPolicy(
        attempts=attempts,
        per_try_timeout=duration_or(spec.get("perTryTimeout"), None),
        retry_on=retry_on,
        retriable_status_codes=codes,
        retry_remote_localities=bool(spec.get("retryRemoteLocalities") or False),
    )


@dataclass(frozen=True)
class Fault:
    """fault.delay and fault.abort; percentages 0-100 (unset = 0, fault.proto)."""

    delay: float | None = None
    delay_percentage: float = 0.0
    abort_status: int | None = None
    abort_grpc_status: str | None = None
    abort_percentage: float = 0.0

    @classmethod
    def parse(cls, spec: Any) -> Fault | None:
        if not isinstance(spec, dict) or not spec:
            return None
        delay = spec.get("delay") or {}
        abort = spec.get("abort") or {}

        def share(part: Mapping[str, Any]) -> float:
            if "percentage" in part:
                return percentage(part["percentage"], 0.0)
            return percentage(part.get("percent"), 0.0)

        status = abort.get("httpStatus")
        grpc = abort.get("grpcStatus")
        return cls(
            delay=duration_or(delay.get("fixedDelay"), None) if delay else None,
            delay_percentage=share(delay) if delay else 0.0,
            abort_status=int(status) if isinstance(status, int) else None,
            abort_grpc_status=str(grpc) if grpc else None,
            abort_percentage=share(abort) if abort else 0.0,
        )


@dataclass(frozen=True)
class Mirror:
    destination: Destination
    percentage: float = 100.0


def parse_mirrors(rule: Mapping[str, Any], namespace: str) -> tuple[Mirror, ...]:
    """`mirror` + `mirrorPercentage` (absent = 100%, deprecated `mirrorPercent`) or `mirrors`."""
    out: list[Mirror] = []
    if isinstance(rule.get("mirror"), dict):
        if "mirrorPercentage" in rule:
            share = percentage(rule["mirrorPercentage"], 100.0)
        elif "mirrorPercent" in rule:
            share = percentage(rule["mirrorPercent"], 100.0)
        else:
            share = 100.0
        out.append(Mirror(Destination.parse(rule["mirror"], namespace), share))
    for item in rule.get("mirrors") or []:
        if isinstance(item, dict) and isinstance(item.get("destination"), dict):
            share = percentage(item["percentage"], 100.0) if "percentage" in item else 100.0
            out.append(Mirror(Destination.parse(item["destination"], namespace), share))
    return tuple(m for m in out if m.percentage > 0)


@dataclass(frozen=True)
class Rewrite:
    """rewrite.uri (replaces the matched prefix, or the whole path for other matches),
    rewrite.authority, rewrite.uriRegexRewrite (match, rewrite)."""

    uri: str | None = None
    authority: str | None = None
    regex: tuple[str, str] | None = None

    @classmethod
    def parse(cls, spec: Any) -> Rewrite | None:
        if not isinstance(spec, dict) or not spec:
            return None
        regex = spec.get("uriRegexRewrite")
        return cls(
            uri=str(spec["uri"]) if "uri" in spec else None,
            authority=str(spec["authority"]) if spec.get("authority") else None,
            regex=(str(regex.get("match", "")), str(regex.get("rewrite", "")))
            if isinstance(regex, dict)
            else None,
        )


@dataclass(frozen=True)
class RedirectSpec:
    uri: str | None = None
    authority: str | None = None
    port: int | None = None
    derive_port: str = ""
    scheme: str | None = None
    status: int = 301

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> RedirectSpec:
        port = spec.get("port")
        code = spec.get("redirectCode")
        return cls(
            uri=str(spec["uri"]) if spec.get("uri") else None,
            authority=str(spec["authority"]) if spec.get("authority") else None,
            port=int(port) if isinstance(port, int) and port else None,
            derive_port=str(spec.get("derivePort") or ""),
            scheme=str(spec["scheme"]) if spec.get("scheme") else None,
            status=int(code) if isinstance(code, int) and code else 301,
        )


def direct_body(spec: Mapping[str, Any]) -> bytes:
    body = spec.get("body") or {}
    if not isinstance(body, dict):
        return b""
    if "string" in body:
        return str(body["string"]).encode()
    if "bytes" in body:
        try:
            return base64.b64decode(str(body["bytes"]))
        except (binascii.Error, ValueError):
            return b""
    return b""


__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_RETRY_ON",
    "EMPTY_HEADERS",
    "NO_RETRIES",
    "Destination",
    "Fault",
    "HeaderOperations",
    "Mirror",
    "RedirectSpec",
    "RetryPolicy",
    "Rewrite",
    "WeightedDestination",
    "direct_body",
    "parse_mirrors",
    "parse_retry",
]
