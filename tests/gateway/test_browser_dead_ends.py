"""No dead ends, in headless Chromium (issue 16, item 3), and recovery answers typed twice (item 5).

Back/Forward, the way back from every side page, cancel, expiry, the closing screen, a browser
without JavaScript, pasted codes, and a locked PIN said up front.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from customers.models import Challenge, Customer

from .factories import challenge_make, customer_make, link_path
from .seed import seed_pin
from .test_browser_onboarding import ANSWERS, PIN, QUESTION_IDS, answer_questions, choose_pin, open_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MANILA = "Asia/Manila"


def demo(live_server, query: str = "from=app") -> str:
    return f"{live_server.url}/gateway/demo/return?{query}"


def returned(page) -> dict[str, list[str]]:
    """The query the app's return page received."""
    page.wait_for_url(re.compile(r"/gateway/demo/return\?"))
    return parse_qs(urlsplit(page.url).query)


def api_calls(page) -> list[str]:
    return [r for r in page.recorder.requests if "/gateway/api/" in r]


def local_time(moment: datetime, zone: str = MANILA) -> str:
    """The time as the page shows it in that zone (English: a 12-hour clock), as a pattern."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"({local.strftime('%H:%M')}|{local.strftime('%I:%M %p')})"


@pytest.fixture
def page_in(browser, settings):
    """A page in a browser context of one's choosing (time zone, JavaScript off, clipboard)."""
    settings.DEBUG = True  # the demo return page
    contexts = []

    def make(**options):
        context = browser.new_context(viewport={"width": 390, "height": 860}, timezone_id=MANILA, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.recorder = type("R", (), {"requests": requests})()
        return page

    yield make
    for context in contexts:
        context.close()


def test_back_then_forward_never_shows_a_stale_form(live_server, page_in):
    challenge = challenge_make(return_url=demo(live_server))
    page = page_in()
    open_link(page, live_server, challenge)
    page.fill("#pin1", "4803")
    page.fill("#pin2", "48")
    page.goto(demo(live_server, "elsewhere=1"))
    page.go_back()
    expect(page.locator("#step-pin")).to_be_visible()
    expect(page.locator("#pin1")).to_have_value("")
    expect(page.locator("#pin2")).to_have_value("")

    # Past the PIN the shard lives only in the page: back again, the page reads its step from the
    # server (enter the PIN), not the recovery form it showed when left.
    choose_pin(page)
    page.click("#choose-questions")
    page.fill("#a1", "typed before leaving")
    page.goto(demo(live_server, "elsewhere=2"))
    page.go_back()
    expect(page.locator("#step-unlock")).to_be_visible()
    expect(page.locator("#step-questions")).to_be_hidden()
    expect(page.locator("#a1")).to_have_value("")
    page.go_forward()
    assert "elsewhere=2" in page.url
    page.go_back()
    expect(page.locator("#step-unlock")).to_be_visible()
    expect(page.locator("#unlock-pin")).to_have_value("")
    assert Challenge.objects.get(pk=challenge.pk).step == "pin_enter"

    # Once finished, Back shows the ended page, not a form.
    page.fill("#unlock-pin", PIN)
    page.click("#unlock-form button[type=submit]")
    answer_questions(page)
    assert returned(page)["status"] == ["verified"]
    page.go_back()
    expect(page.locator("h1")).to_contain_text("You are all set")
    expect(page.locator("form")).to_have_count(0)


def test_every_side_page_has_a_truthful_way_back(live_server, page_in):
    challenge = challenge_make(return_url=demo(live_server))
    owner = page_in()
    open_link(owner, live_server, challenge)

    # The link again in another browser: already used, and the challenge goes on over there.
    other = page_in()
    other.goto(live_server.url + link_path(challenge))
    expect(other.locator("h1")).to_contain_text("already used")
    other.click("a.button")
    back = returned(other)
    assert back["status"] == ["in_progress"] and back["challengeId"] == [str(challenge.id)]
    assert back["from"] == ["app"]

    # The token-free page in another browser: refused, same truthful status.
    other.goto(f"{live_server.url}/gateway/s/{challenge.id}/")
    expect(other.locator("h1")).to_contain_text("another browser")
    other.click("a.button")
    assert returned(other)["status"] == ["in_progress"]

    # A damaged link names no challenge and sends nowhere it cannot vouch for: it says what to do.
    other.goto(f"{live_server.url}/gateway/c/{challenge.id}/not-the-token")
    expect(other.locator("h1")).to_contain_text("not valid")
    expect(other.locator("main")).to_contain_text("start again")
    expect(other.locator("main a")).to_have_count(0)

    # An expired link: the way back says expired.
    expired = challenge_make(return_url=demo(live_server), expires_in=timedelta(seconds=-5))
    other.goto(live_server.url + link_path(expired))
    expect(other.locator("h1")).to_contain_text("expired")
    other.click("a.button")
    assert returned(other)["status"] == ["expired"]
    assert Challenge.objects.get(pk=challenge.pk).status == "in_progress"


@pytest.mark.parametrize("where", ["pin", "recovery"])
def test_cancel_on_any_step_fails_the_challenge_and_returns_cancelled(live_server, page_in, where):
    challenge = challenge_make(return_url=demo(live_server))
    app = challenge.organization.name
    page = page_in()
    open_link(page, live_server, challenge)
    if where == "recovery":
        choose_pin(page)
        page.click("#choose-questions")
    button = page.locator("#cancel-form button")
    expect(button).to_have_text(f"Cancel and go back to {app}")
    button.click()
    # The closing screen names the app, then returns by itself.
    expect(page.locator("h1")).to_have_text("Cancelled")
    expect(page.locator("main")).to_contain_text(f"Returning you to {app}")
    back = returned(page)
    assert back["status"] == ["cancelled"] and back["challengeId"] == [str(challenge.id)]
    challenge.refresh_from_db()
    assert challenge.status == "failed" and challenge.result == {"reason": "cancelled"}
    customer = Customer.objects.get(pk=challenge.customer_id)
    assert customer.has_pin == (where == "recovery") and not customer.has_recovery
    # Back from the app: the closing screen again, without sending the user forward by itself.
    page.go_back()
    expect(page.locator("h1")).to_have_text("Cancelled")
    page.wait_for_timeout(2500)
    assert "/gateway/s/" in page.url


def test_the_cancel_link_works_on_the_pin_unlock_of_another_flow(live_server, page_in):
    customer = customer_make()
    seed_pin(customer, PIN, secrets.token_bytes(32))
    Customer.objects.filter(pk=customer.pk).update(has_recovery=True, recovery_methods=["SECURITY_QUESTIONS"])
    challenge = challenge_make(
        customer=customer, type=Challenge.Type.CHANGE_PIN, return_url=demo(live_server)
    )
    page = page_in()
    open_link(page, live_server, challenge)
    expect(page.locator("#step-unlock")).to_be_visible()
    page.click("#cancel-form button")
    assert returned(page)["status"] == ["cancelled"]
    assert Challenge.objects.get(pk=challenge.pk).result == {"reason": "cancelled"}


def test_expiry_is_shown_in_local_time_and_warned_two_minutes_ahead(live_server, page_in):
    challenge = challenge_make(return_url=demo(live_server), expires_in=timedelta(minutes=10))
    page = page_in()
    open_link(page, live_server, challenge)
    expect(page.locator("#expiry")).to_have_text(
        re.compile(rf"^This link expires at {local_time(challenge.expires_at)}\.$")
    )
    expect(page.locator("#expiry-warning")).to_be_empty()

    soon = challenge_make(return_url=demo(live_server), expires_in=timedelta(seconds=100))
    page = page_in()
    open_link(page, live_server, soon)
    warning = page.locator("#expiry-warning")
    expect(warning).to_have_attribute("aria-live", "assertive")
    expect(warning).to_contain_text("Less than 2 minutes left")
    expect(warning).to_contain_text(re.compile(local_time(soon.expires_at)))
    expect(page.locator("#step-pin")).to_be_visible()  # a warning, not an end


def test_a_challenge_that_expires_while_open_shows_the_expired_page_with_the_way_back(live_server, page_in):
    challenge = challenge_make(return_url=demo(live_server), expires_in=timedelta(seconds=6))
    page = page_in()
    open_link(page, live_server, challenge)
    page.fill("#pin1", "4803")
    expect(page.locator("#step-ended")).to_be_visible(timeout=20_000)
    expect(page.locator("#ended-heading")).to_have_text("This link has expired")
    expect(page.locator("#step-pin")).to_be_hidden()
    expect(page.locator("#pin1")).to_have_value("")
    expect(page.locator("#cancel-form")).to_be_hidden()
    page.click("#ended-return")
    back = returned(page)
    assert back["status"] == ["expired"] and back["from"] == ["app"]


def test_the_closing_screen_names_the_app_before_the_return(live_server, page_in):
    challenge = challenge_make(return_url=demo(live_server))
    app = challenge.organization.name
    page = page_in()
    open_link(page, live_server, challenge)
    choose_pin(page)
    answer_questions(page)
    expect(page.locator("#ended-message")).to_have_text(f"Done. Returning you to {app}…")
    expect(page.locator("#ended-return")).to_have_text(f"Go to {app} now")
    expect(page.locator("#ended-return")).to_have_attribute("href", re.compile(r"status=verified"))
    assert returned(page)["status"] == ["verified"]


def test_without_javascript_the_page_says_so_and_the_link_still_opens_later(live_server, page_in):
    challenge = challenge_make(return_url=demo(live_server))
    page = page_in(java_script_enabled=False)
    page.goto(live_server.url + link_path(challenge))
    # (Playwright's text assertions skip <noscript>; the rendered text is what the user reads.)
    shown = page.locator("main").inner_text()
    assert "needs JavaScript" in shown and "the link still works" in shown
    expect(page.get_by_role("link", name=f"Go back to {challenge.organization.name}")).to_be_visible()
    challenge.refresh_from_db()
    assert challenge.status == "pending" and challenge.link_used_at is None
    page.click("a.button")
    back = returned(page)
    assert back["status"] == ["pending"] and back["challengeId"] == [str(challenge.id)]

    # The same link, later, in a browser that runs the page.
    later = page_in()
    open_link(later, live_server, challenge)
    expect(later.locator("#step-pin")).to_be_visible()
    assert Challenge.objects.get(pk=challenge.pk).status == "in_progress"


def test_pasted_codes_with_spaces_or_dashes_work(live_server, page_in):
    challenge = challenge_make(return_url=demo(live_server))
    page = page_in(permissions=["clipboard-read", "clipboard-write"])
    open_link(page, live_server, challenge)
    # A real paste from the clipboard, longer than the field's 6 digits before cleaning.
    page.evaluate("() => navigator.clipboard.writeText('482 915')")
    page.focus("#pin1")
    page.keyboard.press("Control+V")
    expect(page.locator("#pin1")).to_have_value("482915")
    page.fill("#pin2", "482-915")  # typed or filled: the same cleaning
    expect(page.locator("#pin2")).to_have_value("482915")
    page.click("#pin-form button[type=submit]")
    expect(page.locator("#step-recovery")).to_be_visible()

    page.click("#choose-email")
    page.fill("#email", "ana@example.com")
    page.click("#email-form button[type=submit]")
    expect(page.locator("#email-code-form")).to_be_visible()
    code = re.search(r"code is (\d{6})", mail.outbox[-1].body).group(1)
    page.evaluate("(text) => navigator.clipboard.writeText(text)", f"{code[:3]}-{code[3:]}")
    page.focus("#email-code")
    page.keyboard.press("Control+V")
    expect(page.locator("#email-code")).to_have_value(code)
    page.click("#email-code-form button[type=submit]")
    assert returned(page)["status"] == ["verified"]
    assert Customer.objects.get(pk=challenge.customer_id).recovery_methods == ["EMAIL"]


def test_a_locked_pin_is_said_up_front_with_the_time_it_unlocks(live_server, page_in):
    customer = customer_make()
    seed_pin(customer, PIN, secrets.token_bytes(32))
    until = timezone.now() + timedelta(minutes=25)
    Customer.objects.filter(pk=customer.pk).update(pin_locked_until=until)
    challenge = challenge_make(customer=customer, return_url=demo(live_server))
    page = page_in()
    page.goto(live_server.url + link_path(challenge))
    expect(page.locator("h1")).to_have_text("Your PIN is locked")
    expect(page.locator("#locked-until")).to_have_text(
        re.compile(rf"^Your PIN is locked until {local_time(until)}\.$")
    )
    expect(page.locator("#unlock-pin")).to_have_count(0)
    assert api_calls(page) == []  # nothing was asked for, nothing was counted
    challenge.refresh_from_db()
    assert challenge.status == "failed" and challenge.result == {"reason": "PIN_LOCKED"}
    page.click("a.button")
    back = returned(page)
    assert back["status"] == ["failed"] and back["challengeId"] == [str(challenge.id)]
    customer.refresh_from_db()
    assert customer.pin_failed_attempts == 0 and customer.pin_locked_until == until


def test_recovery_answers_are_typed_twice_before_anything_is_stored(live_server, page_in):
    challenge = challenge_make(return_url=demo(live_server))
    page = page_in()
    open_link(page, live_server, challenge)
    choose_pin(page)
    sent_before = len(api_calls(page))
    page.click("#choose-questions")
    expect(page.locator("#step-questions")).to_contain_text("only your answers open it")
    for i, (qid, answer) in enumerate(zip(QUESTION_IDS, ANSWERS, strict=True), start=1):
        page.select_option(f"#q{i}", qid)
        page.fill(f"#a{i}", answer)
        page.fill(f"#a{i}c", answer)
    page.fill("#a2c", "Escuela Rizall")  # a typo in the second typing
    page.click("#questions-form button[type=submit]")
    expect(page.locator("#a2c-error")).to_contain_text("do not match")
    expect(page.locator("#a2c")).to_have_attribute("aria-invalid", "true")
    assert len(api_calls(page)) == sent_before  # nothing left the page
    assert not Customer.objects.get(pk=challenge.customer_id).has_recovery
    page.fill(
        "#a2c", "  escuela   RIZAL "
    )  # the same answer as it will be checked: capitals and spaces do not matter
    page.click("#questions-form button[type=submit]")
    assert returned(page)["status"] == ["verified"]
    assert Customer.objects.get(pk=challenge.customer_id).has_recovery


def test_the_new_pages_and_notices_pass_axe(live_server, page_in):
    from .test_browser_accessibility import assert_accessible

    soon = challenge_make(return_url=demo(live_server), expires_in=timedelta(seconds=100))
    page = page_in()
    open_link(page, live_server, soon)
    expect(page.locator("#expiry-warning")).not_to_be_empty()
    assert_accessible(page, "PIN step with the expiry warning and the cancel link")
    page.click("#cancel-form button")
    returned(page)
    page.go_back()  # the closing screen again, staying put this time
    expect(page.locator("h1")).to_have_text("Cancelled")
    assert_accessible(page, "closing screen after cancel")

    customer = customer_make()
    seed_pin(customer, PIN, secrets.token_bytes(32))
    Customer.objects.filter(pk=customer.pk).update(pin_locked_until=timezone.now() + timedelta(minutes=5))
    page = page_in()
    page.goto(live_server.url + link_path(challenge_make(customer=customer, return_url=demo(live_server))))
    expect(page.locator("h1")).to_have_text("Your PIN is locked")
    assert_accessible(page, "locked PIN")

    # The link's page without JavaScript is not audited here: axe runs as a script in the
    # page, and in a context with JavaScript off the run never returns (it hung CI).
