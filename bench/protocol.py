"""Benchmark: the protocol PDF of a closed, counted meeting of 2,000 premises and 1,500 counted decisions.

The meeting is real: a building whose register (2,000 premises, 2,600 ownerships: every fourth premises shared in
halves by two owners, every twentieth held jointly by a couple, a few non-residential) is applied through the
registry, an electronic meeting of five agenda items opened by `lifecycle.advance` (its hook starts the signed log),
1,500 decisions written as signed log entries by `ballots.demo.record_signed` (85 % online ballots, 15 % paper
decisions keyed in by the company's officer; 2 % of the online voters re-vote later, so the earlier ballot is
replaced), closed by `advance` at the closing instant and counted by `lifecycle.count`. The data is made in a
separate process (the same seed gives the same data), so this process holds only what rendering needs.

Measured in this process, each after a warm-up render of a tiny protocol (imports, fonts and the forkserver warm):
  veche     `protocols.services.make_pdf(meeting, workers=N)`, N = 2 and 1: the document, the evidence bundle, the
            parts rendered in parallel processes, merged with pypdf, numbered, the bundle attached
  baseline  one WeasyPrint pass (`voting.core.pdf.render_pdf`) over the same parts joined into one HTML document
            (the long lists, which veche typesets with ReportLab, as the HTML tables of
            bench/templates/protocol_lists.html),
            the page numbers from an `@page` rule; the document, bundle and templates made beforehand (not timed)
  stages    the document alone (`protocols.document.build`), the signers, the evidence bundle, the templates

Peak memory: ru_maxrss of this process (RUSAGE_SELF, and RUSAGE_CHILDREN; kilobytes on Linux), and, because the
render workers are forked by the forkserver (grandchildren of this process: RUSAGE_CHILDREN never sees them), a
sampler that reads /proc every 50 ms for this process and every descendant: the peak of their summed RSS (and,
every 0.5 s, of their PSS, which counts the pages the workers share with the forkserver once), each worker's
VmHWM, and this process's own VmHWM, reset at the start of each phase (/proc/self/clear_refs).

    python bench/protocol.py [--premises 2000] [--decisions 1500] [--profile] [--database-url URL]

`--profile` adds a cProfile of `make_pdf(workers=1)` on stderr; BENCH_KEEP=DIR keeps both PDFs there.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# the bench folder holds ballots.py, the `ballots` package's name: the project root first, the bench folder last
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"), str(ROOT / "bench")]

OPENS = datetime(2026, 10, 1, 4, tzinfo=UTC)  # 09:00 in Asia/Yekaterinburg
CLOSES = OPENS + timedelta(days=8, hours=11)
NOTICE_DATE = (OPENS - timedelta(days=11)).date()
PAPER_SHARE = 0.15
REVOTE_SHARE = 0.02
TARGET_SECONDS, TARGET_SPEEDUP, TARGET_RSS_MB = 10.0, 2.0, 1024.0
FOOTER_RULE = ('@page { @bottom-center { content: "Страница " counter(page) " из " counter(pages); '
               "font-family: 'Liberation Serif', 'DejaVu Serif', serif; font-size: 9pt; } }")


# --- the data (made in a process of its own) ------------------------------------------------------------------

def synthetic_rows(premises: int) -> list[dict[str, str]]:
    """Every 4th premises shared in halves, every 20th (…10) held jointly by a couple, every 100th (…01)
    non-residential, the rest wholly owned (a third of those owners with a СНИЛС)."""
    from registry import synthetic

    return synthetic.rows(premises, synthetic.Mix(shared_every=4, joint_every=20, non_residential_every=100,
                                                  snils_every=3))


def plan(meeting: Any, decisions: int, rng: random.Random) -> list[Any]:
    """`decisions` owners of the frozen register (one per joint couple) deciding, in arrival order; a few online
    voters send a second ballot later (it replaces the first: the counted decisions stay `decisions`)."""
    from voting.meetings.demo import AGENDA, Planned

    def answers() -> dict[str, str]:
        return {str(n): rng.choices(["for", "against", "abstain"], weights=[8, 1, 1])[0]
                for n in range(1, len(AGENDA) + 1)}

    voters = []
    for entry in json.loads(meeting.snapshot)["register"]:
        joint = [o for o in entry["owners"] if o["ownership"] == "joint"]
        voters += [(o["id"], entry["premises"])
                   for o in [*joint[:1], *(o for o in entry["owners"] if o["ownership"] != "joint")]]
    span = meeting.closes_at - meeting.opens_at
    planned, on_paper = [], set()
    for owner, premises in rng.sample(voters, min(decisions, len(voters))):
        # the demo names a paper decision's scan by its premises: one paper decision per premises
        source = "paper" if rng.random() < PAPER_SHARE and premises not in on_paper else "online"
        if source == "paper":
            on_paper.add(premises)
        received = meeting.opens_at + span * rng.uniform(0.001, 0.9)
        planned.append(Planned(owner, premises, answers(), received, source))
        if source == "online" and rng.random() < REVOTE_SHARE:
            again = received + (meeting.closes_at - received) * rng.uniform(0.1, 0.9)
            planned.append(Planned(owner, premises, answers(), again, "online"))
    return sorted(planned, key=lambda d: d.received_at)


@contextmanager
def log_started_by_advance() -> Iterator[None]:
    """`record_signed` starts the log itself (the demo opens meetings with Meeting.open, no hook); here `advance`'s
    hook has started it already: hand back that head (with the same manifest) instead of a second one."""
    from ballots import log
    from ballots.canonical import digest
    from ballots.chain import PAYLOAD_TAGS
    from ballots.models import LogHead
    from voting.core.extensions import db

    original = log.start

    def started(meeting_id: int, manifest: dict[str, Any], at: datetime) -> LogHead:
        head = db.session.get(LogHead, meeting_id)
        assert head is not None and head.manifest_hash == digest(PAYLOAD_TAGS["manifest"], manifest)
        return head

    log.start = started  # type: ignore[assignment]
    try:
        yield
    finally:
        log.start = original  # type: ignore[assignment]


def counted_meeting(app: Any, address: str, premises: int, decisions: int, seed: int) -> dict[str, Any]:
    """Building, register, accounts, the meeting opened by `advance`, the decisions signed into its log, closed by
    `advance`, counted; committed. The log's clock (`veche.clock`) follows the decisions' instants."""
    from sqlalchemy import func, select

    from ballots.demo import record_signed
    from ballots.models import LogEntry
    from tests.factories import building, staff_of, user
    from voting.core.extensions import db
    from voting.core.links import public_url
    from voting.meetings import dossier, lifecycle, plan
    from voting.meetings.demo import AGENDA
    from voting.meetings.models import (
        AgendaItem,
        Meeting,
        MeetingForm,
        MeetingKind,
        MeetingState,
        NoticeDelivery,
        OfficerRole,
    )

    rng = random.Random(seed)
    item = building(address, rows=synthetic_rows(premises))
    assert item.organisation is not None
    administrator = user(full_name="Администраторова Алла Борисовна")
    officer = staff_of(item.organisation, full_name="Делопроизводителева Дарья Олеговна")
    meeting = Meeting(building=item, kind=MeetingKind.EXTRAORDINARY, form=MeetingForm.ELECTRONIC,
                      state=MeetingState.ANNOUNCED, opens_at=OPENS, closes_at=CLOSES, notice_date=NOTICE_DATE,
                      initiator_organisation=item.organisation, administrator=administrator,
                      paper_address=f"{address}, офис управляющей компании",
                      materials_info="Материалы размещены в системе и в офисе управляющей компании")
    db.session.add(meeting)
    for number, (title, code) in enumerate(AGENDA, start=1):
        db.session.add(AgendaItem(meeting=meeting, number=number, title=title, subject=code, proposal="Принять."))
    db.session.flush()
    noticed = datetime.combine(NOTICE_DATE, datetime.min.time(), UTC) + timedelta(hours=5)
    db.session.add_all([NoticeDelivery(meeting=meeting, channel="email", at=noticed, detail="сообщение собственникам"),
                        NoticeDelivery(meeting=meeting, channel="platform", at=noticed,
                                       detail=public_url("meetings.show", meeting_id=meeting.id))])
    plan.add_officer(meeting, OfficerRole.CHAIR, "Сидоров Семён Семёнович 3", "")
    plan.add_officer(meeting, OfficerRole.SECRETARY, administrator.full_name or "", administrator.email)
    db.session.flush()

    clock = [OPENS]
    app.extensions["veche.clock"] = lambda: clock[0]
    try:
        assert lifecycle.advance(meeting, at=OPENS) and meeting.state is MeetingState.VOTING
        planned = plan(meeting, decisions, rng)
        with log_started_by_advance():
            record_signed(officer)(meeting, planned, False)
        clock[0] = CLOSES
        assert lifecycle.advance(meeting, at=meeting.closes_at) and meeting.state is MeetingState.CLOSED
        clock[0] = CLOSES + timedelta(minutes=5)
        result = lifecycle.count(meeting)
    finally:
        del app.extensions["veche.clock"]
    db.session.commit()
    entries = db.session.scalar(select(func.count()).select_from(LogEntry).where(LogEntry.meeting_id == meeting.id))
    return {"meeting_id": meeting.id, "premises": premises, "ownerships": sum(len(p.owners) for p in
                                                                             dossier.dossier_of(meeting).register),
            "planned": len(planned), "paper": sum(d.source == "paper" for d in planned),
            "counted": len(result.counted), "rejected": len(result.rejected), "log_entries": entries}


def generate(url: str, premises: int, decisions: int, seed: int) -> None:
    """The child process: migrate, make the big meeting and the tiny warm-up one, print what was made."""
    from flask_migrate import upgrade

    from voting.app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        migrated = time.perf_counter()
        big = counted_meeting(app, "г. Челябинск, бенчмарк протокола, д. 1", premises, decisions, seed)
        made = time.perf_counter()
        tiny = counted_meeting(app, "г. Челябинск, бенчмарк протокола, д. 2", 4, 3, seed + 1)
        from voting.core.extensions import db

        db.engine.dispose()
    print(json.dumps({"big": big, "tiny": tiny, "migrate_s": round(migrated - started, 2),
                      "generate_s": round(made - migrated, 2),
                      "generator_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))


# --- memory -----------------------------------------------------------------------------------------------------

def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process in kB (empty if it has gone)."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line[:5]] = int(line.split()[1])
    except OSError:
        pass
    return out


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                out += [int(c) for c in children.read().split()]
    except OSError:
        pass
    return out


def descendants(pid: int) -> list[tuple[int, int]]:
    """(pid, depth) of every process below `pid`: 1 the forkserver and resource tracker, 2 the render workers."""
    out, frontier = [], [(pid, 0)]
    while frontier:
        parent, depth = frontier.pop()
        for child in _children(parent):
            out.append((child, depth + 1))
            frontier.append((child, depth + 1))
    return out


def reset_peak() -> None:
    """Reset this process's VmHWM (and with it ru_maxrss, save what exited threads recorded before)."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        pass


