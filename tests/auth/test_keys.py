"""Device keys: proof of possession over the server's nonce (raw r‖s as WebCrypto makes it), mail, revocation."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from sqlalchemy import select

from auth.keys import TAG
from auth.models import DeviceKey
from tests.factories import csrf_token, login, user
from voting.core.extensions import db


def webcrypto_signature(key: ec.EllipticCurvePrivateKey, message: bytes) -> str:
    """Sign as WebCrypto does: ECDSA P-256 with SHA-256, raw r‖s."""
    r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
    return base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()


def spki(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def post_json(client, url: str, token: str, body=None):
    return client.post(url, json=body, headers={"X-CSRFToken": token})


def test_key_registered_with_proof_of_possession_and_mailed(client, mailbox) -> None:
    account = user("keys@example.org")
    login(client, account)
    token = csrf_token(client, "/account/")
    nonce = post_json(client, "/account/keys/nonce", token).json["nonce"]
    key = ec.generate_private_key(ec.SECP256R1())
    response = post_json(client, "/account/keys", token, {"public_key": spki(key), "label": "Android",
                                                          "signature": webcrypto_signature(key, TAG + nonce.encode())})
    assert response.status_code == 201
    stored = db.session.scalars(select(DeviceKey).where(DeviceKey.user_id == account.id)).one()
    assert stored.key_id == response.json["key_id"] and stored.label == "Android"
    assert "новый ключ" in mailbox.to("keys@example.org")[-1]["Subject"]

    page = client.get("/account/keys").get_data(as_text=True)
    assert stored.key_id[:16] in page
    client.post(f"/account/keys/{stored.id}/revoke", data={"csrf_token": token})
    db.session.expire_all()
    assert db.session.get(DeviceKey, stored.id).revoked_at is not None


def test_key_registration_refuses_wrong_signature_replay_and_foreign_fields(client) -> None:
    login(client, user())
    token = csrf_token(client, "/account/")
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    nonce = post_json(client, "/account/keys/nonce", token).json["nonce"]
    wrong = post_json(client, "/account/keys", token, {"public_key": spki(key), "label": "x",
                                                       "signature": webcrypto_signature(other, TAG + nonce.encode())})
    assert wrong.status_code == 422 and wrong.json["field"] == "signature"
    replay = post_json(client, "/account/keys", token, {"public_key": spki(key), "label": "x",
                                                        "signature": webcrypto_signature(key, TAG + nonce.encode())})
    assert replay.status_code == 422 and replay.json["field"] == "nonce"  # a nonce works once
    nonce = post_json(client, "/account/keys/nonce", token).json["nonce"]
    extra = post_json(client, "/account/keys", token, {"public_key": spki(key), "label": "x", "admin": True,
                                                       "signature": webcrypto_signature(key, TAG + nonce.encode())})
    assert extra.status_code == 422
    assert client.post("/account/keys/nonce", json=None).status_code == 400  # no CSRF header
    assert not db.session.scalars(select(DeviceKey)).all()
