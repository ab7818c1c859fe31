"""Passport data and СНИЛС, and the uploaded files holding them, are encrypted at rest with configured keys, rotate,
and never reach the page whole."""

from __future__ import annotations

from datetime import date, timedelta

from cryptography.fernet import Fernet
from sqlalchemy import select, text

from auth.models import Proxy
from ballots import paper
from ballots.models import PaperScan
from registry.models import Owner, RegisterUpload
from registry.services import stage_upload
from tests.conftest import make_app
from tests.factories import building, flat, staff_of, user
from tests.factories.ballots import open_meeting
from voting.cli import cli
from voting.core.extensions import db
from voting.core.types import PersonalDataCipher

SNILS = "112-233-445 95"


def raw_values() -> list[str]:
    """Everything stored in the owners table, as the database holds it."""
    rows = db.session.execute(text("SELECT * FROM owners")).all()
    return [str(value) for row in rows for value in row]


def test_snils_and_passport_are_not_stored_in_plain_text(session) -> None:
    item = building(rows=[flat("1", snils=SNILS)])
    owner = db.session.scalars(select(Owner).where(Owner.building_id == item.id)).one()
    owner.passport = "7512 345678, выдан ГУ МВД России по Челябинской области 01.02.2013"
    db.session.flush()
    stored = " ".join(raw_values())
    for secret in ("112-233-445", "11223344595", "345678", "ГУ МВД"):
        assert secret not in stored
    db.session.expire_all()
    assert db.session.get(Owner, owner.id).snils == SNILS  # and it reads back


def test_key_rotation_reencrypts_under_the_new_key(app, runner, session) -> None:
    building(rows=[flat("1", snils=SNILS)])
    old_key = app.config["DATA_KEYS"][0]
    new_key = Fernet.generate_key().decode()
    old_tokens = [row[0] for row in db.session.execute(text("SELECT snils FROM owners WHERE snils IS NOT NULL"))]
    app.extensions["veche.cipher"] = PersonalDataCipher([new_key, old_key])
    try:
        result = runner.invoke(cli, ["rotate-data-keys"])
        assert result.exit_code == 0, result.output
        tokens = [row[0] for row in db.session.execute(text("SELECT snils FROM owners WHERE snils IS NOT NULL"))]
        assert tokens and set(tokens).isdisjoint(old_tokens)
        only_new = PersonalDataCipher([new_key])
        assert {only_new.decrypt(t) for t in tokens} == {SNILS}
    finally:
        app.extensions["veche.cipher"] = PersonalDataCipher([old_key])


def test_the_key_comes_from_configuration(database_url) -> None:
    one, other = make_app(database_url), make_app(database_url)
    token = one.extensions["veche.cipher"].encrypt(SNILS)
    try:
        other.extensions["veche.cipher"].decrypt(token)
    except ValueError as error:
        assert "cannot be decrypted" in str(error)
    else:  # pragma: no cover
        raise AssertionError("a token decrypted under a different key")


def uploads() -> dict[str, bytes]:
    """A proxy's scan, a paper decision's scan and a register file, each with personal data in it."""
    state = open_meeting()
    owner = state.voters[0]
    files = {"proxies.scan": b"%PDF-1.7 passport 7512 345678 of the representative",
             "paper_scans.content": b"%PDF-1.7 decision of Petrov, SNILS 112-233-445 95",
             "register_uploads.content": "номер;ФИО\n1;Иванов Иван Иванович, паспорт 7512 345678\n".encode()}
    db.session.add(Proxy(representative=user(), ownership=owner.user.links[0].ownership,
                         scan=files["proxies.scan"], scan_sha256="ef" * 32, scan_type="application/pdf",
                         issued_on=date.today(), valid_until=date.today() + timedelta(days=30)))
    paper.keep_scan(state.meeting, staff_of(state.building.organisation), files["paper_scans.content"])
    stage_upload(state.building, "register.csv", files["register_uploads.content"])
    db.session.flush()
    return files


def stored(column: str) -> bytes:
    table, name = column.split(".")
    return bytes(db.session.execute(text(f"SELECT {name} FROM {table}")).scalar_one())


def test_uploaded_files_are_encrypted_at_rest_and_rotate(app, runner, session) -> None:
    files = uploads()
    for column, content in files.items():
        raw = stored(column)
        assert b"345678" not in raw and b"112-233" not in raw and content not in raw, column
        assert PersonalDataCipher(app.config["DATA_KEYS"]).decrypt_bytes(raw) == content
    db.session.expire_all()
    assert db.session.scalar(select(Proxy.scan)) == files["proxies.scan"]  # and they read back
    assert db.session.scalar(select(PaperScan.content)) == files["paper_scans.content"]
    assert db.session.scalar(select(RegisterUpload.content)) == files["register_uploads.content"]

    old_key, new_key = app.config["DATA_KEYS"][0], Fernet.generate_key().decode()
    before = {column: stored(column) for column in files}
    app.extensions["veche.cipher"] = PersonalDataCipher([new_key, old_key])
    try:
        result = runner.invoke(cli, ["rotate-data-keys"])
        assert result.exit_code == 0, result.output
        for column, content in files.items():
            assert stored(column) != before[column]
            assert PersonalDataCipher([new_key]).decrypt_bytes(stored(column)) == content
    finally:
        app.extensions["veche.cipher"] = PersonalDataCipher([old_key])
