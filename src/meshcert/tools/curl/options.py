"""curl's command line: the options istio.io tasks use, parsed as curl 8 parses them.

Short options combine (`-sS`, `-sSo /dev/null`, `-o/dev/null`); long options take their value
as the next argument (`--max-time 2`); `--opt=value` is not curl syntax. Unknown options end
with curl's usage error (exit 2). Source: curl(1), `src/tool_getparam.c` in curl/curl.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Long option -> (key, takes a value). Aliases share a key.
_LONG: dict[str, tuple[str, bool]] = {
    "silent": ("silent", False),
    "show-error": ("show_error", False),
    "verbose": ("verbose", False),
    "head": ("head", False),
    "include": ("include", False),
    "output": ("output", True),
    "dump-header": ("dump_header", True),
    "write-out": ("write_out", True),
    "header": ("header", True),
    "request": ("request", True),
    "data": ("data", True),
    "data-ascii": ("data", True),
    "data-raw": ("data_raw", True),
    "data-binary": ("data_binary", True),
    "data-urlencode": ("data_urlencode", True),
    "get": ("get", False),
    "max-time": ("max_time", True),
    "connect-timeout": ("connect_timeout", True),
    "location": ("location", False),
    "max-redirs": ("max_redirs", True),
    "resolve": ("resolve", True),
    "connect-to": ("connect_to", True),
    "insecure": ("insecure", False),
    "cacert": ("cacert", True),
    "capath": ("capath", True),
    "cert": ("cert", True),
    "key": ("key", True),
    "fail": ("fail", False),
    "fail-with-body": ("fail_with_body", False),
    "http1.1": ("http11", False),
    "http1.0": ("http10", False),
    "http2": ("http2", False),
    "http2-prior-knowledge": ("http2_prior", False),
    "user": ("user", True),
    "cookie": ("cookie", True),
    "cookie-jar": ("cookie_jar", True),
    "user-agent": ("user_agent", True),
    "referer": ("referer", True),
    "url": ("url", True),
    "retry": ("retry", True),
    "retry-connrefused": ("retry_connrefused", False),
    "retry-delay": ("retry_delay", True),
    "retry-max-time": ("retry_max_time", True),
    "no-progress-meter": ("no_progress", False),
    "progress-bar": ("no_progress", False),
    "compressed": ("compressed", False),
    "noproxy": ("noproxy", True),
    "ipv4": ("ipv4", False),
    "tlsv1.2": ("tlsv12", False),
    "tlsv1.3": ("tlsv13", False),
    "tls-max": ("tls_max", True),
    "no-keepalive": ("no_keepalive", False),
    "no-buffer": ("no_buffer", False),
    "raw": ("raw", False),
    "version": ("version", False),
    "help": ("help", False),
}
# Short option letter -> long name.
_SHORT: dict[str, str] = {
    "s": "silent",
    "S": "show-error",
    "v": "verbose",
    "I": "head",
    "i": "include",
    "o": "output",
    "D": "dump-header",
    "w": "write-out",
    "H": "header",
    "X": "request",
    "d": "data",
    "G": "get",
    "m": "max-time",
    "L": "location",
    "k": "insecure",
    "E": "cert",
    "f": "fail",
    "u": "user",
    "b": "cookie",
    "c": "cookie-jar",
    "A": "user-agent",
    "e": "referer",
    "4": "ipv4",
    "N": "no-buffer",
    "V": "version",
    "h": "help",
}
# The "no-" forms curl accepts for boolean options that are on by repetition.
_NEGATABLE = {"silent", "show-error", "verbose", "include", "location", "insecure", "fail"}


class CurlUsageError(Exception):
    """A command line curl refuses: `message` follows `curl: ` (exit code 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class CurlOptions:
    """The parsed command line. `data` holds each -d family value with its kind
    (`ascii`, `raw`, `binary`, `urlencode`) in order."""

    urls: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    values: dict[str, list[str]] = field(default_factory=dict)
    data: list[tuple[str, str]] = field(default_factory=list)

    def on(self, key: str) -> bool:
        return key in self.flags

    def last(self, key: str) -> str | None:
        found = self.values.get(key)
        return found[-1] if found else None

    def all(self, key: str) -> list[str]:
        return list(self.values.get(key, []))


_DATA_KINDS = {
    "data": "ascii",
    "data_raw": "raw",
    "data_binary": "binary",
    "data_urlencode": "urlencode",
}


def _store(opts: CurlOptions, key: str, takes: bool, value: str | None) -> None:
    if not takes:
        opts.flags.add(key)
    elif key in _DATA_KINDS:
        opts.data.append((_DATA_KINDS[key], value or ""))
    elif key == "url":
        opts.urls.append(value or "")
    else:
        opts.values.setdefault(key, []).append(value or "")


def parse_curl_args(args: list[str]) -> CurlOptions:
    """Parse curl's arguments (argv without `curl`)."""
    opts = CurlOptions()
    pending = list(args)
    while pending:
        arg = pending.pop(0)
        if arg.startswith("--") and len(arg) > 2:
            name = arg[2:]
            negated = False
            if name not in _LONG and name.startswith("no-") and name[3:] in _NEGATABLE:
                name, negated = name[3:], True
            if name not in _LONG:
                raise CurlUsageError(f"option {arg}: is unknown")
            key, takes = _LONG[name]
            if negated:
                opts.flags.discard(key)
                continue
            value = None
            if takes:
                if not pending:
                    raise CurlUsageError(f"option {arg}: requires parameter")
                value = pending.pop(0)
            _store(opts, key, takes, value)
            continue
        if arg.startswith("-") and len(arg) > 1:
            i = 1
            while i < len(arg):
                letter = arg[i]
                long_name = _SHORT.get(letter)
                if long_name is None:
                    raise CurlUsageError(f"option -{letter}: is unknown")
                key, takes = _LONG[long_name]
                if takes:
                    value = arg[i + 1 :]
                    if not value:
                        if not pending:
                            raise CurlUsageError(f"option -{letter}: requires parameter")
                        value = pending.pop(0)
                    _store(opts, key, True, value)
                    break
                _store(opts, key, False, None)
                i += 1
            continue
        opts.urls.append(arg)
    return opts


def parse_seconds(text: str, option: str) -> float:
    """A timeout value in seconds (decimals allowed), as curl reads it."""
    try:
        value = float(text)
    except ValueError:
        raise CurlUsageError(f"option {option}: expected a proper numerical parameter") from None
    if value < 0:
        raise CurlUsageError(f"option {option}: expected a proper numerical parameter")
    return value


__all__ = ["CurlOptions", "CurlUsageError", "parse_curl_args", "parse_seconds"]
