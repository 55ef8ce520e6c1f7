"""The registration portal in a real browser, end to end, in local mode.

What a racer does on event day: open the page, type an address the way
people type them (spaces, capitals), pick an alias, press Register, read
the answer, and get a mail with the sign-in link. The API tests cover the
rules; this test covers what only a browser exercises: the page's own
JavaScript (the relative fetch to `register`, the success and error
messages, `aria-invalid` on the faulty field) against the deployed stack.

Playwright drives Debian's Chromium (`/usr/bin/chromium`): Playwright's own
browser download is not reachable from the workshop machines.
"""
from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import emulator as runtime
from labs.registration.portal import Portal, start_portal
from labs.registration.stack import wait_until_processed

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EVENT = "browser-portal"
DISPLAY_NAME = "Browser Cup 2025"
DOMAINS = "example.com"
RACER_TYPED = "  Jane.Doe@Example.com "
RACER = "jane.doe@example.com"
ALIAS = "jane-doe"
UI_TIMEOUT_MS = 15_000  # the first request also starts the function's worker
MAIL_TIMEOUT_S = 20.0


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    """Debian's Chromium, or a skip (a failure in CI, where a skip would hide a missing browser)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        reason = (f"{CHROMIUM} not found: install Debian's Chromium with "
                  "`apt-get install -y chromium` (or `make browser`)")
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser test, but {reason}", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium_path: Path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium_path), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def portal(chromium_path: Path) -> Iterator[Portal]:
    """The deployed portal; depends on `chromium_path` so a skip happens before the slow start."""
    started_here = runtime.current() is None
    p = start_portal(EVENT, display_name=DISPLAY_NAME, domains=DOMAINS)
    try:
        yield p
    finally:
        if started_here:  # a runtime someone else started is theirs to stop
            p.session.runtime.stop()


@pytest.fixture
def page(browser):
    """A fresh browser context per test; uncaught page errors fail the test."""
    context = browser.new_context(viewport={"width": 900, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def _mail_for(portal: Portal, address: str, purpose: str = "registration", timeout: float = MAIL_TIMEOUT_S) -> list:
    """The mails to `address` with this purpose tag: "registration" is the event's own confirmation,
    "cognito-invitation" the DeepRacer on AWS invitation (temporary password) the same racer gets."""
    deadline = time.monotonic() + timeout
    while True:
        mails = [m for m in portal.session.outbox.list(to=address) if m.tags.get("purpose") == purpose]
        if mails or time.monotonic() > deadline:
            return mails
        time.sleep(0.25)


def _submit(page, email: str, alias: str, experience: str = "intermediate") -> None:
    page.get_by_label("Enterprise email").fill(email)
    page.get_by_label("Racer alias").fill(alias)
    page.get_by_label("Machine-learning experience").select_option(experience)
    page.get_by_role("button", name="Register").click()


def test_register_in_the_browser(portal: Portal, page, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    assert portal.url.endswith("/"), "the printed portal URL must end with '/'"
    page.goto(portal.url)
    expect(page).to_have_title(re.compile(re.escape(DISPLAY_NAME)))
    expect(page.get_by_role("heading", level=1)).to_have_text(DISPLAY_NAME)

    # A good registration, typed the way people type addresses.
    _submit(page, RACER_TYPED, ALIAS)
    ok = page.locator("#result.ok")
    expect(ok).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(ok).to_contain_text(f"Thanks {ALIAS}!")
    expect(ok).to_contain_text(DISPLAY_NAME)
    expect(page.get_by_label("Enterprise email")).to_have_value("")  # the form was reset
    shot = tmp_path / "portal-registered.png"
    page.screenshot(path=str(shot), full_page=True)
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000, "the screenshot is not a real PNG"

    # The confirmation mail, to the normalised address, with the sign-in link.
    mails = _mail_for(portal, RACER)
    assert len(mails) == 1, f"expected one mail to {RACER} within {MAIL_TIMEOUT_S:.0f} s, got {len(mails)}"
    mail = mails[0]
    assert mail.to == [RACER]
    assert mail.subject == f"You're in: {DISPLAY_NAME} registration confirmed"
    function = portal.session.client("lambda").get_function_configuration(
        FunctionName=portal.stack.provision_function)
    site = function["Environment"]["Variables"]["SITE_URL"]  # the DeepRacer on AWS site it was deployed with
    assert site.startswith("https://") and site in mail.text and site in mail.html
    assert f"Hi {ALIAS}," in mail.text
    assert len(_mail_for(portal, RACER, "cognito-invitation")) == 1, "no DeepRacer on AWS invitation"

    # An address outside the accepted domains: a message that says what to do, the field marked.
    _submit(page, "jane@gmail.com", "jane-private")
    error = page.locator("#result.error")
    expect(error).to_be_visible(timeout=UI_TIMEOUT_MS)
    expect(error).to_contain_text(f"accepted domains: {DOMAINS}")
    expect(page.get_by_label("Enterprise email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Enterprise email")).to_be_focused()

    # The first address again (typed differently): refused, and no second mail.
    _submit(page, RACER_TYPED.strip().upper(), "jane-again")
    expect(error).to_contain_text(re.compile(r"already registered \(status: \w+\)"), timeout=UI_TIMEOUT_MS)
    expect(page.get_by_label("Enterprise email")).to_have_attribute("aria-invalid", "true")
    assert wait_until_processed(portal.session, portal.stack, 30)
    assert len(_mail_for(portal, RACER)) == 1 and len(_mail_for(portal, RACER, "cognito-invitation")) == 1


def test_page_without_trailing_slash_still_registers(portal: Portal, page) -> None:
    """People drop the final '/' when they copy a URL; the page's relative fetch must cope."""
    from playwright.sync_api import expect

    page.goto(portal.url.rstrip("/"))
    _submit(page, "no.slash@example.com", "no-slash", "none")
    expect(page.locator("#result.ok")).to_contain_text("Thanks no-slash!", timeout=UI_TIMEOUT_MS)
    assert _mail_for(portal, "no.slash@example.com"), "no confirmation mail for no.slash@example.com"