class TreeSampler(threading.Thread):
    """This process and its descendants every `interval` s (VmRSS and VmHWM from /proc/PID/status, cheap): the peak
    of their summed RSS, and each descendant's last-seen VmHWM (its peak, but for growth in its last `interval`).
    Every `pss_every`-th sample also sums their PSS (smaps_rollup walks the page tables: sampled often, it takes
    a noticeable share of the two cores from the workers)."""

    def __init__(self, interval: float = 0.05, pss_every: int = 10) -> None:
        super().__init__(daemon=True)
        self.interval, self.pss_every = interval, pss_every
        self.stopping = threading.Event()
        self.peak_rss = self.peak_pss = 0
        self.hwm: dict[int, tuple[int, int]] = {}  # pid -> (depth, kB)
        self.samples = 0

    def sample(self, pss: bool = False) -> None:
        me = os.getpid()
        rss = proportional = 0
        for pid, depth in [(me, 0), *descendants(me)]:
            status = _status(pid)
            if not status:
                continue
            rss += status.get("VmRSS", 0)
            if pss:
                proportional += _pss(pid)
            if depth:
                self.hwm[pid] = (depth, max(self.hwm.get(pid, (depth, 0))[1], status.get("VmHWM", 0)))
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, proportional)
        self.samples += 1

    def run(self) -> None:
        while not self.stopping.wait(self.interval):
            self.sample(pss=self.samples % self.pss_every == 0)

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.sample(pss=True)


