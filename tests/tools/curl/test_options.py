"""curl's command line (curl(1); src/tool_getparam.c)."""

from __future__ import annotations

import pytest

from meshcert.tools.curl.options import CurlUsageError, parse_curl_args
from meshcert.tools.curl.urls import UrlError, parse_url
from meshcert.tools.curl.writeout import Transfer, render


@pytest.mark.parametrize(
    ("argv", "flags", "values"),
    [
        (["-sS", "http://a"], {"silent", "show_error"}, {}),
        (["-sSo", "/dev/null", "http://a"], {"silent", "show_error"}, {"output": ["/dev/null"]}),
        (["-o/dev/null", "http://a"], set(), {"output": ["/dev/null"]}),
        (["-w", "%{http_code}", "http://a"], set(), {"write_out": ["%{http_code}"]}),
        (["-H", "a: b", "--header", "c: d", "http://a"], set(), {"header": ["a: b", "c: d"]}),
        (["--max-time", "2", "http://a"], set(), {"max_time": ["2"]}),
        (["-m5", "http://a"], set(), {"max_time": ["5"]}),
        (["-I", "-L", "-k", "-f", "http://a"], {"head", "location", "insecure", "fail"}, {}),
        (["--resolve", "h:80:1.2.3.4", "http://a"], set(), {"resolve": ["h:80:1.2.3.4"]}),
        (["--cacert", "ca.pem", "--cert", "c", "--key", "k", "http://a"], set(),
         {"cacert": ["ca.pem"], "cert": ["c"], "key": ["k"]}),
    ],
    ids=["combined", "combined-with-value", "attached-value", "write-out", "headers",
         "long-value", "short-attached", "flags", "resolve", "tls-files"],
)  # fmt: skip
def test_parse(argv: list[str], flags: set[str], values: dict[str, list[str]]) -> None:
    opts = parse_curl_args(argv)
    assert opts.urls == ["http://a"]
    assert opts.flags == flags
    for key, expected in values.items():
        assert opts.all(key) == expected


def test_data_family_keeps_kind_and_order() -> None:
    opts = parse_curl_args(["-d", "a=1", "--data-raw", "@x", "--data-binary", "@f", "u"])
    assert opts.data == [("ascii", "a=1"), ("raw", "@x"), ("binary", "@f")]


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["-Z", "u"], "option -Z: is unknown"), (["--bogus", "u"], "option --bogus: is unknown"),
     (["-o"], "option -o: requires parameter")],
    ids=["short", "long", "missing-value"],
)  # fmt: skip
def test_usage_errors(argv: list[str], message: str) -> None:
    with pytest.raises(CurlUsageError) as info:
        parse_curl_args(argv)
    assert info.value.message == message


@pytest.mark.parametrize(
    ("text", "scheme", "host", "port", "path", "authority"),
    [
        ("http://httpbin:8000/headers", "http", "httpbin", 8000, "/headers", "httpbin:8000"),
        ("httpbin.org/get?a=1", "http", "httpbin.org", 80, "/get?a=1", "httpbin.org"),
        ("https://edition.cnn.com/politics#x", "https", "edition.cnn.com", 443, "/politics",
         "edition.cnn.com"),
        ("http://h:80", "http", "h", 80, "/", "h"),
        ("http://h?q", "http", "h", 80, "/?q", "h"),
    ],
    ids=["port-path", "no-scheme", "https-fragment", "default-port-dropped", "query-no-path"],
)  # fmt: skip
def test_urls(text: str, scheme: str, host: str, port: int, path: str, authority: str) -> None:
    url = parse_url(text)
    assert (url.scheme, url.host, url.port, url.path, url.authority) == (
        scheme, host, port, path, authority)  # fmt: skip


@pytest.mark.parametrize(
    ("text", "code", "message"),
    [("ftp://x", 1, 'Protocol "ftp" not supported'),
     ("http://h:99999", 3,
      "URL rejected: Port number was not a decimal number between 0 and 65535"),
     ("http://", 3, "URL rejected: No host part in the URL")],
    ids=["protocol", "port", "no-host"],
)  # fmt: skip
def test_url_errors(text: str, code: int, message: str) -> None:
    with pytest.raises(UrlError) as info:
        parse_url(text)
    assert (info.value.code, info.value.message) == (code, message)


def test_write_out_variables() -> None:
    t = Transfer(url="http://a/", status=200, time_total=0.5, size_download=42,
                 remote_ip="10.0.0.1", headers=(("content-type", "text/plain"),))  # fmt: skip
    out, err = render(
        "%{http_code} %{time_total} %{size_download} %{remote_ip} %{header{Content-Type}}\\n"
        "%{stderr}oops%%",
        t,
    )
    assert out == "200 0.500000 42 10.0.0.1 text/plain\n"
    assert err == "oops%"


def test_write_out_without_response_prints_000() -> None:
    assert render("%{http_code}", Transfer(url="http://a/"))[0] == "000"