def test_throttled_registration_says_when_to_retry_and_keeps_the_form(portal: Portal, page) -> None:
    """Both kinds of 429: API Gateway's stage throttle (no Retry-After) and the function's per-source limit."""
    from playwright.sync_api import expect

    page.goto(portal.url)
    # The stage's 429 is API Gateway's own answer (the local HTTP API sends the same: tests/emulator);
    # here the browser serves it, byte for byte, so the page meets it without draining the bucket.
    page.route("**/register", lambda route: route.fulfill(status=429, content_type="application/json",
                                                          body='{"message":"Too Many Requests"}'))
    _submit(page, "wait.stage@example.com", "wait-stage")
    wait = page.locator("#result.wait")
    expect(wait).to_contain_text("Please wait 10 seconds", timeout=UI_TIMEOUT_MS)
    expect(page.get_by_label("Enterprise email")).to_have_value("wait.stage@example.com")
    expect(page.get_by_label("Racer alias")).to_have_value("wait-stage")
    page.unroute("**/register")

    # The function's per-source limit, for real: the deployed function with registration paused (limit 0).
    lam = portal.session.client("lambda")
    name = portal.stack.register_function
    env = lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {**env, "SOURCE_LIMIT": "0"}})
    try:
        _submit(page, "wait.source@example.com", "wait-source")
        expect(wait).to_contain_text(re.compile(r"try again in \d+ seconds"), timeout=UI_TIMEOUT_MS)
        expect(wait).to_contain_text("still filled in")
        expect(page.get_by_label("Enterprise email")).to_have_value("wait.source@example.com")
        expect(page.get_by_label("Racer alias")).to_have_value("wait-source")
    finally:
        lam.update_function_configuration(FunctionName=name, Environment={"Variables": env})
    assert wait_until_processed(portal.session, portal.stack, 30)
    assert portal.session.outbox.list(to="wait.source@example.com") == []
