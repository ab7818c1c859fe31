"""Every page each demo role reaches, as a new user sees it on a phone in Russian: signed in as the owner, the
management company's clerk, the inspector and the operator, the walk follows the site's own links (GET, same
origin, one page per kind of address, bounded) and checks each page: no console error, nothing wider than the
390 px screen, SVG lengths that draw, no English word outside <code>, primary buttons at least 44 px high, every
button at least 24 px (WCAG 2.2), and axe-core finding nothing serious or critical. The homes and the voting flow
are saved as screenshots (test-artifacts/) at 390 and 1280 px, in Russian and in English."""

from __future__ import annotations

import os
import re
import time
from collections import Counter, deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pyotp
import pytest
from flask import Flask
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from auth.demo import DOMAIN, demo_totp_secret
from tests.conftest import Mailbox
from tests.factories.browser import ARTIFACTS, serving
from voting.cli import cli
from voting.core.extensions import db
from voting.meetings.models import Meeting

AXE = os.path.join(os.path.dirname(__file__), "axe", "node_modules", "axe-core", "axe.min.js")
ROLES = {"owner": f"owner1@{DOMAIN}", "staff": f"uk@{DOMAIN}", "inspector": f"inspector@{DOMAIN}",
         "operator": f"operator@{DOMAIN}"}
CHARTS = {"staff": [("participation", "/meetings/{voting}"), ("results", "/meetings/{closed}")],
          "inspector": [("indicator", "/indicators/?from=2026-01-01&to=2026-05-31"),
                        ("public", "/indicators/public?from=2026-01-01&to=2026-05-31")]}
PAGES_PER_ROLE = 50  # with at most PER_KIND pages of one kind of address: the four walks take about three minutes
PER_KIND = 2
NOT_PAGES = re.compile(r"\.(pdf|csv|xlsx|json|xml|zip|png|svg|ico|txt)$|/(evidence|export|download)|\.well-known")
# Latin words a Russian page may show: format and algorithm names, the brand of a key, the demo's ГИС ЖКХ ids
ALLOWED = {"PDF", "JSON", "CSV", "XLSX", "ZIP", "QR", "SHA", "Ed25519", "ECDSA", "P-256", "SVG", "UTF", "XML", "GUID",
           "SMTP", "TOTP", "ID", "URL", "API", "HTML", "PNG", "JPEG", "JPG", "SHA-256", "IP"}
ALLOWED_PATTERNS = re.compile(
    r"https?://\S+|[\w.+-]+@[\w.-]+|\bdemo-[a-z-]+\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"
    r"|\b[0-9a-fA-F]{16,}\b|\b[0-9A-Z]{4}(-[0-9A-Z]{4}){2}\b|\b[\w-]+\.(pdf|csv|xlsx|json|zip)\b", re.I)
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]|[A-Za-z]")

PAGE_FACTS = """() => {
  const skip = el => el.closest('code, pre, script, style, template, [hidden], [lang]:not([lang^="ru"])');
  const shown = el => el.checkVisibility ? el.checkVisibility() : !!el.offsetParent;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (node.textContent.trim() && el && !skip(el) && shown(el)) texts.push(node.textContent.trim());
  }
  for (const el of document.querySelectorAll('input[placeholder], input[type=submit][value], button[value]'))
    if (!skip(el) && shown(el) && el.placeholder) texts.push(el.placeholder);
  const svgLengths = [];
  for (const el of document.querySelectorAll('svg, svg *'))
    for (const name of ['x', 'y', 'width', 'height', 'x1', 'x2', 'y1', 'y2', 'cx', 'cy', 'r', 'rx', 'ry'])
      if ((el.getAttribute(name) || '').includes('/'))
        svgLengths.push(`${el.tagName} ${name}="${el.getAttribute(name)}"`);
  const small = [];
  for (const el of document.querySelectorAll('button, .button, input[type=submit], input[type=button]')) {
    if (!shown(el)) continue;
    const box = el.getBoundingClientRect();
    const primary = !el.matches('.link');
    const least = primary ? 44 : 24;
    const name = (el.innerText || el.value || '').trim();
    if (box.height < least - 0.5) small.push(`${name} (${Math.round(box.height)} px < ${least})`);
  }
  const wide = [];
  if (document.documentElement.scrollWidth > 390)
    for (const el of document.querySelectorAll('body *')) {
      const box = el.getBoundingClientRect();
      if (box.right > 391 && shown(el)) {
        wide.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(box.right)}`);
        if (wide.length > 3) break;
      }
    }
  return {scrollWidth: document.documentElement.scrollWidth, texts, svgLengths, small, wide,
          links: [...document.querySelectorAll('a[href]')].map(a => a.href)};
}"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', ')}`);
}"""


