import pytest

from voting.config import ConfigError, from_environment, normalise_database_url


def test_development_defaults_use_sqlite_in_the_instance_folder(tmp_path) -> None:
    config = from_environment(str(tmp_path), env={})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'veche.sqlite'}"
    assert config["DATA_KEYS"] and config["SESSION_COOKIE_SECURE"] is False


def test_production_refuses_to_start_without_secrets(tmp_path) -> None:
    with pytest.raises(ConfigError, match="VECHE_SECRET_KEY"):
        from_environment(str(tmp_path), env={"VECHE_ENV": "production"})
    with pytest.raises(ConfigError, match="VECHE_DATA_KEYS"):
        from_environment(str(tmp_path), env={"VECHE_ENV": "production", "VECHE_SECRET_KEY": "s"})


def test_production_cookies(tmp_path) -> None:
    config = from_environment(str(tmp_path), env={"VECHE_ENV": "production", "VECHE_SECRET_KEY": "s",
                                                  "VECHE_DATA_KEYS": "a" * 43 + "="})
    assert config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://postgres@127.0.0.1:5432/test", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_postgres_urls_use_psycopg3(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected
