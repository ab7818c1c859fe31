import pytest
from flask import request

from tests.conftest import make_app
from voting.core.config import ConfigError, from_environment, normalise_database_url


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


@pytest.mark.parametrize(("hops", "address", "scheme"), [(1, "203.0.113.7", "https"), (0, "10.0.0.1", "http")])
def test_proxy_hops_trust_the_forwarded_address_only_when_set(hops: int, address: str, scheme: str) -> None:
    app = make_app("sqlite://", PROXY_HOPS=hops)
    with app.test_client() as client:
        client.get("/static/css/app.css", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                   headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}).close()
        assert (request.remote_addr, request.scheme) == (address, scheme)


def test_links_use_the_configured_base_url_else_the_requests_own_host(tmp_path) -> None:
    from voting.core.links import public_url, using_base_url

    configured = make_app(f"sqlite:///{tmp_path / 'a.sqlite'}", BASE_URL="https://oss.example-region.ru")
    with configured.test_request_context("/", base_url="http://evil.example"):
        assert public_url("auth.reset_request") == "https://oss.example-region.ru/auth/reset"
    unset = make_app(f"sqlite:///{tmp_path / 'b.sqlite'}", BASE_URL=None, DEV_BASE_URL=None)
    with unset.test_request_context("/", base_url="https://veche.region.test"):
        assert public_url("auth.reset_request") == "https://veche.region.test/auth/reset"
    with unset.app_context():
        with pytest.raises(ConfigError, match="VECHE_BASE_URL"):  # a command with no request and no address
            public_url("auth.reset_request")
        with using_base_url("https://queued.example"):  # a job carries the address of the request that queued it
            assert public_url("auth.reset_request") == "https://queued.example/auth/reset"


def test_base_url_comes_from_the_environment_never_a_fixed_address(tmp_path) -> None:
    assert from_environment(str(tmp_path), env={"VECHE_BASE_URL": "https://oss.example/"})["BASE_URL"] == \
        "https://oss.example"
    assert from_environment(str(tmp_path), env={})["BASE_URL"] is None
    production = from_environment(str(tmp_path), env={"VECHE_ENV": "production", "VECHE_SECRET_KEY": "s",
                                                      "VECHE_DATA_KEYS": "a" * 43 + "="})
    assert production["BASE_URL"] is None and production["DEV_BASE_URL"] is None
