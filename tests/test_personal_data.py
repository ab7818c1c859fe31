"""Passport data and СНИЛС are encrypted at rest with configured keys, rotate, and never reach the page whole."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import select, text

from registry.models import Owner
from tests.conftest import make_app
from tests.factories import building, flat
from voting.cli import cli
from voting.extensions import db
from voting.types import PersonalDataCipher

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
