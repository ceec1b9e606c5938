"""Serving certificates for labs, one per lab, with a spare made ahead of time.

Making a key pair is quick, but loading the `cryptography` package is not (about 0.1 s), and a
new lab should answer fast. So a running lab server leaves a fresh spare certificate in
MESHCERT_HOME once it is idle, and the next lab claims it (an atomic rename, so two starting labs
never share one) instead of making its own.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from .state import write_atomic

SPARE = "spare-certificate.pem"
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----\n?", re.DOTALL)


def make_certificate() -> tuple[bytes, bytes]:
    """A new self-signed certificate for 127.0.0.1 and localhost: (cert PEM, key PEM)."""
    from meshcert.kube.apiserver.tls import self_signed_certificate

    return self_signed_certificate()


def split_pem(data: bytes) -> tuple[bytes, bytes] | None:
    """(certificate, private key) from a file holding both PEM blocks, else None."""
    cert = key = b""
    for match in _PEM_BLOCK.finditer(data):
        label = match.group(1)
        block = match.group(0).rstrip(b"\n") + b"\n"
        if label == b"CERTIFICATE":
            cert = block
        elif label.endswith(b"PRIVATE KEY"):
            key = block
    return (cert, key) if cert and key else None


def claim_spare(home: Path) -> tuple[bytes, bytes] | None:
    """Take the spare certificate for this process's lab, if there is one."""
    spare = home / SPARE
    claimed = home / f".{SPARE}.{os.getpid()}"
    try:
        os.rename(spare, claimed)
    except OSError:
        return None
    try:
        return split_pem(claimed.read_bytes())
    except OSError:
        return None
    finally:
        with contextlib.suppress(OSError):
            claimed.unlink()


def new_certificate(home: Path) -> tuple[bytes, bytes]:
    """The spare certificate if there is one, else a freshly made one."""
    return claim_spare(home) or make_certificate()


def make_spare(home: Path) -> None:
    """Leave a spare certificate for the next lab (nothing to do if one is there)."""
    spare = home / SPARE
    if spare.exists():
        return
    cert, key = make_certificate()
    home.mkdir(parents=True, exist_ok=True)
    write_atomic(spare, cert + key)


__all__ = ["SPARE", "claim_spare", "make_certificate", "make_spare", "new_certificate"]
