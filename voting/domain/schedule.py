"""Schedule and readiness checks (LEGAL.md §2) in the building's time zone: what blocks announcing a meeting.

Pure: instants come in with their offsets, `today` is a parameter; problems are codes with parameters, turned
into words by the pages.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from voting.domain.law import law
from voting.domain.rules import UnknownSubjectError, subject


def timeline(name: str) -> int:
    """A number of days from the timeline of law.json (e.g. `notice_days_before_opening`)."""
    return int(law()["timeline"][name]["value"])


def in_force(name: str, day: date) -> bool:
    """Whether a period of the timeline applies on `day` (an entry without `from` always has)."""
    since = law()["timeline"][name].get("from")
    return since is None or date.fromisoformat(since) <= day


def reference(name: str) -> str:
    return str(law()["timeline"][name]["reference"])


WorkingDay = Callable[[date], bool]  # the production calendar: whether a date is a working day


@dataclass(frozen=True)
class Problem:
    """Something that blocks the next step: a code, the field to fix, and the values the message needs."""

    code: str
    field: str
    params: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """What the initiator has set so far."""

    form: str
    timezone: str
    opens_at: datetime | None
    closes_at: datetime | None
    agenda: tuple[tuple[str, str | None, str | None], ...]  # (title, subject code, entrance)
    place: str | None = None
    paper_address: str | None = None
    administrator: str | None = None
    premises_count: int = 0
    administrator_is_initiator: bool = True
    administrator_notified_at: datetime | None = None  # when the initiator's notice reached the administrator


def local_date(instant: datetime, timezone: str) -> date:
    return instant.astimezone(ZoneInfo(timezone)).date()


def earliest_opening(notice_date: date) -> date:
    """The first day voting (or the meeting) may start after a notice on `notice_date`."""
    return notice_date + timedelta(days=timeline("notice_days_before_opening"))


def notice_deadline(opens_at: datetime, timezone: str) -> date:
    """The last day a notice may reach the owners for voting (or the meeting) to start at `opens_at`."""
    return local_date(opens_at, timezone) - timedelta(days=timeline("notice_days_before_opening"))


def notice_channels_on(notice_date: date) -> dict[str, Any]:
    """The ways the notice must reach the owners under the edition in force on the notice date: {"all_of": every one
    of these, "one_of": at least one of these, "reference"}."""
    editions = [e for e in law()["notice_channels"] if date.fromisoformat(e["from"]) <= notice_date]
    return max(editions, key=lambda e: str(e["from"]))  # type: ignore[no-any-return]


def notice_gaps(delivered: Collection[str], notice_date: date) -> list[Problem]:
    """What the law still asks of the notice's delivery, given the channels it reached the owners by in time."""
    rule = notice_channels_on(notice_date)
    problems = [Problem("notice_channel_missing", "notice", {"channel": c}) for c in rule["all_of"]
                if c not in delivered]
    if rule["one_of"] and not set(rule["one_of"]) & set(delivered):
        problems.append(Problem("notice_channel_one_of", "notice", {"channels": ",".join(rule["one_of"])}))
    return problems


def protocol_due(closes_at: datetime, timezone: str) -> date:
    """The last day to draw up the protocol: ten calendar days after the meeting ends."""
    return local_date(closes_at, timezone) + timedelta(days=timeline("protocol_days_after_close"))


def results_due(closes_at: datetime, timezone: str) -> date:
    """The last day to bring the decisions and the results to the owners: ten days after the meeting ends."""
    return local_date(closes_at, timezone) + timedelta(days=timeline("results_days_after_close"))


def schedule_problems(plan: Plan, notice_date: date) -> list[Problem]:
    """What is wrong with the dates if the notice goes out on `notice_date`."""
    problems = []
    if plan.opens_at is None:
        problems.append(Problem("missing", "opens_at"))
    if plan.closes_at is None:
        problems.append(Problem("missing", "closes_at"))
    if plan.opens_at is None or plan.closes_at is None:
        return problems
    opening = local_date(plan.opens_at, plan.timezone)
    if opening < earliest_opening(notice_date):
        problems.append(Problem("notice_too_short", "opens_at", {
            "days": str(timeline("notice_days_before_opening")),
            "earliest": earliest_opening(notice_date).isoformat()}))
    if plan.closes_at <= plan.opens_at:
        problems.append(Problem("closes_before_opening", "closes_at"))
    elif plan.form == "electronic":
        length = plan.closes_at - plan.opens_at
        shortest, longest = timeline("electronic_min_days"), timeline("electronic_max_days")
        if length < timedelta(days=shortest):
            problems.append(Problem("voting_too_short", "closes_at", {"days": str(shortest)}))
        if length > timedelta(days=longest):
            problems.append(Problem("voting_too_long", "closes_at", {"days": str(longest)}))
    return problems


