"""The lab's nginx: its configuration parser (nginx.org docs/beginners_guide.html "Configuration
File's Structure", http/ngx_http_core_module.html `listen` / `server_name`,
http/request_processing.html server selection) and what it answers, called directly; the TLS it
presents when a file mounted into the container configures `listen ... ssl`
(istio.io docs/tasks/traffic-management/ingress/ingress-sni-passthrough)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from example_certs import make_leaf, make_root

from meshcert.mesh.apps import nginx, nginx_config
from meshcert.mesh.apps.catalogue import app_for
from meshcert.mesh.apps.nginx_config import ConfigError
from meshcert.mesh.apps.serving import Call
from meshcert.mesh.exchanges import HttpRequest
from meshcert.mesh.security.certificates_tls import ServerTls
from meshcert.mesh.simulation.deliveries import Delivery, Failure

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PAGE_CONF = """events {
}

http {
  log_format main '$remote_addr - $remote_user [$time_local]  $status '
  '"$request" $body_bytes_sent "$http_referer"';
  access_log /var/log/nginx/access.log main;

  server {
    listen 443 ssl;
    root /usr/share/nginx/html;
    index index.html;
    server_name nginx.example.com;
    ssl_certificate /etc/nginx-server-certs/tls.crt;
    ssl_certificate_key /etc/nginx-server-certs/tls.key;
  }
}
"""


def files_of(mapping: dict[str, bytes]) -> nginx.ReadFile:
    return mapping.get


def call(path: str, files: dict[str, bytes], *, port: int = 80, scheme: str = "http",
         host: str = "nginx.example.com", method: str = "GET") -> Call:  # fmt: skip
    def fetch(url: str, hdrs: tuple[tuple[str, str], ...], timeout: float | None) -> Delivery:
        return Delivery(None, Failure.RESOLVE)

    return Call(pod={"metadata": {"name": "my-nginx-1", "namespace": "default"}}, container={},
                request=HttpRequest(method, host, path, scheme), port=port, peer="127.0.0.6",
                now=NOW, fetch=fetch, log=lambda line: None, read_file=files.get)  # fmt: skip


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    base = tmp_path_factory.mktemp("nginx-certs")
    root = make_root(base, "nginx-unit")
    make_leaf(base, "nginx.example.com", "some organization", root)
    make_leaf(base, "other.example.com", "other organization", root, 1)
    return {
        "/etc/nginx/nginx.conf": PAGE_CONF.encode(),
        "/etc/nginx-server-certs/tls.crt": (base / "nginx.example.com.crt").read_bytes(),
        "/etc/nginx-server-certs/tls.key": (base / "nginx.example.com.key").read_bytes(),
        "other.key": (base / "other.example.com.key").read_bytes(),
    }


def test_the_image_is_nginx_with_a_tls_capability() -> None:
    app = app_for("nginx")
    assert app.name == "nginx"
    assert app.tls is not None
    assert app_for("docker.io/library/nginx:1.29").name == "nginx"


def test_parse_page_config() -> None:
    (server,) = nginx_config.servers(PAGE_CONF)
    assert server.listens == (nginx_config.Listen(443, ssl=True),)
    assert server.names == ("nginx.example.com",)
    assert server.certificate == "/etc/nginx-server-certs/tls.crt"
    assert server.key == "/etc/nginx-server-certs/tls.key"


@pytest.mark.parametrize(("text", "message"), [
    ("http { server { listen 443 ssl }", 'unexpected "}" in /etc/nginx/nginx.conf:1'),
    ("http { server { listen 80; }", 'unexpected end of file, expecting "}"'),
    ("events {}\n}", 'unexpected "}" in /etc/nginx/nginx.conf:2'),
    ("http { server { listen; } }", 'invalid number of arguments in "listen" directive'),
    ("http { server { listen web:x; } }", 'host not found in "web:x" of the "listen" directive'),
])  # fmt: skip
def test_config_errors_use_nginx_wording(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        nginx_config.servers(text)


def test_server_selection_by_name_wildcard_and_default() -> None:
    text = """http {
      server { listen 80; server_name a.example.com; return 200 a; }
      server { listen 80 default_server; server_name d.example.com; return 200 d; }
      server { listen 80; server_name *.wild.example.com; return 200 w; }
      server { listen 8080; return 200 other; }
    }"""
    servers = nginx_config.servers(text)

    def chosen(port: int, name: str) -> str:
        found = nginx_config.pick(servers, port, name)
        assert found is not None
        assert found.returns is not None
        return found.returns[1]

    assert chosen(80, "A.example.com") == "a"
    assert chosen(80, "x.wild.example.com") == "w"
    assert chosen(80, "unknown.example.com") == "d"
    assert chosen(8080, "anything") == "other"
    assert nginx_config.pick(servers, 9090, "a.example.com") is None


def test_default_image_serves_the_welcome_page_on_80() -> None:
    got = nginx.nginx(call("/", {}))
    assert got.status == 200
    assert b"<title>Welcome to nginx!</title>" in got.body
    assert ("server", nginx.SERVER) in got.headers
    missing = nginx.nginx(call("/nothing", {}))
    assert missing.status == 404
    assert b"<center><h1>404 Not Found</h1></center>" in missing.body
    assert nginx.server_tls(files_of({}), 80, "x") is None  # port 80 speaks no TLS


def test_plain_http_to_ssl_port_gets_400(certs: dict[str, bytes]) -> None:
    got = nginx.nginx(call("/", certs, port=443))
    assert got.status == 400
    assert b"The plain HTTP request was sent to HTTPS port" in got.body
    ok = nginx.nginx(call("/", certs, port=443, scheme="https"))
    assert ok.status == 200


def test_tls_settings_from_mounted_certificate(certs: dict[str, bytes]) -> None:
    found = nginx.server_tls(files_of(certs), 443, "nginx.example.com")
    assert isinstance(found, ServerTls)
    assert found.alpn == ("http/1.1",)  # no `http2 on`
    subject = found.chain[0].subject.rfc4514_string()
    assert subject == "O=some organization,CN=nginx.example.com"


def test_key_not_matching_certificate_serves_no_tls(certs: dict[str, bytes]) -> None:
    broken = dict(certs)
    broken["/etc/nginx-server-certs/tls.key"] = certs["other.key"]
    found = nginx.server_tls(files_of(broken), 443, "nginx.example.com")
    assert isinstance(found, str)
    assert "key values mismatch" in found
    del broken["/etc/nginx-server-certs/tls.crt"]
    missing = nginx.server_tls(files_of(broken), 443, "nginx.example.com")
    assert missing == ('[emerg] cannot load certificate "/etc/nginx-server-certs/tls.crt": '
                       "No such file or directory")  # fmt: skip


def test_return_and_http2(certs: dict[str, bytes]) -> None:
    text = """http { server { listen 443 ssl; http2 on;
      ssl_certificate /etc/nginx-server-certs/tls.crt;
      ssl_certificate_key /etc/nginx-server-certs/tls.key; ssl_protocols TLSv1.3;
      location = /moved { return 301 https://example.com/; } } }"""
    files = {**certs, "/etc/nginx/nginx.conf": text.encode()}
    found = nginx.server_tls(files_of(files), 443, "")
    assert isinstance(found, ServerTls)
    assert found.alpn == ("h2", "http/1.1")
    assert (found.min_version, found.max_version) == ("TLSv1.3", "TLSv1.3")
    moved = nginx.nginx(call("/moved", files, port=443, scheme="https"))
    assert moved.status == 301
    assert ("location", "https://example.com/") in moved.headers
