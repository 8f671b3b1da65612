"""The box's own TLS certificate: made once at set-up, pinned by the hall's devices.

A township hall has no domain name and no certificate authority, so the box signs its own
certificate (ECDSA P-256, ten years) for the names and addresses it is reached by. Devices do not
trust it because of who signed it but because they were told its SHA-256 fingerprint when they
were set up (`yimen tls show`): a box that presents another certificate is refused. Staff and
devices talk to the server over TLS only; citizens' phones read the public pages over plain HTTP
(there is nothing secret on them, and a self-signed certificate would only frighten them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import ssl
from pathlib import Path

TLS_DIR = "tls"
CERT, KEY = "cert.pem", "key.pem"


def paths(data_dir: str | Path) -> tuple[Path, Path]:
    folder = Path(data_dir) / TLS_DIR
    return folder / CERT, folder / KEY


def make_certificate(data_dir: str | Path, names: list[str], now: dt.datetime | None = None,
                     years: int = 10) -> str:
    """Write a new key and self-signed certificate for `names` (host names and IP addresses) into
    the data folder; the key is readable by its owner only. Returns the fingerprint."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = paths(data_dir)
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0] if names else "yimen")])
    alternative: list[x509.GeneralName] = []
    for name in names:
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternative.append(x509.DNSName(name))
    start = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(days=1)  # a box whose clock is a little behind
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(start)
               .not_valid_after(start + dt.timedelta(days=365 * years))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
    if alternative:
        builder = builder.add_extension(x509.SubjectAlternativeName(alternative), critical=False)
    cert = builder.sign(key, hashes.SHA256())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return fingerprint(cert_path)


def fingerprint(cert_path: str | Path) -> str:
    """SHA-256 of the certificate (DER), as pairs of hex digits: what devices pin."""
    der = ssl.PEM_cert_to_DER_cert(Path(cert_path).read_text())
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def server_context(data_dir: str | Path) -> ssl.SSLContext | None:
    """The server's TLS context, if the box has its certificate; None otherwise."""
    cert_path, key_path = paths(data_dir)
    if not cert_path.exists() or not key_path.exists():
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