# --- measuring --------------------------------------------------------------------------------------------------

@dataclass
class Measure:
    label: str
    seconds: float
    pages: int
    tree_rss_mb: float  # peak of the summed RSS of this process and its descendants
    tree_pss_mb: float
    main_hwm_mb: float  # this process's own peak in the phase
    worker_mb: float  # the largest render worker's peak (0 without workers)
    helpers_mb: float  # forkserver and resource tracker
    self_maxrss_kb: int  # ru_maxrss, RUSAGE_SELF, after the phase (cumulative)
    children_maxrss_kb: int  # ru_maxrss, RUSAGE_CHILDREN, after the phase (cumulative, waited-for children only)
    samples: int
    runs: list[float] = field(default_factory=list)


def measure(label: str, prepare: Callable[[], Any], run: Callable[[Any], bytes], repeat: int) -> tuple[Measure, bytes]:
    """Run `run(prepare())` `repeat` times (only `run` timed); the best time and the phase's peaks."""
    from pypdf import PdfReader

    gc.collect()
    reset_peak()
    sampler = TreeSampler()
    sampler.sample(pss=True)
    sampler.start()
    runs, pdf = [], b""
    try:
        for _ in range(repeat):
            argument = prepare()
            started = time.perf_counter()
            pdf = run(argument)
            runs.append(time.perf_counter() - started)
            del argument
    finally:
        sampler.stop()
    main_hwm = _status(os.getpid()).get("VmHWM", 0)
    workers = [kb for depth, kb in sampler.hwm.values() if depth >= 2]
    helpers = [kb for depth, kb in sampler.hwm.values() if depth == 1]
    result = Measure(label=label, seconds=min(runs), pages=len(PdfReader(io.BytesIO(pdf)).pages),
                     tree_rss_mb=sampler.peak_rss / 1024, tree_pss_mb=sampler.peak_pss / 1024,
                     main_hwm_mb=main_hwm / 1024, worker_mb=max(workers, default=0) / 1024,
                     helpers_mb=sum(helpers) / 1024,
                     self_maxrss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                     children_maxrss_kb=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                     samples=sampler.samples, runs=runs)
    print(f"{label}: {min(runs):.2f} s, {result.pages} pages, tree RSS {result.tree_rss_mb:.0f} MB, "
          f"main {result.main_hwm_mb:.0f} MB, largest worker {result.worker_mb:.0f} MB", file=sys.stderr)
    return result, pdf


