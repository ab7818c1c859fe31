"""Signing with a device key in Python, exactly as the browser does with WebCrypto (ECDSA P-256 over the tag line
and RFC 8785 JSON, raw r‖s in base64): for the demo's ballots, tests and benchmarks."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from ballots.canonical import canonical


@dataclass
class DeviceSigner:
    private: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))

    @property
    def spki(self) -> str:
        """The public key as the browser exports it: SubjectPublicKeyInfo, base64."""
        return base64.b64encode(self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()

    @property
    def key_id(self) -> str:
        return hashlib.sha256(base64.b64decode(self.spki)).hexdigest()[:32]

    def sign(self, tag: str, value: Any) -> str:
        r, s = decode_dss_signature(self.private.sign(canonical(tag, value), ec.ECDSA(hashes.SHA256())))
        return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