def english_words(texts: list[str]) -> list[str]:
    """The Latin words of visible texts that are not format names, addresses, codes or ids."""
    found = []
    for text in texts:
        for word in LATIN_WORD.findall(ALLOWED_PATTERNS.sub(" ", text)):
            if word not in ALLOWED and word.upper() not in ALLOWED:
                found.append(word)
    return found


def kind_of(url: str) -> str:
    """The kind of an address: numbers and long ids become placeholders, the query keeps only its keys."""
    parts = urlsplit(url)
    path = re.sub(r"/[0-9a-f]{16,}|/\d+", "/#", parts.path)
    keys = sorted(pair.split("=")[0] for pair in parts.query.split("&") if pair)
    return path + ("?" + "&".join(keys) if keys else "")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Mailbox, int],
         chromium: str) -> Iterator[tuple[Flask, str]]:
    """The README's demo (`veche demo`) on a database of its own, served live."""
    def seed(app: Flask) -> None:
        result = app.test_cli_runner().invoke(cli, ["demo"])
        assert result.exit_code == 0, result.output

    with serving(tmp_path_factory, smtp_server[1], seed) as served:
        yield served


@pytest.fixture
def chromium_browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(AXE):
        if os.environ.get("VECHE_REQUIRE_BROWSER"):
            pytest.fail(f"axe-core is required but missing at {AXE}")
        pytest.skip("axe-core not installed: npm ci --prefix tests/browser/axe (CI installs it)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--lang=ru-RU"])  # the browser's own words in Russian
        try:
            yield instance
        finally:
            instance.close()


def sign_in_demo(page: Any, base: str, email: str, totp: bool) -> None:
    """Sign in through the pages as a demo user of the README (password `demo-password`, its one-time code)."""
    page.goto(f"{base}/auth/login")
    page.get_by_label("Электронная почта").fill(email)
    page.get_by_label("Пароль").fill("demo-password")
    page.get_by_role("button", name="Войти").click()
    if totp:
        page.get_by_label("Код из приложения").fill(pyotp.TOTP(demo_totp_secret(email)).now())
        page.get_by_role("button", name="Подтвердить").click()
    page.get_by_role("button", name="Выйти", exact=True).wait_for()


def shoot(page: Any, name: str) -> None:
    """The page at phone and desktop width, in the current language."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    for width, height in ((390, 844), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(ARTIFACTS, f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})


def switch_language(page: Any, label: str) -> None:
    page.locator("form.lang").get_by_role("button", name=label).click()
    page.wait_for_load_state()


def walk(page: Any, base: str, start: list[str], console: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Visit pages breadth-first from `start`; return the problems found, by address, and the pages seen."""
    problems: dict[str, list[str]] = {}
    queue, seen, kinds = deque(start), set(start), Counter(kind_of(url) for url in start)
    visited: list[str] = []
    while queue and len(visited) < PAGES_PER_ROLE:
        url = queue.popleft()
        console.clear()
        try:
            response = page.goto(url)
        except PlaywrightError as error:  # a file to download, not a page
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(url.removeprefix(base))
        facts = page.evaluate(PAGE_FACTS)
        page.add_script_tag(url=f"{base}/__axe__.js")
        found = [f"console: {line}" for line in console]
        if response.status >= 500:
            found.append(f"HTTP {response.status}")
        if facts["scrollWidth"] > 390:
            found.append(f"scrollWidth {facts['scrollWidth']} > 390: {facts['wide']}")
        found += [f"SVG length {length}" for length in facts["svgLengths"]]
        if words := english_words(facts["texts"]):
            found.append(f"English: {sorted(set(words))[:12]}")
        found += [f"small button: {button}" for button in facts["small"]]
        found += [f"axe {violation}" for violation in page.evaluate(AXE_RUN)]
        if found:
            problems[url.removeprefix(base)] = found
        for link in facts["links"]:
            link = urldefrag(link)[0]
            if link.startswith(base + "/") and not NOT_PAGES.search(urlsplit(link).path) \
                    and "/auth/logout" not in link and link not in seen and kinds[kind_of(link)] < PER_KIND:
                seen.add(link)
                kinds[kind_of(link)] += 1
                queue.append(link)
    return problems, visited


