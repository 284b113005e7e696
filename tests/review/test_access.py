"""Staff access: a required password, sessions that expire when idle, CSRF tokens, slowed guessing."""

from __future__ import annotations

import pytest

from review.access import (
    FAILED_ATTEMPTS_ALLOWED,
    FAILED_ATTEMPTS_WINDOW,
    Access,
    AccessSetupError,
    csrf_valid,
    staff_password,
)

PASSWORD = "richtig-langes-passwort"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_page_does_not_start_without_a_password_or_with_a_short_one() -> None:
    with pytest.raises(AccessSetupError, match="STAFF_PASSWORD is not set"):
        staff_password({})
    with pytest.raises(AccessSetupError, match="too short"):
        staff_password({"STAFF_PASSWORD": "geheim"})
    assert staff_password({"STAFF_PASSWORD": PASSWORD}) == PASSWORD


def test_a_wrong_password_or_a_missing_name_gives_no_session() -> None:
    access = Access(PASSWORD, session_seconds=60)
    assert access.log_in("Frau Meier", "falsch", "1.2.3.4") is None
    assert access.log_in("   ", PASSWORD, "1.2.3.4") is None
    token = access.log_in("Frau Meier", PASSWORD, "1.2.3.4")
    assert access.session(token).staff == "Frau Meier"


def test_a_session_expires_after_idle_time_and_each_use_extends_it() -> None:
    clock = Clock()
    access = Access(PASSWORD, session_seconds=60, clock=clock)
    token = access.log_in("Team", PASSWORD, "client")
    clock.now += 50
    assert access.session(token) is not None  # used: another 60 seconds
    clock.now += 50
    assert access.session(token) is not None
    clock.now += 61
    assert access.session(token) is None
    assert access.session(token) is None  # forgotten, not revived


def test_logging_out_ends_the_session() -> None:
    access = Access(PASSWORD, session_seconds=60)
    token = access.log_in("Team", PASSWORD, "client")
    access.log_out(token)
    assert access.session(token) is None


def test_each_session_has_its_own_csrf_token_and_a_missing_or_foreign_one_is_refused() -> None:
    access = Access(PASSWORD, session_seconds=60)
    first = access.session(access.log_in("A", PASSWORD, "client"))
    second = access.session(access.log_in("B", PASSWORD, "client"))
    assert csrf_valid(first, first.csrf_token)
    assert not csrf_valid(first, None)
    assert not csrf_valid(first, "")
    assert not csrf_valid(first, second.csrf_token)


def test_repeated_wrong_passwords_block_that_client_for_a_while() -> None:
    clock = Clock()
    access = Access(PASSWORD, session_seconds=60, clock=clock)
    for _ in range(FAILED_ATTEMPTS_ALLOWED):
        assert not access.too_many_failures("attacker")
        access.log_in("x", "falsch", "attacker")
    assert access.too_many_failures("attacker")
    assert not access.too_many_failures("colleague")
    clock.now += FAILED_ATTEMPTS_WINDOW + 1
    assert not access.too_many_failures("attacker")