def fresh(meeting_id: int) -> Any:
    """The meeting as a job finds it: an empty session, no garbage left."""
    from voting.core.extensions import db
    from voting.meetings.models import Meeting

    db.session.remove()
    gc.collect()
    return db.session.get(Meeting, meeting_id)


def html_parts(meeting: Any, timings: dict[str, float] | None = None) -> list[Any]:
    """The parts `make_pdf` renders (`protocols.services.prepare`), with the document's own build timed apart."""
    from protocols import document, services

    timings = {} if timings is None else timings
    started = time.perf_counter()
    document.build(meeting)
    built = time.perf_counter()
    data, bundle, parts = services.prepare(meeting)
    prepared = time.perf_counter()
    timings |= {"document_build_s": built - started, "prepare_s": prepared - built, "bundle_mb": len(bundle) / 2**20,
                "parts": len(parts), "decisions_rows": len(data["decisions"]), "register_rows": len(data["register"]),
                "participants_rows": len(data["participants"])}
    return parts


def as_html(part: Any) -> str:
    """A part as HTML: a long list's chunk through the HTML tables it would have as one WeasyPrint document."""
    if isinstance(part, str):
        return part
    import jinja2

    from protocols import geometry

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader([ROOT / "bench" / "templates", ROOT / "templates"]),
                                     autoescape=True)
    doc = part["head"] | {"rejected": part["rejected"], "participants": part["rows"]}
    return environment.get_template("protocol_lists.html").render(doc=doc, annex=part["annex"], rows=part["rows"],
                                                                   first=part["first"], last=part["last"],
                                                                   page_css=geometry.css())