def meeting_ids(app: Flask) -> dict[str, int]:
    """The demo's meetings by their ГИС ЖКХ id: demo-voting, demo-closed…"""
    with app.app_context():
        return {gis_id.removeprefix("demo-"): id for id, gis_id in db.session.execute(
            select(Meeting.id, Meeting.gis_id).where(Meeting.gis_id.like("demo-%")))}


def vote_in_the_demo(app: Flask, page: Any, base: str) -> None:
    """The owner's voting flow in the demo's open meeting, screenshot at each step: ballot, review, receipt."""
    with app.app_context():
        meeting_id = db.session.scalar(select(Meeting.id).where(Meeting.gis_id == "demo-voting"))
    page.goto(f"{base}/meetings/{meeting_id}/vote")
    page.get_by_text("Ключ этого устройства:").wait_for()
    shoot(page, "vote-1-ballot-ru")
    for question in page.locator("fieldset.question").all():
        question.locator("label.choice").first.click()
    page.get_by_role("button", name="Проверить выбор").click()
    page.locator(".review [data-summary] li").first.wait_for()
    shoot(page, "vote-2-review-ru")
    page.get_by_role("button", name="Подписать и отправить").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/receipts/[0-9a-f]{64}$"))
    shoot(page, "vote-3-receipt-ru")
    receipt = page.url
    switch_language(page, "English")
    shoot(page, "vote-3-receipt-en")
    page.goto(f"{base}/meetings/{meeting_id}/vote")
    page.locator("fieldset.question").first.wait_for()
    shoot(page, "vote-1-ballot-en")
    switch_language(page, "Русский")
    page.goto(receipt)


def large_text_fits(page: Any, base: str, urls: list[str]) -> list[str]:
    """The version for the visually impaired at its largest (×2, high contrast, wide spacing): chosen in the header,
    then each page must still fit the 390 px screen (as 200 % zoom of a 780 px window would) and pass axe-core."""
    page.locator("details.display-switch summary").click()
    page.get_by_label("очень крупный (×2)").check()
    page.get_by_label("высокий контраст").check()
    page.get_by_label("увеличенные интервалы").check()
    page.get_by_role("button", name="Применить").click()
    page.wait_for_load_state()
    assert "text-200" in (page.locator("html").get_attribute("class") or "")
    wide = []
    for url in urls:
        page.goto(url)
        facts = page.evaluate(PAGE_FACTS)
        if facts["scrollWidth"] > 390:
            wide.append(f"{url.removeprefix(base)} at ×2: scrollWidth {facts['scrollWidth']}: {facts['wide']}")
        page.add_script_tag(url=f"{base}/__axe__.js")
        wide += [f"{url.removeprefix(base)} at ×2, contrast: axe {v}" for v in page.evaluate(AXE_RUN)]
    return wide


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_a_role_reaches_fits_a_phone_in_russian(demo, chromium_browser, role) -> None:
    app, base = demo
    started = time.monotonic()
    context = chromium_browser.new_context(viewport={"width": 390, "height": 844}, locale="ru-RU")
    context.route(f"{base}/__axe__.js", lambda route: route.fulfill(path=AXE, content_type="text/javascript"))
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: console.append(str(error)))
    try:
        sign_in_demo(page, base, ROLES[role], totp=role != "owner")
        home = page.url
        shoot(page, f"home-{role}-ru")
        switch_language(page, "English")
        shoot(page, f"home-{role}-en")
        switch_language(page, "Русский")
        public = f"{base}/indicators/public?from=2026-01-01&to=2026-05-31"  # the published period: 43 bars
        problems, visited = walk(page, base, [home, f"{base}/", public], console)
        for name, path in CHARTS.get(role, ()):
            page.goto(base + path.format(**meeting_ids(app)))
            shoot(page, f"chart-{name}-ru")
        if role == "owner":
            vote_in_the_demo(app, page, base)
            receipt = page.url
            large = large_text_fits(page, base, [home, f"{base}/meetings/", receipt])
            page.goto(home)
            shoot(page, "home-owner-large-contrast-ru")
            assert not large, large
    finally:
        context.close()
    report = "\n".join(f"{url}\n  " + "\n  ".join(found) for url, found in sorted(problems.items()))
    with open(os.path.join(ARTIFACTS, f"walk-{role}.txt"), "w") as listing:
        listing.write(f"{len(visited)} pages in {time.monotonic() - started:.0f} s\n" + "\n".join(visited) + "\n")
    assert len(visited) >= 5, f"the walk reached only {visited}"
    assert not problems, f"{len(problems)} of {len(visited)} pages as {role}:\n{report}"
    assert time.monotonic() - started < 120
