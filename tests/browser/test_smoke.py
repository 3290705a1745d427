"""The sign-in page renders in a real browser and refuses a wrong password."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_wrong_password_is_refused(live_server, page, world) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.alice.email)
    page.fill("input[name=password]", "not the password")
    page.click(".login-card button[type=submit]")
    assert "/login/" in page.url
    assert page.locator(".errorlist").count() == 1
