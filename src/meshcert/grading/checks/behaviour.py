"""Behaviour checks: send N requests from a pod with curl and judge the responses (status
codes, body and header contents, the share of each version within a tolerance).

All N requests run in one exec (`sh -c 'for i in $(seq 1 N); do curl ...; done'`), each
response followed by a marker line that carries curl's `%{http_code}`, so the check costs one
round trip through either client and parses the same text a candidate would see. Status `000`
means curl got no HTTP answer (connection refused or reset, as curl prints it). Deterministic
on a lab: the simulator's random choices come from the lab's seed.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..client import KubeClient
from .base import CheckBase, GradeContext, Model, Verdict
from .pods import PodRef

MARKER = "@@meshcert-response"
_SPLIT = re.compile(rf"\n?{MARKER} (\d{{3}})@@\n")


class Request(Model):
    method: str = "GET"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    bearer: str | None = Field(default=None, description="a JWT sent as Authorization: Bearer")
    body: str | None = None
    insecure: bool = False
    max_time: float | None = Field(default=None, gt=0)
    resolve: tuple[str, ...] = Field(default=(), description="curl --resolve HOST:PORT:ADDR")
    connect_to: tuple[str, ...] = Field(default=(), description="curl --connect-to H:P:H2:P2")
    cacert: str | None = Field(default=None, description="a CA file in the pod")
    cert: str | None = Field(default=None, description="a client certificate file in the pod")
    key: str | None = Field(default=None, description="its private key file in the pod")
    files: dict[str, str] = Field(
        default_factory=dict, description="absolute path -> text, written in the pod first"
    )

    @field_validator("files")
    @classmethod
    def _absolute(cls, files: dict[str, str]) -> dict[str, str]:
        for path in files:
            if not path.startswith("/") or "\0" in path:
                raise ValueError(f"{path!r}: file paths are absolute")
        return files

    def setup(self) -> str:
        """Shell commands writing `files` (each directory made first), or ""."""
        steps = []
        for path, text in self.files.items():
            folder = posixpath.dirname(path) or "/"
            steps.append(f"mkdir -p {shlex.quote(folder)} && printf '%s' {shlex.quote(text)} "
                         f"> {shlex.quote(path)}")  # fmt: skip
        return " && ".join(steps)

    def argv(self) -> list[str]:
        words = ["curl", "-s", "-i", "-X", self.method]
        for flag, values in (("--resolve", self.resolve), ("--connect-to", self.connect_to)):
            for value in values:
                words += [flag, value]
        for flag, file in (("--cacert", self.cacert), ("--cert", self.cert), ("--key", self.key)):
            if file is not None:
                words += [flag, file]
        for name, value in self.headers.items():
            words += ["-H", f"{name}: {value}"]
        if self.bearer:
            words += ["-H", f"Authorization: Bearer {self.bearer}"]
        if self.body is not None:
            words += ["--data-raw", self.body]
        if self.insecure:
            words.append("-k")
        if self.max_time is not None:
            words += ["--max-time", f"{self.max_time:g}"]
        return [*words, "-w", f"\n{MARKER} %{{http_code}}@@\n", self.url]


class Marker(Model):
    """What tells versions apart: a response header's value, a body regex (group 1 if it has
    one) or the status code."""

    header: str | None = None
    body: str | None = None
    status: bool = False

    @model_validator(mode="after")
    def _one(self) -> Marker:
        if sum([self.header is not None, self.body is not None, self.status]) != 1:
            raise ValueError("a marker is exactly one of header, body, status")
        if self.body is not None:
            re.compile(self.body)
        return self


class Distribution(Model):
    by: Marker
    shares: dict[str, float] = Field(description="marker value -> percent of responses")
    tolerance: float = Field(default=10.0, ge=0, le=100, description="percentage points")

    @field_validator("shares", mode="before")
    @classmethod
    def _keys_as_text(cls, shares: object) -> object:
        return {str(k): v for k, v in shares.items()} if isinstance(shares, dict) else shares

    @model_validator(mode="after")
    def _sums(self) -> Distribution:
        total = sum(self.shares.values())
        if abs(total - 100) > 0.01:
            raise ValueError(f"shares add up to {total:g}, not 100")
        return self


class Expectation(Model):
    status: tuple[int, ...] = ()
    body_contains: str | None = None
    body_lacks: str | None = None
    headers: dict[str, str] = Field(default_factory=dict, description="name -> substring")
    headers_absent: tuple[str, ...] = Field(default=(), description="response headers not sent")
    distribution: Distribution | None = None


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: str


def parse_responses(stdout: str) -> list[Response]:
    """The responses of `curl -i ... -w MARKER` runs, in order (headers of the last block:
    `-i` prints a `100 Continue` or redirect block before the final one)."""
    parts = _SPLIT.split(stdout)
    responses = []
    for text, code in zip(parts[0::2], parts[1::2], strict=False):
        headers: dict[str, str] = {}
        body = text
        while body.startswith("HTTP/"):
            head, sep, rest = body.replace("\r\n", "\n").partition("\n\n")
            headers = {}
            for line in head.split("\n")[1:]:
                name, colon, value = line.partition(":")
                if colon:
                    headers[name.strip().lower()] = value.strip()
            body = rest if sep else ""
        responses.append(Response(int(code), headers, body))
    return responses


class BehaviourCheck(CheckBase):
    type: Literal["behaviour"]
    source: PodRef = Field(alias="from")
    request: Request
    count: int = Field(default=1, ge=1, le=500)
    expect: Expectation

    def evaluate(self, client: KubeClient, context: GradeContext) -> Verdict:
        pod = self.source.pick(client)
        if isinstance(pod, Verdict):
            return pod
        loop = f"for i in $(seq 1 {self.count}); do {shlex.join(self.request.argv())}; done"
        setup = self.request.setup()
        if setup:
            loop = f"{setup} && {loop}"
        run = client.exec(self.source.namespace, pod, self.source.container, ["sh", "-c", loop])
        responses = parse_responses(run.stdout)
        if len(responses) != self.count:
            return Verdict(False, f"curl in {pod} gave {len(responses)} of {self.count} "
                                  f"responses: {run.stderr.strip()[:200]}")  # fmt: skip
        return judge(self.expect, responses)


def judge(expect: Expectation, responses: list[Response]) -> Verdict:
    n = len(responses)
    if expect.status:
        wrong = Counter(r.status for r in responses if r.status not in expect.status)
        if wrong:
            seen = ", ".join(f"{c}x {s:03d}" for s, c in sorted(wrong.items()))
            return Verdict(False, f"{sum(wrong.values())} of {n} responses had an unexpected "
                                  f"status ({seen}; expected {_codes(expect.status)})")  # fmt: skip
    if expect.body_contains is not None:
        missing = sum(expect.body_contains not in r.body for r in responses)
        if missing:
            return Verdict(False, f"{missing} of {n} response bodies lack "
                                  f"{expect.body_contains!r}")  # fmt: skip
    if expect.body_lacks is not None:
        present = sum(expect.body_lacks in r.body for r in responses)
        if present:
            return Verdict(False, f"{present} of {n} response bodies contain "
                                  f"{expect.body_lacks!r}")  # fmt: skip
    for name, value in expect.headers.items():
        missing = sum(value not in r.headers.get(name.lower(), "") for r in responses)
        if missing:
            return Verdict(False, f"{missing} of {n} responses lack header {name}: {value}")
    for name in expect.headers_absent:
        present = sum(name.lower() in r.headers for r in responses)
        if present:
            return Verdict(False, f"{present} of {n} responses have header {name}")
    if expect.distribution is not None:
        return _distribution(expect.distribution, responses)
    return Verdict(True, f"{n} response(s) as expected")


def _codes(codes: tuple[int, ...]) -> str:
    return " or ".join(f"{c:03d}" for c in codes)


def marker_of(by: Marker, response: Response) -> str:
    if by.status:
        return str(response.status)
    if by.header is not None:
        return response.headers.get(by.header.lower(), "")
    assert by.body is not None
    found = re.search(by.body, response.body)
    if found is None:
        return ""
    return found.group(1) if found.re.groups else found.group(0)


def _distribution(dist: Distribution, responses: list[Response]) -> Verdict:
    n = len(responses)
    counts = Counter(marker_of(dist.by, r) for r in responses)
    observed = {k: 100.0 * counts.get(k, 0) / n for k in dist.shares}
    other = 100.0 * sum(c for k, c in counts.items() if k not in dist.shares) / n
    summary = ", ".join(f"{k or '(none)'} {100.0 * c / n:.0f}%" for k, c in sorted(counts.items()))
    off = [k for k, share in dist.shares.items() if abs(observed[k] - share) > dist.tolerance]
    if off or other > dist.tolerance:
        wanted = ", ".join(f"{k} {v:g}%" for k, v in dist.shares.items())
        return Verdict(False, f"of {n} responses: {summary}; expected {wanted} "
                              f"(within {dist.tolerance:g} points)")  # fmt: skip
    return Verdict(True, f"of {n} responses: {summary}")


__all__ = ["BehaviourCheck", "Distribution", "Expectation", "Marker", "Request",
           "Response", "judge", "parse_responses"]  # fmt: skip
