"""The region's published table of 31 May 2026 comes out of the platform unchanged; the period's edges."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from indicators.compute import indicator, monthly, months_of
from indicators.models import RegisteredMeeting
from registry.demo import published_figures
from registry.models import Region
from tests.factories import building, flat
from voting.cli import cli
from voting.core.extensions import db
from voting.domain.indicator import online_share
from voting.domain.numbers import format_amount
from voting.meetings.models import Meeting, MeetingForm, MeetingKind, MeetingState

PERIOD = "2026-01-01:2026-05-31"


@pytest.fixture
def demo(runner):
    result = runner.invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Region).where(Region.name == "Челябинская область"))


def test_published_table_is_reproduced_for_all_43_municipalities(runner, demo) -> None:
    result = runner.invoke(cli, ["indicator", "--period", PERIOD, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["format"] == "oss-indicator/1" and data["target_percent"] == "60.00"
    assert (data["region"]["online"], data["region"]["total"], data["region"]["percent"]) == (1856, 3011, "61.64")
    published = {row["municipality"]: row for row in published_figures()}
    assert len(data["municipalities"]) == 43 == len(published)
    empty = 0
    for row in data["municipalities"]:
        source = published[row["name"]]
        assert (row["online"], row["total"]) == (int(source["oss_online"]), int(source["oss_total"])), row["name"]
        if source["oss_total"] == "0":
            empty += 1
            assert row["percent"] is None and row["meets_target"] is None and source["oss_online_share_reported"] == ""
        else:
            whole = Decimal(row["percent"]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            assert f"{whole}%" == source["oss_online_share_reported"], row["name"]
    assert empty == 8
    for row in data["municipalities"]:  # the second indicator: verified residents of the population, as published
        source = published[row["name"]]
        assert row["verified_accounts"] >= int(source["gosuslugi_dom_users"]), row["name"]
        published_share = Fraction(int(source["gosuslugi_dom_users"]) * 100, int(source["population"]))
        assert f"{format_amount(published_share).replace('.', ',')}%" == source["users_share_reported"], row["name"]
        if row["verified_accounts"] == int(source["gosuslugi_dom_users"]):  # no demo owners there
            assert row["verified_percent"] == format_amount(published_share), row["name"]
    chelyabinsk = next(r for r in data["municipalities"] if r["name"] == "Челябинский городской округ")
    assert chelyabinsk["verified_percent"].startswith("13.88")  # 163 348 of 1 176 770, and the demo's own owners
    text = runner.invoke(cli, ["indicator", "--period", PERIOD]).output
    assert "Еткульский муниципальный округ" in text and "no meetings held" in text


@pytest.mark.parametrize(("online", "total", "meets"), [(3, 5, True), (599, 1000, False), (0, 1, False)])
def test_target_is_compared_exactly(online: int, total: int, meets: bool) -> None:
    assert online_share(online, total).meets_target is meets  # 60 % exactly meets it; 59.9 % does not


def test_exports_carry_the_same_columns(runner, demo, tmp_path) -> None:
    csv_text = runner.invoke(cli, ["indicator", "--period", PERIOD, "--format", "csv"]).output
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0][:5] == ["municipality", "online", "total", "percent", "meets_target"]
    assert rows[1][:5] == ["Челябинский городской округ", "651", "934", "69.70", "yes"]
    target = tmp_path / "indicator.xlsx"
    assert runner.invoke(cli, ["indicator", "--period", PERIOD, "--format", "xlsx", "-o", str(target)]).exit_code == 0
    workbook = load_workbook(target, read_only=True)
    try:
        rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    assert rows[1][:3] == ["Челябинский городской округ", 651, 934]


def test_bad_period_exits_2(runner, session) -> None:
    for period in ("2026-05-31:2026-01-01", "2026-13-01:2026-12-31", "last month"):
        assert runner.invoke(cli, ["indicator", "--period", period]).exit_code == 2


@pytest.mark.parametrize("period", ["0001-01-01:0001-12-31", "9999-12-01:9999-12-31", "0001-01-01:9999-12-31",
                                    "1999-12-01:2000-01-31", "2100-12-01:2101-01-31"])
@pytest.mark.parametrize("command", [["indicator"], ["push-indicator", "--url", "http://127.0.0.1:9/feed"]])
def test_a_period_beyond_the_years_served_exits_2_naming_the_option(runner, command, period) -> None:
    building(rows=[flat("1")])  # a region to compute for
    result = runner.invoke(cli, [*command, "--period", period])
    assert result.exit_code == 2, result.output
    assert "'--period'" in result.output and "2000-01-01 to 2100-12-31" in result.output


@pytest.mark.parametrize("period", ["2000-01-01:2000-01-31", "2100-12-01:2100-12-31"])
def test_the_first_and_last_months_served_are_computed(runner, period) -> None:
    building(rows=[flat("1")])
    assert runner.invoke(cli, ["indicator", "--period", period]).exit_code == 0


def test_period_edges_for_registered_and_platform_meetings(session) -> None:
    item = building(rows=[flat("1")])
    region = item.municipality.region
    zone = ZoneInfo(item.timezone)
    db.session.add_all([
        RegisteredMeeting(municipality=item.municipality, kind=MeetingKind.ANNUAL, form=MeetingForm.ABSENTEE,
                          started_on=date(2026, 5, 20), ended_on=date(2026, 5, 31)),   # last day: counts
        RegisteredMeeting(municipality=item.municipality, kind=MeetingKind.ANNUAL, form=MeetingForm.ABSENTEE,
                          started_on=date(2026, 5, 20), ended_on=date(2026, 6, 1)),    # next day: does not
    ])
    for closes, state in ((datetime(2026, 5, 31, 23, 59, tzinfo=zone), MeetingState.COUNTED),   # counts
                          (datetime(2026, 6, 1, 0, 0, tzinfo=zone), MeetingState.CLOSED),       # next local day
                          (datetime(2026, 5, 31, 19, 30, tzinfo=ZoneInfo("UTC")), MeetingState.CLOSED),  # 00:30 local
                          (datetime(2026, 5, 10, 12, 0, tzinfo=zone), MeetingState.CANCELLED)):  # never held
        db.session.add(Meeting(building=item, kind=MeetingKind.ANNUAL, form=MeetingForm.ELECTRONIC, state=state,
                               opens_at=closes - timedelta(days=8), closes_at=closes))
    db.session.flush()
    row = next(r for r in indicator(region, date(2026, 1, 1), date(2026, 5, 31)).rows
               if r.municipality_id == item.municipality_id)
    assert (row.online, row.total) == (1, 2)
    assert row.share.percent == "50.00" and row.share.meets_target is False


def test_monthly_trend_counts_each_month_as_the_indicator_does(session) -> None:
    ural = building(rows=[flat("1")])
    moscow = building("г. Челябинск, ул. Мира, д. 2", rows=[flat("1")])
    moscow.timezone, moscow.municipality = "Europe/Moscow", ural.municipality
    local = ZoneInfo(ural.timezone)
    db.session.add_all([
        RegisteredMeeting(municipality=ural.municipality, kind=MeetingKind.ANNUAL, form=form,
                          started_on=ended - timedelta(days=10), ended_on=ended)
        for ended, form in ((date(2026, 1, 31), MeetingForm.ABSENTEE), (date(2026, 2, 1), MeetingForm.ELECTRONIC),
                            (date(2026, 3, 31), MeetingForm.ELECTRONIC), (date(2026, 4, 1), MeetingForm.IN_PERSON))])
    for item, closes, form in (
            (ural, datetime(2026, 1, 31, 23, 59, tzinfo=local), MeetingForm.ELECTRONIC),       # January, local
            (ural, datetime(2026, 2, 1, 0, 0, tzinfo=local), MeetingForm.ELECTRONIC),          # February, local
            (moscow, datetime(2026, 1, 31, 23, 30, tzinfo=ZoneInfo("Europe/Moscow")), MeetingForm.ABSENTEE),
            (moscow, datetime(2026, 3, 1, 0, 30, tzinfo=ZoneInfo("Europe/Moscow")), MeetingForm.ELECTRONIC),
            (ural, datetime(2026, 3, 15, 12, 0, tzinfo=local), MeetingForm.ABSENTEE)):
        db.session.add(Meeting(building=item, kind=MeetingKind.ANNUAL, form=form, state=MeetingState.CLOSED,
                               opens_at=closes - timedelta(days=8), closes_at=closes))
    db.session.flush()
    region = ural.municipality.region
    trend = monthly(date(2026, 1, 15), date(2026, 3, 31))
    assert trend == [(date(2026, 1, 15), 1, 3), (date(2026, 2, 1), 2, 2), (date(2026, 3, 1), 2, 3)]
    for first, online, total in trend:
        whole = indicator(region, first, months_of(first, date(2026, 3, 31))[0][1])
        assert (whole.online, whole.total) == (online, total)
    assert monthly(date(2026, 1, 1), date(2026, 3, 31), form=MeetingForm.ABSENTEE) == [
        (date(2026, 1, 1), 0, 2), (date(2026, 2, 1), 0, 0), (date(2026, 3, 1), 0, 1)]
    assert len(months_of(date(2020, 1, 1), date(2026, 12, 31))) == 36
