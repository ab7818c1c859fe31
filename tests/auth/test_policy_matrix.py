"""Every route declares its policy, and every route is tried by every role: only the allowed cells succeed."""

from __future__ import annotations

import io
import json
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask, url_for
from werkzeug.routing import Rule

from auth.models import DeviceKey as Key
from auth.models import GuestGrant, OwnershipClaim, OwnershipLink, Proxy
from ballots.models import LogEntry, PaperScan
from protocols.models import Protocol, RenderState
from registry.models import Municipality, Region
from registry.services import stage_upload
from tests.factories import building, csv_bytes, flat, inspector_of, owner_in, sign_in_directly, staff_of, user
from voting.core.extensions import db, limiter
from voting.meetings.models import (
    Meeting,
    MeetingForm,
    MeetingKind,
    MeetingMaterial,
    MeetingOfficer,
    MeetingState,
    OfficerRole,
)

PROTOCOL_DOCUMENT = {"signers": [], "result": {"items": []}, "items": [], "number": "1", "number_provisional": False,
                     "date": "21.09.2026", "address": "г. Челябинск, ул. А, д. 1", "gis_form": "EVoting",
                     "kind_code": "annual", "total_votes": "100.00", "participating_votes": "0.00", "quorum": False}
ROLES = ("anonymous", "owner_a", "owner_b", "staff_a", "staff_other", "inspector_a", "inspector_other", "operator")
SIGNED_IN = set(ROLES) - {"anonymous"}
EVERYONE = set(ROLES)
A_VIEWERS = {"owner_a", "staff_a", "inspector_a", "operator"}

