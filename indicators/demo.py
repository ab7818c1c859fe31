"""Demo history: the region's published counts of 2026-01-01…2026-05-31 loaded as registered meetings, so that
the indicator for that period reproduces the published table exactly."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, insert, select

from indicators.models import PublishedResidents, RegisteredMeeting
from registry.demo import published_figures
from registry.models import Municipality, Region
from voting.core.extensions import db
from voting.meetings.models import MeetingForm, MeetingKind

PERIOD = (date(2026, 1, 1), date(2026, 5, 31))
OTHER_FORMS = (MeetingForm.ABSENTEE, MeetingForm.MIXED, MeetingForm.IN_PERSON)


def seed_history(region: Region) -> list[str]:
    """Load the published counts once (a second run finds them and adds nothing)."""
    municipalities = {m.name: m for m in db.session.scalars(select(Municipality)
                                                            .where(Municipality.region_id == region.id))}
    lines = []
    if not db.session.scalar(select(func.count(PublishedResidents.id))):
        # the second indicator: residents with a verified account (Госуслуги.Дом users) published on the period's end
        db.session.execute(insert(PublishedResidents), [
            {"municipality_id": municipalities[row["municipality"]].id, "as_of": PERIOD[1],
             "count": int(row["gosuslugi_dom_users"]), "source": "published"} for row in published_figures()])
        lines.append(f"verified residents of {PERIOD[1]:%d.%m.%Y} from the published figures")
    if db.session.scalar(select(func.count(RegisteredMeeting.id)).where(RegisteredMeeting.source == "published")):
        return [*lines, "history: published figures already loaded"]
    days = (PERIOD[1] - PERIOD[0]).days
    rows = []
    for row in published_figures():
        municipality = municipalities[row["municipality"]]
        online, total = int(row["oss_online"]), int(row["oss_total"])
        for n in range(total):
            ended = PERIOD[0] + timedelta(days=(n * 37 + municipality.id * 11) % (days + 1))
            form = MeetingForm.ELECTRONIC if n < online else OTHER_FORMS[n % 3]
            rows.append({"municipality_id": municipality.id, "kind": MeetingKind.ANNUAL if n % 4 else
                         MeetingKind.EXTRAORDINARY, "form": form, "started_on": ended - timedelta(days=10),
                         "ended_on": ended, "source": "published"})
    if rows:
        db.session.execute(insert(RegisteredMeeting), rows)
    return [*lines, f"history: {len(rows)} meetings of {PERIOD[0]:%d.%m.%Y}–{PERIOD[1]:%d.%m.%Y} from the "
            "published figures"]
