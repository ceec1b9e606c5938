"""Each lab gets its own serving certificate; a spare made ahead is claimed once only."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509

from meshcert.lab.certificates import SPARE, claim_spare, make_spare, new_certificate, split_pem


def test_spare_is_claimed_once(tmp_path: Path) -> None:
    make_spare(tmp_path)
    spare = (tmp_path / SPARE).read_bytes()
    first = claim_spare(tmp_path)
    assert first is not None
    assert first[0] + first[1] == spare
    assert claim_spare(tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_without_a_spare_a_new_certificate_is_made(tmp_path: Path) -> None:
    one = new_certificate(tmp_path)
    two = new_certificate(tmp_path)
    assert one != two
    cert = x509.load_pem_x509_certificate(one[0])
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in [str(ip) for ip in san.get_values_for_type(x509.IPAddress)]


def test_make_spare_keeps_an_existing_spare(tmp_path: Path) -> None:
    make_spare(tmp_path)
    before = (tmp_path / SPARE).read_bytes()
    make_spare(tmp_path)
    assert (tmp_path / SPARE).read_bytes() == before


def test_split_pem_needs_both_blocks() -> None:
    cert = b"-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n"
    key = b"-----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n"
    assert split_pem(cert + key) == (cert, key)
    assert split_pem(key + cert) == (cert, key)
    assert split_pem(cert) is None
    assert split_pem(b"garbage") is None