def administrator_ready_at(notified_at: datetime, timezone: str) -> datetime:
    """The earliest instant voting may start after the initiator's notice reached the administrator: fourteen days
    later on the building's clock (ч. 3–5 ст. 47.1 ЖК РФ)."""
    local = notified_at.astimezone(ZoneInfo(timezone))
    return local + timedelta(days=timeline("administrator_notice_days_before_opening"))


def administrator_notice_problems(plan: Plan, today: date) -> list[Problem]:
    """An electronic meeting whose administrator is not the initiator: the notice to the administrator recorded, and
    voting starting no earlier than fourteen days after it reached them."""
    name = "administrator_notice_days_before_opening"
    if plan.form != "electronic" or not plan.administrator or plan.administrator_is_initiator:
        return []
    if not in_force(name, today):
        return []
    params = {"days": str(timeline(name)), "reference": reference(name)}
    if plan.administrator_notified_at is None:
        return [Problem("administrator_notice_missing", "administrator_notified_at", params)]
    earliest = administrator_ready_at(plan.administrator_notified_at, plan.timezone)
    if plan.opens_at is not None and plan.opens_at < earliest:
        return [Problem("administrator_notice_too_late", "opens_at",
                        {**params, "earliest": earliest.strftime("%d.%m.%Y %H:%M")})]
    return []


def opt_out_deadline(opens_at: datetime, timezone: str, working: WorkingDay) -> date:
    """The last local day an owner's refusal of electronic voting may reach the administrator: five working days of
    the production calendar before the day voting starts (156-ФЗ)."""
    day, left = local_date(opens_at, timezone), timeline("electronic_opt_out_working_days_before_opening")
    while left:
        day -= timedelta(days=1)
        left -= working(day)
    return day


def opt_out_problems(received_at: datetime, opens_at: datetime | None, timezone: str, working: WorkingDay,
                     today: date) -> list[Problem]:
    """Whether an owner's refusal of electronic voting, received at `received_at`, came in time."""
    name = "electronic_opt_out_working_days_before_opening"
    params = {"days": str(timeline(name)), "reference": reference(name)}
    if opens_at is None:
        return [Problem("missing", "opens_at", params)]
    if not in_force(name, today):
        return [Problem("opt_out_not_in_force", "received_at", params)]
    deadline = opt_out_deadline(opens_at, timezone, working)
    if local_date(received_at, timezone) > deadline:
        return [Problem("opt_out_too_late", "received_at", {**params, "deadline": deadline.strftime("%d.%m.%Y")})]
    return []


# several questions in one item: a semicolon, two question marks, or a numbered list ("… 2) …")
_SEVERAL = re.compile(r";|\?.*\?|(^|\s)2[.)]\s")


def agenda_problems(agenda: tuple[tuple[str, str | None, str | None], ...], notice_date: date) -> list[Problem]:
    """No empty agenda, no "разное", one question per item, a subject in force for every item, and the entrance
    named where the subject's rule also asks the entrance's owners (converting a flat: 44.2.4.5)."""
    if not agenda:
        return [Problem("agenda_empty", "agenda")]
    problems = []
    forbidden = [str(t) for t in law()["agenda"]["forbidden_titles"]]
    for number, (title, code, entrance) in enumerate(agenda, start=1):
        where = {"item": str(number)}
        plain = " ".join(title.casefold().replace("ё", "е").split()).strip(" .:")
        if plain in forbidden or plain.startswith(("разное", "прочее")):
            problems.append(Problem("agenda_miscellaneous", f"agenda.{number}", where))
        elif _SEVERAL.search(title):
            problems.append(Problem("agenda_several_questions", f"agenda.{number}", where))
        if code is None:
            problems.append(Problem("agenda_no_subject", f"agenda.{number}", where))
        else:
            try:
                edition = subject(code).edition_on(notice_date)
            except UnknownSubjectError:
                problems.append(Problem("agenda_unknown_subject", f"agenda.{number}", {**where, "subject": code}))
            else:
                if edition.entrance_majority and not entrance:
                    problems.append(Problem("agenda_no_entrance", f"agenda.{number}", where))
    return problems


def readiness(plan: Plan, today: date) -> list[Problem]:
    """Everything that blocks announcing the meeting today; empty when it may be announced."""
    problems = (schedule_problems(plan, today) + agenda_problems(plan.agenda, today)
                + administrator_notice_problems(plan, today))
    if plan.form in ("in_person", "mixed") and not plan.place:
        problems.append(Problem("missing", "place"))
    if plan.form in ("absentee", "mixed", "electronic") and not plan.paper_address:
        problems.append(Problem("missing", "paper_address"))
    if plan.form == "electronic" and not plan.administrator:
        problems.append(Problem("missing", "administrator"))
    if plan.premises_count == 0:
        problems.append(Problem("register_empty", "register"))
    return problems
