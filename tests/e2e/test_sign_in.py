"""Signing in and out in a real browser."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot


def test_wrong_password_then_sign_in_and_out(page: Page, agent) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    screenshot(page, "sign-in")
    page.get_by_label("Email").fill(agent.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")

    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/tickets")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Tickets")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: url.endswith("/"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
