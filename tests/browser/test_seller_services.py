"""The seller portal's "Your Services" page in Chromium (issue 17): a seller who
may not opt in sees why; an enrolled seller cannot opt out without ticking the
confirmation under the seed's warning, opts out, and opts in again
("Activating"); the history shows who and when."""

from __future__ import annotations

from datetime import datetime, timezone

from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, screenshot
from tests.browser.pages import login

SELLER = ("seller-d", "S-400")  # demo: invited, enrolled since October
NOT_PROFESSIONAL = ("seller-e", "S-500")  # demo: invited, not a professional seller


def _account(database_url: str, account: tuple[str, str]) -> None:
    from bot.adapters.db import make_engine, session_scope
    from bot.services.users import add_user

    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            add_user(session, username=account[0], password=PASSWORD, role="seller",
                     seller_id=account[1], language="en", now=datetime.now(timezone.utc))  # fmt: skip
    finally:
        engine.dispose()


def test_a_seller_who_may_not_opt_in_sees_why(new_page, web_stack):
    _account(web_stack.database_url, NOT_PROFESSIONAL)
    page = new_page()
    login(page, NOT_PROFESSIONAL[0])
    page.click("nav.topnav a[href='/seller/services']")
    expect(page.locator("#csba-service")).to_have_attribute("data-state", "not_enrolled")
    expect(page.locator("#opt-in-refusal")).to_have_text(
        "You cannot opt in: CSBA requires a Professional Seller account."
    )
    expect(page.locator(".invitation-only")).to_contain_text("invitation-only basis")
    expect(page.locator(".opt-in-form")).to_have_count(0)
    screenshot(page, "services-0-not-eligible")


def test_a_seller_opts_out_with_the_warning_and_opts_in_again(new_page, web_stack):
    _account(web_stack.database_url, SELLER)
    page = new_page()
    login(page, SELLER[0])
    page.click("nav.topnav a[href='/seller/services']")
    service = page.locator("#csba-service")
    expect(service).to_have_attribute("data-state", "active")
    expect(page.locator("#enrollment-history tr.period")).to_have_count(1)
    screenshot(page, "services-1-active")

    # the warning, and no opt-out without the confirmation
    expect(page.locator("#opt-out-warning")).to_contain_text(
        "you will need to handle all customer inquiries for any new self-fulfilled orders"
    )
    page.click(".opt-out-form button[type=submit]")
    expect(service).to_have_attribute("data-state", "active")  # the box is required
    page.check(".opt-out-form input[name=confirm]")
    page.click(".opt-out-form button[type=submit]")
    expect(page.locator(".notice")).to_have_text("You opted out of CSBA. We emailed you the details.")
    expect(service).to_have_attribute("data-state", "not_enrolled")
    expect(page.locator("#enrollment-history tr.period").first).to_contain_text(SELLER[0])
    screenshot(page, "services-2-opted-out")

    page.click(".opt-in-form button[type=submit]")
    expect(page.locator(".notice")).to_have_text("You opted in to CSBA. We emailed you the details.")
    expect(service).to_have_attribute("data-state", "activating")
    expect(service).to_contain_text("The service starts within an hour")
    expect(page.locator("#enrollment-history tr.period")).to_have_count(2)
    screenshot(page, "services-3-activating")
