"""The server's Ed25519 signing key: from configuration or a key file, never the database. It signs the indicator
feed (and, with the ballots, manifests, checkpoints and receipts); its fingerprint is printed on protocols."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app


@dataclass(frozen=True)
class ServerKey:
    private: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the raw public key, hex: what protocols print and verifiers compare."""
        return hashlib.sha256(self.public_raw).hexdigest()

    def sign(self, message: bytes) -> str:
        return base64.b64encode(self.private.sign(message)).decode()


def load_key(value: str | None, key_file: str | None, secret: str, production: bool) -> ServerKey:
    """A key from `VECHE_SERVER_KEY` (base64 of the 32-byte seed, or PEM), or `VECHE_SERVER_KEY_FILE`; in
    development without either, a key derived from the secret key."""
    text = Path(key_file).read_text() if key_file else value
    if text:
        text = text.strip()
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError("VECHE_SERVER_KEY must be an Ed25519 key")
            return ServerKey(key)
        return ServerKey(Ed25519PrivateKey.from_private_bytes(base64.b64decode(text)))
    if production:
        raise ValueError("VECHE_SERVER_KEY or VECHE_SERVER_KEY_FILE must be set in production")
    seed = hashlib.sha256(b"veche-development-server-key\n" + secret.encode()).digest()
    return ServerKey(Ed25519PrivateKey.from_private_bytes(seed))


def server_key() -> ServerKey:
    return current_app.extensions["veche.server_key"]  # type: ignore[no-any-return]


def verify(public_b64: str, signature_b64: str, message: bytes) -> bool:
    """Check a signature with a public key (offline: no application needed)."""
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(public_b64)).verify(base64.b64decode(signature_b64),
                                                                                message)
    except (InvalidSignature, ValueError):
        return False
    return True