# endpoint -> the roles that may use it on building A's objects (the sample objects below)
ALLOWED: dict[str, set[str]] = {
    "voting.index": EVERYONE, "voting.language": EVERYONE, "voting.display": EVERYONE, "voting.favicon": EVERYONE,
    "registry.buildings": SIGNED_IN, "registry.building": A_VIEWERS,
    "registry.import_register": {"staff_a"}, "registry.preview_import": {"staff_a"},
    "registry.apply_import": {"staff_a"}, "registry.register_template": EVERYONE,
    "registry.gis_identifiers": {"staff_a"},
    "auth.login": EVERYONE, "auth.totp": EVERYONE, "auth.register": EVERYONE, "auth.confirm": EVERYONE,
    "auth.reset_request": EVERYONE, "auth.reset": EVERYONE,
    "auth.logout": SIGNED_IN, "auth.logout_everywhere": SIGNED_IN, "auth.change_password": SIGNED_IN,
    "account.overview": SIGNED_IN, "account.enter_code": SIGNED_IN, "account.claim": SIGNED_IN,
    "account.grant_guest": SIGNED_IN, "account.submit_proxy": SIGNED_IN, "account.device_keys": SIGNED_IN,
    "account.key_nonce": SIGNED_IN, "account.register_key": SIGNED_IN,
    "account.drop_link": {"owner_a"}, "account.end_guest": {"owner_a"}, "account.revoke_key": {"owner_a"},
    "manage.codes": {"staff_a"}, "manage.claims": {"staff_a", "staff_other"},
    "manage.decide_claim": {"staff_a"}, "manage.decide_proxy": {"staff_a"}, "manage.proxy_scan": {"staff_a"},
    "manage.links": {"staff_a"}, "manage.end_link": {"staff_a"}, "manage.security_log": {"operator"},
    "meetings.index": A_VIEWERS, "meetings.show": A_VIEWERS, "meetings.notice": A_VIEWERS,
    "meetings.notice_pdf": A_VIEWERS, "meetings.record_delivery": {"staff_a"}, "meetings.material": A_VIEWERS,
    "meetings.create": {"staff_a"}, "meetings.update_plan": {"staff_a"}, "meetings.add_item": {"staff_a"},
    "meetings.remove_item": {"staff_a"}, "meetings.announce": {"staff_a"}, "meetings.cancel": {"staff_a"},
    "meetings.count": {"staff_a"}, "meetings.upload_material": {"staff_a"}, "meetings.non_voters": {"staff_a"},
    "meetings.dossier": {"staff_a", "inspector_a"}, "meetings.decision_forms": {"staff_a", "inspector_a"},
    "meetings.add_officer": {"staff_a"},
    "meetings.remove_officer": {"staff_a"},
    "meetings.record_administrator_notice": {"staff_a"}, "meetings.record_opt_out": {"staff_a"},
    "meetings.draft_repeat": {"staff_a"},
    "indicators.dashboard": {"inspector_a", "inspector_other", "operator"},
    "indicators.export": {"inspector_a", "inspector_other", "operator"},
    "indicators.municipality": {"inspector_a", "operator"},  # building A's municipality: inspectors in scope
    "indicators.public": EVERYONE, "indicators.api_online_share": EVERYONE, "indicators.api_feed": EVERYONE,
    "voting.openapi": EVERYONE,
    "ballots.vote": A_VIEWERS, "ballots.receipt": A_VIEWERS, "ballots.receipt_download": A_VIEWERS,
    "ballots.paper_entry": {"staff_a"},
    "ballots.paper_sign": {"staff_a"}, "ballots.scan": {"staff_a", "inspector_a"},
    "ballots.evidence_download": {"staff_a", "inspector_a"},
    "ballots_api.meetings": SIGNED_IN, "ballots_api.manifest": A_VIEWERS, "ballots_api.submit": A_VIEWERS,
    "ballots_api.receipt": A_VIEWERS,
    "protocols.show": {"staff_a", "inspector_a"}, "protocols.pdf": {"staff_a", "inspector_a"},
    "protocols.gis_export": {"staff_a", "inspector_a"}, "protocols.progress": {"staff_a", "inspector_a"},
    "protocols.sign": {"staff_a", "inspector_a"}, "protocols.render": {"staff_a"}, "protocols.set_number": {"staff_a"},
    "protocols.submit": {"staff_a"}, "protocols.paper_scan": {"staff_a"}, "protocols.paper_sign": {"staff_a"},
    "protocols.sign_as_operator": {"staff_a"}, "protocols.gis_file": {"staff_a"}, "protocols.gis_send": {"staff_a"},
    "protocols.recount": {"inspector_a"}, "protocols.add_note": {"inspector_a"}, "protocols.public_verify": EVERYONE,
    "operations.healthz": EVERYONE, "operations.readyz": EVERYONE,
    "operations.metrics": set(),  # a machine with the monitoring token only, no person (tests/test_operations.py)
    "inspection.index": {"inspector_a", "inspector_other"}, "inspection.export_csv": {"inspector_a", "inspector_other"},
    "indicators.elsewhere": {"staff_a"}, "indicators.register_elsewhere": {"staff_a"},
    "indicators.import_elsewhere": {"staff_a", "staff_other"},
    "account.property_forms": SIGNED_IN, "protocols.check": EVERYONE,
    "operate.index": {"operator"}, "operate.organisations": {"operator"}, "operate.municipalities": {"operator"},
    "operate.roles_page": {"operator"}, "operate.grant_role": {"operator"}, "operate.withdraw_staff": {"operator"},
    "operate.withdraw_scope": {"operator"}, "operate.withdraw_operator": {"operator"},
}


def test_every_route_declares_its_policy(app: Flask) -> None:
    missing = [rule.endpoint for rule in app.url_map.iter_rules()
               if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint], "policy")]
    assert not missing, f"routes without a policy: {missing}"
    undecided = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"} - set(ALLOWED)
    assert not undecided, f"add these routes to the matrix: {undecided}"


