"""The reference deployment on this machine: nginx (TLS, a self-signed certificate) → gunicorn (deploy/'s config)
→ PostgreSQL, with Redis and an RQ worker; an owner signs in and votes, the УК has the protocol rendered by the
worker and downloads it, all through nginx. Runs in the PostgreSQL leg (it needs the server and nginx)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import POSTGRES, fresh_database

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PASSWORD = "stack-demo-password"

pytestmark = [
    pytest.mark.skipif(not POSTGRES, reason="the deployment runs on PostgreSQL (the PostgreSQL leg)"),
    pytest.mark.skipif(not Path(NGINX).exists() and not os.environ.get("VECHE_REQUIRE_NGINX"),
                       reason="nginx is not installed"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    import ipaddress

    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@contextmanager
def started(command: list[str], log: Path, env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process for the test's duration, stopped (and its group) at the end."""
    with log.open("wb") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd,
                                 start_new_session=True)
    try:
        yield child
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
            try:
                child.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(5)


def wait_for_port(port: int, child: subprocess.Popen[bytes], log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert child.poll() is None, log.read_text()[-3000:]
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"port {port} never opened:\n{log.read_text()[-3000:]}")


class Browser:
    """HTTPS with cookies, as a browser through nginx: trusts the test's certificate, follows no redirect."""

    def __init__(self, base: str, ca: Path) -> None:
        self.base = base
        context = ssl.create_default_context(cafile=str(ca))
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context),
                                                  urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: bytes | dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=data,
                                         headers={"Referer": self.base + "/", **(headers or {})})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers), error.read()

    def csrf(self, path: str) -> str:
        status, _headers, body = self.request(path)
        found = re.search(rb'name="csrf_token" value="([^"]+)"', body)
        assert status == 200 and found, (path, status, body[:500])
        return found.group(1).decode()

    def sign_in(self, email: str) -> None:
        from auth.demo import demo_code

        status, headers, _ = self.request("/auth/login", {"csrf_token": self.csrf("/auth/login"), "email": email,
                                                          "password": PASSWORD})
        assert status == 302, status
        if headers["Location"].endswith("/auth/totp"):
            status, _h, _b = self.request("/auth/totp", {"csrf_token": self.csrf("/auth/totp"),
                                                         "code": demo_code(email) or ""})
            assert status == 302, status


