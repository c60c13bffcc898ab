"""Browser tests: the portal in Chromium at a phone's width (360 px), with JavaScript on and off, on a stack of
their own per module (the page tests' `World`: one demo school imported, the services' clock in 2024-S1).

Every page a test shows is checked as it appears: axe-core finds no serious or critical violation, the browser
reports no Content-Security-Policy violation and no script error, and a page that can be fetched again is weighed
on a cold cache (document, CSS and JS as transferred, gzipped) against the 60 KB budget of a school's phone on a
slow link. The session ends with a table of each page's weight and load time, and every axe finding.

Playwright drives Debian's Chromium (/usr/bin/chromium): its own browser builds cannot be downloaded here. Without
that binary the tests are skipped, saying so; CI installs it (.ci/run).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, Response, async_playwright

from tools.demo_roster import Person
from tools.screenshots import CHROMIUM, PHONE, launch
from tools.stack import Stack

from ..pages import conftest as page_tests
from ..pages.conftest import World, module_stack, text_of

world = page_tests.world  # the page tests' fixture: this module's stack with one demo school imported

pytestmark = pytest.mark.e2e
WEIGHT_BUDGET = 60 * 1024  # bytes transferred for a page's first load: document, CSS and JS, compressed
SERIOUS = ("serious", "critical")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_AXE = Axe()


@dataclass
class Load:
    """One page's first load on a cold cache."""

    title: str
    path: str
    transferred: int
    requests: int
    milliseconds: float


@dataclass
class Finding:
    """One axe-core violation on one page (any impact: the moderate and minor ones are listed, not failed)."""

    title: str
    path: str
    impact: str
    rule: str
    help: str
    targets: list[str]


LOADS: list[Load] = []
FINDINGS: list[Finding] = []
WIDER: dict[str, int] = {}  # page (ids folded) -> how many CSS pixels it is wider than the phone's screen


@pytest.fixture(scope="module")
def stack(request, tmp_path_factory) -> Iterator[Stack]:
    """The page tests' stack under names of its own (`_b_<module>`): a page-test module of the same name, run by
    someone else at the same time, must not share its databases."""
    yield from module_stack(request, tmp_path_factory, "b")