@pytest.fixture
def world(session):
    """Building A with every kind of object in it, building B elsewhere, and one account per role."""
    region_b = Region(name="Другая область")
    a = building("г. Челябинск, ул. А, д. 1", rows=[flat("1"), flat("2", owner="Петров Пётр Петрович")])
    b = building("г. Копейск, ул. Б, д. 2", rows=[flat("1")])
    b.municipality = Municipality(region=region_b, name="Копейский городской округ", short_name="Копейский ГО",
                                  population=1)
    db.session.flush()
    owner_a = owner_in(a, "1")
    accounts = {
        "owner_a": owner_a, "owner_b": owner_in(b), "staff_a": staff_of(a.organisation),
        "staff_other": staff_of(b.organisation), "inspector_a": inspector_of(municipality=a.municipality),
        "inspector_other": inspector_of(region=region_b), "operator": user(is_operator=True),
    }
    link = db.session.query(OwnershipLink).filter_by(user_id=owner_a.id).one()
    grant = GuestGrant(owner_user=owner_a, guest_user=user())
    key = Key(key_id=secrets.token_hex(16), user=owner_a, public_key="x", label="phone")
    claim = OwnershipClaim(user=accounts["owner_b"], building=a, premises_number="2", egrn_record="74-74-01/1/2008-1")
    proxy = Proxy(representative=accounts["owner_b"], ownership=link.ownership, scan=b"%PDF-1.7", scan_sha256="0" * 64,
                  scan_type="application/pdf", issued_on=date.today(), valid_until=date.today() + timedelta(days=9))
    db.session.add_all([grant, key, claim, proxy])
    upload = stage_upload(a, "r.csv", csv_bytes([flat("1")]))
    meeting = Meeting(building=a, kind=MeetingKind.ANNUAL, form=MeetingForm.ELECTRONIC)
    material = MeetingMaterial(meeting=meeting, filename="a.pdf", mime="application/pdf", content=b"%PDF", sha256="0")
    officer = MeetingOfficer(meeting=meeting, role=OfficerRole.CHAIR, name="Иванов И. И.")
    db.session.add_all([meeting, material, officer])
    db.session.flush()
    # a log with a manifest and one ballot, and a paper scan, for the receipt and scan pages
    entry = {"prev": "0" * 64, "payload_hash": "0" * 64, "signature": "", "key_id": "", "server_time": "",
             "entry_hash": "0" * 64, "root": "0" * 64}
    db.session.add_all([
        LogEntry(meeting_id=meeting.id, index=0, type="manifest", payload='{"agenda": []}', **entry),
        LogEntry(meeting_id=meeting.id, index=1, type="ballot", payload='{"answers": {}}', ballot_hash="ab" * 32,
                 **entry | {"server_time": "2026-11-01T10:00:00.000000+00:00"}),
        PaperScan(meeting_id=meeting.id, sha256="cd" * 32, mime="application/pdf", content=b"%PDF-1.7",
                  uploaded_by_id=accounts["staff_a"].id)])
    # a counted meeting with a rendered protocol, for the protocol pages
    counted = Meeting(building=a, kind=MeetingKind.ANNUAL, form=MeetingForm.ELECTRONIC, state=MeetingState.COUNTED,
                      notice_date=date(2026, 9, 1), result='{"items": [], "quorum": false}',
                      opens_at=datetime(2026, 9, 12, tzinfo=UTC), closes_at=datetime(2026, 9, 20, tzinfo=UTC))
    db.session.add(counted)
    db.session.flush()
    db.session.add(Protocol(meeting_id=counted.id, render_state=RenderState.READY, pdf=b"%PDF-1.7", number="1",
                            document=json.dumps(PROTOCOL_DOCUMENT), evidence_sha256="cd" * 32))
    values = {"meeting_id": meeting.id, "counted_meeting_id": counted.id, "number": 1, "material_id": material.id,
              "building_id": a.id,
              "officer_id": officer.id, "municipality_id": a.municipality_id,
              "upload_id": upload.id, "token": "not-a-token", "extension": "csv",
              "kind": "xml",
              "link_id": link.id, "ballot_hash": "ab" * 32, "sha256": "cd" * 32,
              "grant_id": grant.id, "key_pk": key.id, "claim_id": claim.id, "proxy_id": proxy.id,
              "role_id": accounts["staff_a"].staff_roles[0].id,
              "scope_id": accounts["inspector_a"].inspector_scopes[0].id,
              "user_id": accounts["operator"].id}
    return accounts, values