def single_document(parts: list[Any]) -> str:
    """The parts as one HTML document: one head, each part's body in a block starting on a new page, the page
    numbers from an @page rule."""
    bodies = []
    for part in map(as_html, parts):
        match = re.search(r"<body[^>]*>(.*)</body>", part, re.S)
        assert match, part[:200]
        bodies.append(match[1])
    head = ('<!doctype html>\n<html lang="ru">\n<head><meta charset="utf-8">'
            '<link rel="stylesheet" href="veche-asset:css/protocol.css">'
            f"<style>{FOOTER_RULE}</style><title>Протокол</title></head>\n<body>\n")
    # a forced break before the very first box would be ignored anyway; the first part just starts the document
    return head + "\n".join(f'<div style="break-before: page">{b}</div>' if i else f"<div>{b}</div>"
                            for i, b in enumerate(bodies)) + "\n</body></html>"


def last_page_says(pdf: bytes, pages: int) -> bool:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    return f"Страница {pages} из {pages}" in reader.pages[-1].extract_text() and \
        "Страница 1 из" in reader.pages[0].extract_text()


def profile_veche(meeting_id: int) -> None:
    """cProfile of make_pdf(workers=1) on stderr: the top 15 by cumulative and by own time."""
    import cProfile
    import pstats

    from protocols.services import make_pdf

    meeting = fresh(meeting_id)
    profile = cProfile.Profile()
    profile.runcall(make_pdf, meeting, workers=1)
    stats = pstats.Stats(profile, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(15)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(rf"{ROOT}/(protocols|ballots|voting)/", 25)


# --- the run ----------------------------------------------------------------------------------------------------

def mb(kb: float) -> str:
    return f"{kb / 1024:.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--premises", type=int, default=2000)
    parser.add_argument("--decisions", type=int, default=1500)
    parser.add_argument("--workers", type=int, default=2, help="the parallel run's workers (the machine's cores)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each timed part (the best is reported)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--profile", action="store_true", help="a cProfile of make_pdf(workers=1) on stderr")
    parser.add_argument("--skip-verify", action="store_true", help="do not verify the evidence inside the PDF")
    parser.add_argument("--generate", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("VECHE_SECRET_KEY", "bench")
    if args.generate:
        generate(args.generate, args.premises, args.decisions, args.seed)
        return

    from register_import import database

    with tempfile.TemporaryDirectory() as folder, database(args.database_url, Path(folder) / "p.sqlite") as url:
        started = time.perf_counter()
        made = subprocess.run([sys.executable, __file__, "--generate", url, "--premises", str(args.premises),
                               "--decisions", str(args.decisions), "--seed", str(args.seed)],
                              check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        facts = json.loads(made.stdout.strip().splitlines()[-1])
        facts["generator_process_s"] = round(time.perf_counter() - started, 2)
        print(f"data: {json.dumps(facts, ensure_ascii=False)}", file=sys.stderr)
        children_after_generation = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        results, extra = measure_all(url, facts, args, folder)
        extra["children_maxrss_after_generation_kb"] = children_after_generation
    report(facts, results, extra, args)


def measure_all(url: str, facts: dict[str, Any], args: argparse.Namespace,
                folder: str) -> tuple[list[Measure], dict[str, Any]]:
    from pypdf import PdfReader

    from protocols.services import make_pdf
    from voting.app import create_app
    from voting.core.extensions import db
    from voting.core.pdf import render_pdf

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    big, tiny = facts["big"]["meeting_id"], facts["tiny"]["meeting_id"]
    extra: dict[str, Any] = {}
    keep = Path(os.environ["BENCH_KEEP"]) if os.environ.get("BENCH_KEEP") else None
    with app.app_context():
        # warm-up: imports, fonts, the forkserver (WeasyPrint preloaded) and the templates, on the tiny protocol
        started = time.perf_counter()
        make_pdf(fresh(tiny), workers=args.workers)
        make_pdf(fresh(tiny), workers=1)
        render_pdf(single_document(html_parts(fresh(tiny))))
        extra["warmup_s"] = round(time.perf_counter() - started, 2)
        extra["self_maxrss_after_warmup_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        results = []
        parallel, pdf = measure(f"veche ({args.workers} workers)", lambda: fresh(big),
                                lambda meeting: make_pdf(meeting, workers=args.workers)[0], args.repeat)
        results.append(parallel)
        veche_pdf = pdf
        one, pdf = measure("veche (1 worker)", lambda: fresh(big), lambda meeting: make_pdf(meeting, workers=1)[0],
                           args.repeat)
        results.append(one)
        del pdf

        # the baseline's input, made as make_pdf makes it (timed here only as the stages of the document)
        stages: dict[str, float] = {}
        parts = html_parts(fresh(big), stages)
        joined = time.perf_counter()
        html = single_document(parts)
        stages["join_s"] = time.perf_counter() - joined
        stages["html_mb"] = len(html.encode()) / 2**20
        extra["stages"] = {k: round(v, 3) if isinstance(v, float) else v for k, v in stages.items()}
        del parts
        baseline, baseline_pdf = measure("baseline single pass", lambda: html, render_pdf, args.repeat)
        results.append(baseline)

        extra["footers_ok"] = {"veche": last_page_says(veche_pdf, parallel.pages),
                               "baseline": last_page_says(baseline_pdf, baseline.pages)}
        extra["veche_pdf_mb"] = round(len(veche_pdf) / 2**20, 2)
        extra["baseline_pdf_mb"] = round(len(baseline_pdf) / 2**20, 2)
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / "veche.pdf").write_bytes(veche_pdf)
            (keep / "baseline.pdf").write_bytes(baseline_pdf)
        if not args.skip_verify:
            from ballots.verify import verify_file

            checked = time.perf_counter()
            verdict = verify_file(veche_pdf)
            meeting = fresh(big)
            extra["verify"] = {"valid": verdict.valid, "same_result": verdict.result == json.loads(meeting.result),
                               "ballots": verdict.ballots, "paper": verdict.paper, "entries": verdict.entries,
                               "seconds": round(time.perf_counter() - checked, 2),
                               "findings": [str(f) for f in verdict.findings[:5]]}
        assert len(PdfReader(io.BytesIO(veche_pdf)).attachments) == 1
        if args.profile:
            profile_veche(big)
        db.session.remove()
        db.engine.dispose()
    # the forkserver is this process's child: once stopped and waited for, RUSAGE_CHILDREN holds the largest of
    # it and every worker it forked (and of the generator process before it)
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)  # CPython's own, 3.9+
    if stop is not None:
        stop()
        extra["children_maxrss_after_forkserver_exit_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return results, extra


PREPARATION = ("prepare_s", "join_s")  # prepare_s includes building the document again


def report(facts: dict[str, Any], results: list[Measure], extra: dict[str, Any], args: argparse.Namespace) -> None:
    big = facts["big"]
    baseline = results[-1]
    parallel = results[0]
    print(f"\n## Protocol PDF: {big['premises']} premises, {big['ownerships']} ownerships, {big['counted']} counted "
          f"decisions ({big['paper']} paper, {big['rejected']} replaced), {big['log_entries']} log entries\n")
    print(f"Data generation (separate process): {facts['generate_s']} s (migrations {facts['migrate_s']} s, process "
          f"in all {facts['generator_process_s']} s, its peak RSS {facts['generator_peak_rss_mb']} MB). Warm-up "
          f"{extra['warmup_s']} s.\n")
    print("| run | seconds | pages | peak RSS MB (tree) | ratio vs baseline | tree PSS MB | this process MB "
          "| largest worker MB | forkserver+tracker MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m in results:
        print(f"| {m.label} | {m.seconds:.2f} | {m.pages} | {m.tree_rss_mb:.0f} | {baseline.seconds / m.seconds:.2f}× "
              f"| {m.tree_pss_mb:.0f} | {m.main_hwm_mb:.0f} | {m.worker_mb:.0f} | {m.helpers_mb:.0f} |")
    stages = extra["stages"]
    print(f"\nStages (one run, this process): document.build {stages['document_build_s']:.2f} s; prepare (document, "
          f"signers, evidence bundle of {stages['bundle_mb']:.1f} MB, QR, {stages['parts']} parts' HTML) "
          f"{stages['prepare_s']:.2f} s; "
          f"join {stages['join_s']:.3f} s ({stages['html_mb']:.1f} MB of HTML). Baseline including these: "
          f"{baseline.seconds + sum(stages[k] for k in PREPARATION):.2f} s.")
    print("\nru_maxrss (kB on Linux), read after each phase. This process's peak is reset at each phase's start "
          "(clear_refs), but the kernel keeps what exiting threads (the pool's, the sampler) recorded, so read "
          "RUSAGE_SELF as a running maximum:")
    for m in results:
        print(f"  after {m.label}: RUSAGE_SELF {m.self_maxrss_kb} kB ({mb(m.self_maxrss_kb)} MB), RUSAGE_CHILDREN "
              f"{m.children_maxrss_kb} kB ({mb(m.children_maxrss_kb)} MB)")
    print(f"  RUSAGE_CHILDREN after the data generation: {extra['children_maxrss_after_generation_kb']} kB (the "
          "generator process); the render workers are the forkserver's children, so RUSAGE_CHILDREN sees them only "
          "once the forkserver has exited"
          + (f": {extra['children_maxrss_after_forkserver_exit_kb']} kB "
             f"({mb(extra['children_maxrss_after_forkserver_exit_kb'])} MB, the largest of generator, forkserver "
             "and workers)" if "children_maxrss_after_forkserver_exit_kb" in extra else ""))
    print(f"\nFooters numbered through: {extra['footers_ok']}; PDF sizes: veche {extra['veche_pdf_mb']} MB, "
          f"baseline {extra['baseline_pdf_mb']} MB.")
    if "verify" in extra:
        print(f"Evidence inside the veche PDF: {json.dumps(extra['verify'], ensure_ascii=False)}")
    speedup = baseline.seconds / parallel.seconds
    targets = {f"≤ {TARGET_SECONDS:.0f} s": parallel.seconds <= TARGET_SECONDS,
               f"≥ {TARGET_SPEEDUP:.0f}× faster than the baseline": speedup >= TARGET_SPEEDUP,
               f"≤ {TARGET_RSS_MB / 1024:.0f} GB RSS (tree)": parallel.tree_rss_mb <= TARGET_RSS_MB}
    print(f"\nTargets for {parallel.label}:")
    for name, met in targets.items():
        print(f"  {name}: {'met' if met else 'NOT met'}")
    print(json.dumps({"premises": big["premises"], "ownerships": big["ownerships"], "decisions": big["counted"],
                      "generate_s": facts["generate_s"],
                      "runs": {m.label: {"seconds": round(m.seconds, 2), "pages": m.pages,
                                         "tree_rss_mb": round(m.tree_rss_mb), "tree_pss_mb": round(m.tree_pss_mb),
                                         "main_mb": round(m.main_hwm_mb), "worker_mb": round(m.worker_mb),
                                         "ratio": round(baseline.seconds / m.seconds, 2)} for m in results},
                      "stages": stages, "targets": targets}, ensure_ascii=False))


if __name__ == "__main__":
    main()