def pytest_collection_modifyitems(config, items) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (CI installs Debian's chromium; see .ci/run)")
    for item in items:
        if "/tests/browser/" in str(item.path):
            item.add_marker(skip)


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await launch(playwright)
        yield browser
        await browser.close()


# --- what every page shown is checked for ------------------------------------------------------------------------


def _title(page_title: str) -> str:
    return page_title.rsplit(" · ", 1)[0].strip() or "?"


async def check_accessibility(page: Page) -> None:
    """axe-core on the page as shown: every finding is recorded for the summary; serious or critical ones fail."""
    results = await _AXE.run(page)
    title, path = _title(await page.title()), urlsplit(page.url).path
    found = [
        Finding(title, path, v.get("impact") or "?", v["id"], v["help"], [", ".join(n["target"]) for n in v["nodes"]])
        for v in results.response["violations"]
    ]
    FINDINGS.extend(found)
    serious = [f for f in found if f.impact in SERIOUS]
    assert not serious, f"axe-core on {title} ({path}):\n" + "\n".join(
        f"  {f.impact} {f.rule}: {f.help} at {'; '.join(f.targets[:5])}" for f in serious
    )


async def check_width(page: Page) -> None:
    """A page wider than the phone's 360 px scrolls sideways (a wide table wants its `.tabel-gulir` wrapper)."""
    # Against the screen's own width: a phone zooms out to fit a wider page, which widens `innerWidth` with it.
    wider = await page.evaluate("() => document.documentElement.scrollWidth") - PHONE["viewport"]["width"]
    if wider > 0:
        WIDER[_UUID.sub("{id}", urlsplit(page.url).path)] = int(wider)
    assert wider <= 0, f"{urlsplit(page.url).path} is {wider} px wider than a 360 px phone"


async def inspect(page: Page) -> None:
    await check_accessibility(page)
    await check_width(page)


async def page_weight(responses: list[Response]) -> int:
    """Bytes of the responses' bodies as they came over the wire: compressed when the portal gzipped them."""
    total = 0
    for response in responses:
        sizes = await response.request.sizes()
        total += sizes["responseBodySize"]
    return total


async def weigh(
    chromium: Browser, url: str, cookies: list, *, then: Callable[[Page], Awaitable[None]] | None = None
) -> Load:
    """The page's first load in a fresh context (cold cache) with the same session, every request counted; `then`
    runs on that page before it closes."""
    context = await chromium.new_context(**PHONE)
    try:
        await context.add_cookies(cookies)
        page = await context.new_page()
        responses: list[Response] = []
        page.on("response", lambda response: responses.append(response))
        started = time.monotonic()
        await page.goto(url, wait_until="load")
        elapsed = (time.monotonic() - started) * 1000
        timing = await page.evaluate("() => performance.getEntriesByType('navigation')[0]?.loadEventEnd || 0")
        load = Load(_title(await page.title()), urlsplit(url).path, await page_weight(responses), len(responses),
                    float(timing) or elapsed)  # fmt: skip
        if then is not None:
            await then(page)
    finally:
        await context.close()
    LOADS.append(load)
    assert load.transferred <= WEIGHT_BUDGET, (
        f"{load.title} ({load.path}) weighs {load.transferred / 1024:.1f} KB on a cold cache "
        f"({load.requests} requests), over the {WEIGHT_BUDGET // 1024} KB budget"
    )
    return load


# --- a person's phone ----------------------------------------------------------------------------------------------


@dataclass
class Phone:
    """One person's phone: a 360 px Chromium page. Every page it is brought to (`goto`, `submit`, `follow`) is
    checked before the test goes on: axe-core, CSP and script errors, and the weight of a page fetched by GET."""

    chromium: Browser
    context: BrowserContext
    page: Page
    base: str
    js: bool
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.problems.append(f"CSP: {message.text}")

    @property
    def path(self) -> str:
        return urlsplit(self.page.url).path

    async def text(self) -> str:
        """The page as a person reads it."""
        return text_of(await self.page.content())

    async def checked(self, response: Response | None) -> Response:
        assert response is not None, f"no page at {self.page.url}"
        problems, self.problems[:] = list(self.problems), []
        assert not problems, f"on {self.page.url}:\n" + "\n".join(problems)
        if self.js:
            await inspect(self.page)
        if response.request.method == "GET":
            # Without JavaScript axe-core cannot run in this page: it runs on the same page opened with it.
            then = None if self.js else inspect
            await weigh(self.chromium, self.page.url, await self.context.cookies(), then=then)
        return response

    async def goto(self, path: str) -> Response:
        return await self.checked(await self.page.goto(self.base + path))

    async def submit(self, button: str = "Simpan dan lanjutkan", *, timeout: float = 30_000) -> Response:
        """Taps the button named `button` and waits for the page the form leads to."""
        async with self.page.expect_navigation(timeout=timeout) as navigation:
            await self.page.get_by_role("button", name=button, exact=True).click()
        return await self.checked(await navigation.value)

    async def follow(self, link: str) -> Response:
        async with self.page.expect_navigation() as navigation:
            await self.page.get_by_role("link", name=link, exact=True).first.click()
        return await self.checked(await navigation.value)

    async def wait_for(self, path: str, text: str, *, seconds: float = 30) -> Response:
        """Opens `path` until it shows `text`: what another service learns from an event arrives a moment later."""
        deadline = time.monotonic() + seconds
        while True:
            response = await self.page.goto(self.base + path)
            if text in await self.text() or time.monotonic() > deadline:
                break
            await self.page.wait_for_timeout(500)
        assert text in await self.text(), f"{path} did not show {text!r} within {seconds} s"
        return await self.checked(response)

    async def sign_in(self, person: Person | None = None, *, operator: str | None = None) -> Response:
        """Masuk sebagai: the development sign-in lists the roster's people, each with a button of their own."""
        await self.goto("/masuk")
        if operator is not None:
            return await self.submit(f"Operator Dinas wilayah {operator}")
        assert person is not None
        return await self.submit(f"Masuk sebagai {person.nama}")


async def plan_and_submit(guru: Phone, periode: str) -> str:
    """A guru's whole plan as they tap through it: Mulai, each step on its own page, Rangkuman, Lanjut ajukan.
    Returns the plan's path (/skp/<id>)."""
    await guru.follow("Perencanaan")
    assert guru.path == f"/perencanaan/{periode}"
    await guru.submit("Mulai")
    assert guru.path.endswith("/data-diri")
    skp = guru.path.rsplit("/", 1)[0]
    await guru.page.get_by_label("Data sudah sesuai").check()
    await guru.submit()
    assert guru.path == f"{skp}/praktik-kinerja"
    await guru.page.locator("input[name=indikator]").first.check()
    await guru.submit()
    assert guru.path == f"{skp}/pengembangan-kompetensi"
    await guru.page.locator("#rhk-PK-01").check()
    await guru.page.locator("#target-PK-01").fill("4")
    await guru.submit()
    assert guru.path == f"{skp}/tugas-tambahan"
    await guru.page.locator("#rhk-TT-04").check()
    await guru.page.locator("#target-TT-04").fill("1")
    await guru.submit()
    assert guru.path == f"{skp}/perilaku-kerja"
    await guru.page.locator("#paham").check()
    await guru.submit()
    assert guru.path == f"{skp}/rangkuman"
    assert "Langkah berikut belum lengkap" not in await guru.text()
    await guru.submit("Lanjut ajukan")
    assert guru.path == f"/perencanaan/{periode}"
    assert "Diajukan" in await guru.text()
    return skp


class Phones:
    """The phones of one test: each person their own context (cookies, cache), closed when the test ends."""

    def __init__(self, chromium: Browser, world: World) -> None:
        self.chromium = chromium
        self.world = world
        self.open: list[Phone] = []

    async def new(self, *, js: bool = True) -> Phone:
        context = await self.chromium.new_context(**PHONE, java_script_enabled=js)
        page = await context.new_page()
        phone = Phone(self.chromium, context, page, self.world.portal, js)
        self.open.append(phone)
        return phone

    async def close(self) -> None:
        for phone in self.open:
            await phone.context.close()


@pytest.fixture
async def phones(chromium: Browser, world: World) -> AsyncIterator[Phones]:
    shelf = Phones(chromium, world)
    yield shelf
    await shelf.close()


@pytest.fixture
async def phone(phones: Phones) -> Phone:
    """A phone with JavaScript on."""
    return await phones.new()


@pytest.fixture
async def phone_no_js(phones: Phones) -> Phone:
    """A phone with JavaScript off: every flow must work with plain forms."""
    return await phones.new(js=False)


# --- the session's report ------------------------------------------------------------------------------------------


def pytest_terminal_summary(terminalreporter) -> None:
    if LOADS:
        _weights_table(terminalreporter)
    if FINDINGS:
        _findings_table(terminalreporter)
    if WIDER:
        terminalreporter.section("pages wider than the phone's 360 px (they scroll sideways)")
        for page, pixels in WIDER.items():
            terminalreporter.write_line(f"{pixels:>4} px wider  {page}")


def _weights_table(reporter) -> None:
    heaviest: dict[str, Load] = {}  # by page, ids folded: the heaviest load of each
    for load in LOADS:
        page = _UUID.sub("{id}", load.path)
        if page not in heaviest or load.transferred > heaviest[page].transferred:
            heaviest[page] = load
    reporter.section(f"portal page weights (first load, cold cache, gzipped; budget {WEIGHT_BUDGET // 1024} KB)")
    reporter.write_line(f"{'page':<40} {'KB':>6} {'requests':>8} {'load ms':>8}  path")
    for page, load in heaviest.items():
        reporter.write_line(
            f"{load.title[:40]:<40} {load.transferred / 1024:>6.1f} {load.requests:>8} {load.milliseconds:>8.0f}"
            f"  {page}"
        )


def _findings_table(reporter) -> None:
    reporter.section("axe-core findings (serious and critical fail the test; the rest are listed)")
    seen: set[tuple[str, str]] = set()
    for f in FINDINGS:
        if (f.title, f.rule) in seen:
            continue
        seen.add((f.title, f.rule))
        reporter.write_line(
            f"{f.impact:<9} {f.rule:<24} {f.title[:32]:<32} {_UUID.sub('{id}', f.path)}  {'; '.join(f.targets[:3])}"
        )