def attempt(app: Flask, rule: Rule, method: str, role: str, accounts: dict, values: dict) -> int:
    """The status of one request; 401 stands for "sent to the sign-in page"."""
    client = app.test_client()
    if role != "anonymous":
        sign_in_directly(client, accounts[role])
    with app.test_request_context():
        protocol_page = rule.endpoint.startswith("protocols.")
        given = values | ({"meeting_id": values["counted_meeting_id"]} if protocol_page else {})
        url = url_for(rule.endpoint, **{k: given[k] for k in rule.arguments})
    limiter.reset()
    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, data={"file": (io.BytesIO(b""), "")}, content_type="multipart/form-data")
    if response.status_code == 302 and "/auth/login?next=" in response.headers.get("Location", ""):
        return 401
    return response.status_code


def test_route_by_role_matrix(app: Flask, world, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)  # authorisation only here; CSRF has its own tests
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "monitoring-token")  # else the test client's loopback may
    accounts, values = world
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            for role in ROLES:
                cell = db.session.begin_nested()  # what one cell changes (a dropped link, say) is undone
                status = attempt(app, rule, method, role, accounts, values)
                cell.rollback()
                allowed = role in ALLOWED[rule.endpoint]
                denied = status in (401, 403, 404)
                if allowed == denied or status >= 500:
                    failures.append(f"{method} {rule.rule} as {role}: {status}")
    assert not failures, "\n".join(failures)


def test_the_meetings_administrator_records_what_reached_them_and_nothing_else(app: Flask, world,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """An owner chosen as the administrator (ст. 47.1) records the notice to them and owners' refusals of
    electronic voting; other owners may not, and the administrator may not change the plan."""
    from auth.policy import BUILDING_ADMINISTER, MEETING_RECEIVE, may

    accounts, values = world
    meeting = db.session.get(Meeting, values["meeting_id"])
    meeting.administrator_id = accounts["owner_a"].id
    db.session.flush()
    assert may(accounts["owner_a"], MEETING_RECEIVE, meeting) and may(accounts["staff_a"], MEETING_RECEIVE, meeting)
    assert not may(accounts["owner_b"], MEETING_RECEIVE, meeting)
    assert not may(accounts["owner_a"], BUILDING_ADMINISTER, meeting)
    client = app.test_client()
    sign_in_directly(client, accounts["owner_a"])
    with app.test_request_context():
        url = url_for("meetings.record_opt_out", meeting_id=meeting.id)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert client.post(url, data={}).status_code == 302  # allowed: back to the page with what to fix


# who sees who owns what on building A's register page (LEGAL.md §9): those who must; an owner sees the premises,
# the totals and their own holdings
SEES_OWNERS = {"staff_a", "inspector_a", "operator"}


@pytest.mark.parametrize("role", sorted(A_VIEWERS))
def test_register_page_shows_owners_only_to_those_who_must_see_them(app: Flask, world, role: str) -> None:
    accounts, values = world
    client = app.test_client()
    sign_in_directly(client, accounts[role])
    page = client.get(f"/buildings/{values['building_id']}").get_data(as_text=True)
    searched = client.get(f"/buildings/{values['building_id']}", query_string={"q": "Петров"}).get_data(as_text=True)
    assert ("Петров П. П." in page) is (role in SEES_OWNERS), role
    assert ("Петров П. П." in searched) is (role in SEES_OWNERS), role
    assert ("Ваши помещения" in page) is (role == "owner_a"), role
