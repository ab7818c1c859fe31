"""`veche check-config` refuses a production start that is not safe, and deploy/ agrees with the app."""

from __future__ import annotations

import base64
import re
import secrets
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from deploy.render_nginx import render
from voting.check_config import problems
from voting.core.config import DEV_SECRET

ROOT = Path(__file__).resolve().parents[2]
CODE = ("voting", "registry", "auth", "ballots", "protocols", "indicators")


def good(tmp_path: Path) -> dict[str, str]:
    key_file = tmp_path / "server.key"
    key_file.write_text(base64.b64encode(secrets.token_bytes(32)).decode())
    return {"VECHE_ENV": "production", "VECHE_SECRET_KEY": secrets.token_urlsafe(48),
            "VECHE_DATA_KEYS": f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}",
            "VECHE_SERVER_KEY_FILE": str(key_file), "VECHE_BASE_URL": "https://veche.example.ru"}


@pytest.mark.parametrize(("change", "expected"), [
    ({"VECHE_ENV": "development"}, "VECHE_ENV is not production"),
    ({"VECHE_SECRET_KEY": DEV_SECRET}, "VECHE_SECRET_KEY is the development secret"),
    ({"VECHE_SECRET_KEY": "x" * 31}, "VECHE_SECRET_KEY is shorter than 32 characters"),
    ({"VECHE_DATA_KEYS": ""}, "VECHE_DATA_KEYS is not set (Fernet keys, newest first)"),
    ({"VECHE_DATA_KEYS": "not-a-key"}, "VECHE_DATA_KEYS: key 1 is not a Fernet key"),
    ({"VECHE_SERVER_KEY_FILE": ""}, "VECHE_SERVER_KEY or VECHE_SERVER_KEY_FILE must be set in production"),
    ({"VECHE_SERVER_KEY_FILE": "/nonexistent/server.key"}, "VECHE_SERVER_KEY_FILE cannot be read: No such file"),
    ({"VECHE_DATABASE_URL": "sqlite:///veche.sqlite"}, "VECHE_DATABASE_URL is not PostgreSQL"),
    ({"VECHE_DATABASE_URL": "postgresql://veche@127.0.0.1:1/veche"}, "the database is unreachable"),
    ({"VECHE_BASE_URL": "http://veche.example.ru"}, "VECHE_BASE_URL is not https://"),
])
def test_check_config_names_each_problem(tmp_path, change, expected) -> None:
    env = good(tmp_path) | {"VECHE_DATABASE_URL": "postgresql://veche@127.0.0.1:1/veche"} | change
    found = problems(env)
    assert any(problem.startswith(expected) for problem in found), found
    if "DATABASE" not in expected and "database" not in expected:  # the rest of the environment is fine
        assert len(found) == 2, found  # this problem and the database on a closed port


def test_the_environment_template_lists_every_setting_the_code_reads() -> None:
    used = {name for package in CODE for path in (ROOT / package).rglob("*.py")
            for name in re.findall(r"VECHE_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8"))}
    template = (ROOT / "deploy" / "veche.env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^(VECHE_[A-Z_]+)=", template, re.M))
    assert used - {"VECHE_TEST_DATABASE_URL"} <= listed, sorted(used - listed)
    for name in listed:  # each with its meaning on the line(s) above
        assert re.search(rf"^# .+\n(?:#.*\n)*{name}=", template, re.M), name


def test_nginx_takes_its_body_limit_and_static_folder_from_the_app(monkeypatch) -> None:
    monkeypatch.setenv("VECHE_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))
    site = render("veche.example.ru", "/etc/ssl/c.pem", "/etc/ssl/k.pem")
    assert "client_max_body_size 10240k;" in site
    assert f"alias {ROOT / 'static'}/;" in site
    assert not re.search(r"@[A-Z_]+@", site)
    headers = (ROOT / "deploy" / "nginx" / "proxy_headers.conf").read_text()
    assert headers.count("X-Forwarded-For") == 1  # one hop: VECHE_PROXY_HOPS=1 in the template
    assert "VECHE_PROXY_HOPS=1" in (ROOT / "deploy" / "veche.env.example").read_text()