def test_nginx_gunicorn_worker_postgresql_redis_sign_in_vote_and_render_a_protocol(tmp_path, tmp_path_factory,
                                                                                     smtp_server) -> None:
    mailbox, smtp_port = smtp_server
    https_port, http_port, app_port = free_port(), free_port(), free_port()
    cert, key = certificate(tmp_path)
    with fresh_database(tmp_path_factory) as url:
        env = {**os.environ, "VECHE_ENV": "production", "VECHE_SECRET_KEY": secrets.token_urlsafe(48),
               "VECHE_DATA_KEYS": Fernet.generate_key().decode(),
               "VECHE_SERVER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
               "VECHE_DATABASE_URL": url, "VECHE_REDIS_URL": "redis://127.0.0.1:6379/13",
               "VECHE_SMTP_HOST": "127.0.0.1", "VECHE_SMTP_PORT": str(smtp_port),
               "VECHE_PUBLIC_URL": f"https://127.0.0.1:{https_port}", "VECHE_PROXY_HOPS": "1",
               "VECHE_LOG_FORMAT": "json", "VECHE_BIND": f"127.0.0.1:{app_port}", "WEB_CONCURRENCY": "2",
               "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
        env.pop("VECHE_TEST_DATABASE_URL", None)
        veche = str(BIN / "veche")

        refused = subprocess.run([veche, "check-config"], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert refused.returncode == 1 and "run `veche db upgrade`" in refused.stderr  # not migrated: no start
        subprocess.run([veche, "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True)
        subprocess.run([veche, "demo", "--password", PASSWORD], env=env, cwd=tmp_path, check=True,
                       capture_output=True)
        ready = subprocess.run([veche, "check-config"], env=env, cwd=tmp_path, capture_output=True, text=True)
        assert ready.returncode == 0, ready.stderr

        from sqlalchemy import create_engine, text

        from voting.core.config import normalise_database_url

        engine = create_engine(normalise_database_url(url))
        with engine.begin() as connection:  # the counted meeting's protocol is not rendered yet
            counted = connection.execute(text("SELECT id FROM meetings WHERE state = 'counted'")).scalar_one()
            for table in ("protocol_signatures", "protocol_notes", "protocols"):
                connection.execute(text(f"DELETE FROM {table} WHERE meeting_id = :m"), {"m": counted})

        from deploy.render_nginx import render

        site = render("127.0.0.1", str(cert), str(key), upstream=f"127.0.0.1:{app_port}",
                      https_listen=f"127.0.0.1:{https_port}", http_listen=f"127.0.0.1:{http_port}")
        (tmp_path / "site.conf").write_text(site)
        temp = tmp_path / "nginx-temp"
        temp.mkdir()
        (tmp_path / "nginx.conf").write_text(
            ("user root;\n" if os.geteuid() == 0 else "")
            + f"worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx-error.log;\n"
            f"events {{ worker_connections 64; }}\nhttp {{\n include /etc/nginx/mime.types;\n"
            f" access_log {tmp_path}/nginx-access.log;\n client_body_temp_path {temp}/body;\n"
            f" proxy_temp_path {temp}/proxy;\n fastcgi_temp_path {temp}/fastcgi;\n uwsgi_temp_path {temp}/uwsgi;\n"
            f" scgi_temp_path {temp}/scgi;\n include {tmp_path}/site.conf;\n}}\n")
        checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                                 capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr

        gunicorn = [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "voting.app:create_app()"]
        with (started(gunicorn, tmp_path / "gunicorn.log", env, tmp_path) as web,
              started([veche, "worker"], tmp_path / "worker.log", env, tmp_path),
              started([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                      tmp_path / "nginx.log", env, tmp_path) as proxy):
            wait_for_port(app_port, web, tmp_path / "gunicorn.log")
            wait_for_port(https_port, proxy, tmp_path / "nginx-error.log")
            owner = Browser(f"https://127.0.0.1:{https_port}", cert)

            status, headers, body = owner.request("/healthz")
            assert status == 200 and json.loads(body) == {"status": "ok"}
            assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
            assert re.fullmatch(r"[0-9a-f]{32}", headers["X-Request-ID"])  # nginx's $request_id, kept by the app
            status, _h, body = owner.request("/readyz")
            assert status == 200 and json.loads(body)["checks"] == {"database": "ok", "redis": "ok", "smtp": "ok"}
            status, headers, _ = owner.request("/static/css/app.css")
            assert status == 200 and "Content-Security-Policy" not in headers  # from disk by nginx, not the app
            assert owner.request("/metrics")[0] == 403  # through the proxy: not for the public
            status, _h, _b = owner.request("/auth/login", b"x" * (26 * 1024 * 1024))
            assert status == 413  # nginx's limit is the app's
            plain = http.client.HTTPConnection("127.0.0.1", http_port, timeout=10)
            plain.request("GET", "/")
            assert plain.getresponse().status == 301
            plain.close()

            # an owner signs in and votes in the meeting that is open (a device key as the browser makes one)
            owner.sign_in("owner1@demo.veche")
            from ballots.canonical import canonical
            from ballots.signing import DeviceSigner

            signer = DeviceSigner()
            from auth.models import DeviceKey, User
            from tests.conftest import make_app
            from voting.core.extensions import db

            with make_app(url).app_context():
                user = db.session.query(User).filter_by(email="owner1@demo.veche").one()
                db.session.add(DeviceKey(key_id=signer.key_id, user_id=user.id, public_key=signer.spki,
                                         label="stack test"))
                db.session.commit()
                db.session.remove()
                db.engine.dispose()
            with engine.begin() as connection:
                meeting_id = connection.execute(text(
                    "SELECT id FROM meetings WHERE state = 'voting' AND form = 'electronic'")).scalar_one()
            status, _h, page = owner.request(f"/meetings/{meeting_id}/vote")
            assert status == 200, page[:300]
            form = re.search(rb'<form class="ballot card"(.*?)>', page, re.S)
            assert form, "the demo owner has a vote in the open meeting"
            attributes = re.findall(rb"""data-([a-z-]+)=(?:"([^"]*)"|'([^']*)')""", form.group(1))
            data = {name.decode(): (double or single).decode() for name, double, single in attributes}
            items = [i.decode() for i in re.findall(rb'data-item="([^"]+)"', page)]
            payload = {"type": "ballot", "v": 1, "meeting_id": meeting_id, "manifest_hash": data["manifest-hash"],
                       "owner_id": data["owner-id"], "premises": json.loads(data["premises"]),
                       "answers": {item: "for" for item in items}, "seq": int(data["seq"]),
                       "prev": data["prev"] or None, "key_id": signer.key_id,
                       "client_time": datetime.now(UTC).isoformat()}
            ballot = json.dumps({"payload": payload, "signature": signer.sign("OSS-BALLOT-v1", payload)}).encode()
            token = data["csrf"]
            status, _h, body = owner.request(f"/api/v1/meetings/{meeting_id}/ballots", ballot,
                                             {"Content-Type": "application/json", "X-CSRFToken": token})
            assert status == 201, body[:500]
            receipt = json.loads(body)
            assert receipt["ballot_hash"] == hashlib.sha256(canonical("OSS-BALLOT-v1", payload)).hexdigest()
            deadline = time.monotonic() + 60
            while not any(receipt["tracker"] in (m["Subject"] or "") for m in mailbox.messages):
                assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
                time.sleep(0.3)  # the receipt is mailed by the worker

            # the УК has the counted meeting's protocol rendered (a job for the worker) and downloads it
            staff = Browser(f"https://127.0.0.1:{https_port}", cert)
            staff.sign_in("uk@demo.veche")
            token = staff.csrf(f"/meetings/{counted}/protocol")
            status, _h, _b = staff.request(f"/meetings/{counted}/protocol/render", {"csrf_token": token})
            assert status == 302
            deadline = time.monotonic() + 180
            while True:
                state = json.loads(staff.request(f"/meetings/{counted}/protocol/progress")[2])
                if state["state"] in ("ready", "failed"):
                    break
                assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()[-3000:]
                time.sleep(0.5)
            assert state["state"] == "ready", state
            status, headers, pdf = staff.request(f"/meetings/{counted}/protocol.pdf")
            assert status == 200 and pdf.startswith(b"%PDF") and headers["Content-Type"] == "application/pdf"
            lines = [json.loads(line) for line in (tmp_path / "gunicorn.log").read_text().splitlines()
                     if line.startswith("{")]
            assert any(line.get("endpoint") == "ballots_api.submit" and line["status"] == 201 for line in lines)
        engine.dispose()
