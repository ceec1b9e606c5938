"""A tiny loopback HTTPS API server for tests that drive the real kubectl binary.

It answers each request from a handler, records what kubectl sent, and writes a kubeconfig that
trusts its self-signed certificate (kubectl sends credentials only over https).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_BESIDE_PYTHON = Path(sys.executable).with_name("kubectl")
KUBECTL = str(_BESIDE_PYTHON) if _BESIDE_PYTHON.exists() else (shutil.which("kubectl") or "kubectl")


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    content_type: str
    accept: str
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"

    @classmethod
    def json(cls, status: int, document: Any) -> Reply:
        return cls(status, json.dumps(document).encode())


Handler = Callable[[Recorded], Reply]


def _not_found(request: Recorded) -> Reply:
    return Reply.json(
        404,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": f"{request.path} not found",
            "reason": "NotFound",
            "code": 404,
        },
    )


def _certificate(directory: Path) -> tuple[Path, Path, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubectl-recorder")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(pem)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path, pem


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


class KubectlRecorder:
    """Serve `handler` on https://127.0.0.1:<port> and run kubectl against it."""

    def __init__(self, handler: Handler = _not_found) -> None:
        self.handler = handler
        self.requests: list[Recorded] = []
        self._directory = Path(tempfile.mkdtemp(prefix="kubectl-recorder-"))
        cert_path, key_path, pem = _certificate(self._directory)
        recorder = self

        class _RequestHandler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Recorded(
                    self.command,
                    self.path,
                    self.headers.get("Content-Type", ""),
                    self.headers.get("Accept", ""),
                    self.rfile.read(length) if length else b"",
                )
                recorder.requests.append(request)
                reply = recorder.handler(request)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), _RequestHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        # Handshake in each request's thread, not in the accept loop: kubectl opens many
        # discovery connections at once.
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )
        port = self._server.server_address[1]
        self.kubeconfig = self._directory / "kubeconfig"
        authority = base64.b64encode(pem).decode()
        self.kubeconfig.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [
                        {
                            "name": "lab",
                            "cluster": {
                                "server": f"https://127.0.0.1:{port}",
                                "certificate-authority-data": authority,
                            },
                        }
                    ],
                    "users": [{"name": "candidate", "user": {"token": "token"}}],
                    "contexts": [
                        {
                            "name": "lab",
                            "context": {
                                "cluster": "lab",
                                "user": "candidate",
                                "namespace": "default",
                            },
                        }
                    ],
                    "current-context": "lab",
                }
            )
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> KubectlRecorder:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self._directory, ignore_errors=True)

    def kubectl(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run kubectl with this server's kubeconfig and a private discovery cache."""
        return subprocess.run(
            [
                KUBECTL,
                "--kubeconfig",
                str(self.kubeconfig),
                "--cache-dir",
                str(self._directory / "cache"),
                *args,
            ],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
