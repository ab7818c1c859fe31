"""Device keys: the browser proves it holds the private half of a new ECDSA P-256 key by signing a server nonce."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import time
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from flask import session
from flask_babel import gettext as _

from auth.mail import send_mail
from auth.models import DeviceKey, User
from auth.security_log import log_event
from voting.core.errors import InvalidInputError
from voting.core.extensions import db
from voting.core.signals import key_revoked

TAG = b"OSS-KEY-REGISTRATION-v1\n"
NONCE_SECONDS = 300


def new_nonce() -> str:
    nonce = secrets.token_urlsafe(32)
    session["key_nonce"] = [nonce, time.time()]
    return nonce


def raw_to_der(signature: bytes) -> bytes:
    """WebCrypto signs ECDSA as raw r‖s (64 bytes for P-256); cryptography wants DER."""
    if len(signature) != 64:
        raise InvalidInputError(_("Подпись должна быть 64 байта (r‖s)."), field="signature")
    return encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))


def load_public_key(spki_b64: str) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_der_public_key(base64.b64decode(spki_b64, validate=True))
    except (ValueError, binascii.Error):
        raise InvalidInputError(_("Открытый ключ не читается."), field="public_key") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
        raise InvalidInputError(_("Нужен ключ ECDSA P-256."), field="public_key")
    return key


def key_id(spki_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(spki_b64)).hexdigest()[:32]


def register_key(user: User, spki_b64: str, signature_b64: str, label: str) -> DeviceKey:
    """Register a key after checking its signature over this session's nonce; the owner is told by e-mail."""
    pending = session.pop("key_nonce", None)
    if not pending or time.time() - pending[1] > NONCE_SECONDS:
        raise InvalidInputError(_("Запрос устарел: обновите страницу."), field="nonce")
    key = load_public_key(spki_b64)
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (ValueError, binascii.Error):
        raise InvalidInputError(_("Подпись не читается."), field="signature") from None
    try:
        key.verify(raw_to_der(signature), TAG + pending[0].encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise InvalidInputError(_("Подпись не сходится с ключом."), field="signature") from None
    identifier = key_id(spki_b64)
    existing = db.session.scalar(db.select(DeviceKey).where(DeviceKey.key_id == identifier))
    if existing is not None:  # the same browser finishing a registration it had started
        if existing.user_id != user.id or existing.revoked_at is not None:
            raise InvalidInputError(_("Этот ключ уже зарегистрирован или отозван."), field="public_key")
        return existing
    device_key = DeviceKey(key_id=identifier, user=user, public_key=spki_b64, label=label[:200] or "browser")
    db.session.add(device_key)
    log_event("key_registered", user, user.email, identifier)
    send_mail(user.email, _("Вече: новый ключ подписи"),
              _("К вашей учётной записи добавлен ключ подписи «%(label)s» (%(id)s). Если это были не вы, "
                "отзовите ключ на странице «Ключи» и смените пароль.", label=device_key.label, id=identifier))
    return device_key


def revoke_key(device_key: DeviceKey, by: User) -> None:
    if device_key.revoked_at is None:
        device_key.revoked_at = datetime.now(UTC)
        log_event("key_revoked", by, device_key.user.email, device_key.key_id)
        key_revoked.send(device_key.key_id)
