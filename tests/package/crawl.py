"""Run by an installed veche (not the checkout): sign in as each demo role and open every page it can reach.

Prints one JSON line: the installed package's folder and, per account, how many pages answered which status.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import voting
from auth.demo import DOMAIN, demo_code
from registry.models import Building
from voting.app import create_app
from voting.core.extensions import db
from voting.meetings.models import Meeting

ACCOUNTS = (None, f"uk@{DOMAIN}", f"inspector@{DOMAIN}")  # the staff and the inspector see nearly every page


def token(client: FlaskClient, path: str) -> str:
    """The CSRF token of a page's form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert found, path
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str) -> None:
    """Through the real pages, with the demo one-time code where the account needs one."""
    response = client.post("/auth/login", data={"csrf_token": token(client, "/auth/login"), "email": email,
                                                "password": password})
    assert response.status_code == 302, (email, response.status_code)
    if response.headers["Location"].endswith("/auth/totp"):
        response = client.post("/auth/totp", data={"csrf_token": token(client, "/auth/totp"),
                                                   "code": demo_code(email)})
        assert response.status_code == 302, (email, "totp", response.status_code)


def pages(app: Flask) -> list[str]:
    """Every GET page without arguments, and every page of a demo building or meeting."""
    with app.app_context():
        ids = {"building_id": db.session.scalars(select(Building.id)).all(),
               "meeting_id": db.session.scalars(select(Meeting.id)).all()}
    urls: list[str] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint == "static":
            continue
        arguments = set(rule.arguments)
        with app.test_request_context():
            from flask import url_for

            if not arguments:
                urls.append(url_for(rule.endpoint))
            elif arguments <= {"building_id", "meeting_id", "extension", "kind"} and len(arguments & set(ids)) == 1:
                (name,) = arguments & set(ids)
                extra = {}
                if "extension" in arguments:
                    extra["extension"] = "csv"
                if "kind" in arguments:
                    extra["kind"] = "json"
                urls += [url_for(rule.endpoint, **{name: value}, **extra) for value in ids[name]]
    return urls


def main() -> None:
    password = sys.argv[1]
    app = create_app()
    urls = pages(app)
    report: dict[str, object] = {"package": voting.__file__, "pages": len(urls), "statuses": {}}
    for email in ACCOUNTS:
        client = app.test_client()
        if email:
            sign_in(client, email, password)
        statuses: Counter[int] = Counter()
        for url in urls:
            response = client.get(url)
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                raise SystemExit(f"{email}: {url} answered {response.status_code}")
        report["statuses"][email or "anonymous"] = dict(sorted(statuses.items()))  # type: ignore[index]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
