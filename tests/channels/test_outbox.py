"""The outbox (channels/outbox.py): order per conversation, retries, the bound, shutdown, and that sends
never hold the message turn. Sends go to the real send API code (post_json) and a local stand-in API."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import List

import pytest

from addons.message_order import _current_turn, turn
from channels.messenger_common import post_json
from channels.outbox import DELIVERED, Outbox, Outcome, RetryPolicy, try_again
from tests.channels.platform_standin import PlatformStandIn

QUICK = RetryPolicy(first_pause=0.01, longest_pause=0.05)
SECRET_TEXT = "Ich habe seit Tagen Bauchschmerzen"  # must never reach a log line


def facebook_send(platforms: PlatformStandIn, recipient: str, text: str, timeout: float = 5):
    url = f"{platforms.url}/v19.0/me/messages"
    payload = {"recipient": {"id": recipient}, "messaging_type": "RESPONSE", "message": {"text": text}}
    return lambda: post_json(url, payload, params={"access_token": "t"}, platform="facebook", timeout=timeout)


def texts_sent_to(platforms: PlatformStandIn, recipient: str) -> List[str]:
    return [r.body["message"]["text"] for r in platforms.sent_to(recipient)]


def recipient(name: str) -> str:
    return f"{name}-{time.monotonic_ns()}"  # the stand-in is shared by the module's tests


async def test_sends_of_a_conversation_arrive_in_the_order_they_were_put(platforms) -> None:
    box, patient = Outbox(policy=QUICK), recipient("order")
    for n in range(5):
        box.put("facebook", patient, facebook_send(platforms, patient, f"Teil {n}"))
    assert texts_sent_to(platforms, patient) == []  # put returns before anything is sent
    await box.wait_until_empty()
    assert texts_sent_to(platforms, patient) == [f"Teil {n}" for n in range(5)]
    assert box.pending("facebook") == 0


async def test_a_blocked_conversation_delays_only_itself() -> None:
    box, released, delivered = Outbox(policy=QUICK), asyncio.Event(), []

    def send(label: str, wait: bool = False):
        async def attempt() -> Outcome:
            if wait:
                await released.wait()
            delivered.append(label)
            return DELIVERED

        return attempt

    box.put("facebook", "blocked", send("blocked 1", wait=True))
    box.put("facebook", "blocked", send("blocked 2"))
    box.put("facebook", "other", send("other 1"))
    await asyncio.sleep(0.05)
    assert delivered == ["other 1"]
    released.set()
    await box.wait_until_empty()
    assert delivered == ["other 1", "blocked 1", "blocked 2"]


async def test_5xx_and_429_are_retried_and_the_next_send_waits_its_turn(platforms) -> None:
    box, patient = Outbox(policy=QUICK), recipient("retry")
    received_before = platforms.received
    platforms.fail_next(1, 503)
    platforms.fail_next(1, 429)
    box.put("facebook", patient, facebook_send(platforms, patient, "erste Antwort"))
    box.put("facebook", patient, facebook_send(platforms, patient, "zweite Antwort"))
    await box.wait_until_empty()
    assert texts_sent_to(platforms, patient) == ["erste Antwort", "zweite Antwort"]
    assert platforms.received - received_before == 4


async def test_other_4xx_is_final_and_the_conversation_goes_on(platforms, caplog) -> None:
    box, patient = Outbox(policy=QUICK), recipient("refused")
    received_before = platforms.received
    platforms.fail_next(1, 400)
    box.put("facebook", patient, facebook_send(platforms, patient, SECRET_TEXT))
    box.put("facebook", patient, facebook_send(platforms, patient, "danach"))
    with caplog.at_level(logging.INFO):
        await box.wait_until_empty()
    assert texts_sent_to(platforms, patient) == ["danach"]
    assert platforms.received - received_before == 2
    assert "given up after 1 attempt" in caplog.text and "HTTP 400" in caplog.text
    assert SECRET_TEXT not in caplog.text and patient not in caplog.text


async def test_a_timed_out_send_is_tried_again_once_the_platform_answers(platforms) -> None:
    box, patient = Outbox(policy=QUICK), recipient("timeout")
    platforms.hang()
    try:
        box.put("facebook", patient, facebook_send(platforms, patient, "nach dem Ausfall", timeout=0.2))
        await asyncio.sleep(0.7)  # a few attempts time out meanwhile
        assert box.pending("facebook") == 1 and texts_sent_to(platforms, patient) == []
    finally:
        platforms.answer_again()
    await asyncio.wait_for(box.wait_until_empty(), 5)
    assert texts_sent_to(platforms, patient) == ["nach dem Ausfall"]  # once: timed-out tries were not taken


async def test_a_send_is_given_up_after_the_policy_allows_and_logged_without_text(caplog) -> None:
    box = Outbox(policy=RetryPolicy(first_pause=0.01, longest_pause=0.02, give_up_after=0.1))
    attempts, delivered = [], []

    async def never_taken() -> Outcome:
        attempts.append(SECRET_TEXT)
        return try_again()

    async def next_one() -> Outcome:
        delivered.append("next")
        return DELIVERED

    box.put("whatsapp", "4915100000001", never_taken)
    box.put("whatsapp", "4915100000001", next_one)
    with caplog.at_level(logging.WARNING):
        await asyncio.wait_for(box.wait_until_empty(), 5)
    assert len(attempts) > 1 and delivered == ["next"]
    assert "whatsapp: a send was given up" in caplog.text
    assert SECRET_TEXT not in caplog.text and "4915100000001" not in caplog.text


def test_pauses_grow_up_to_a_limit_and_respect_the_platform_wait() -> None:
    policy = RetryPolicy(first_pause=1, longest_pause=8)
    assert 0.5 <= policy.pause(1) <= 1 and 1 <= policy.pause(2) <= 2 and 2 <= policy.pause(3) <= 4
    assert all(4 <= policy.pause(n) <= 8 for n in range(4, 30))
    assert policy.pause(1, retry_after=5) == 5
    assert policy.pause(1, retry_after=3600) == 8  # a platform's wait is capped too


async def test_webhooks_have_room_until_a_platform_has_capacity_sends_waiting() -> None:
    box, released = Outbox(capacity=3, policy=QUICK), asyncio.Event()

    async def held() -> Outcome:
        await released.wait()
        return DELIVERED

    for n in range(3):
        assert box.has_room("telegram")
        box.put("telegram", f"chat-{n}", held)
    assert not box.has_room("telegram") and box.has_room("facebook")
    box.put("telegram", "chat-0", held)  # the replies of an admitted message are still queued
    assert box.pending("telegram") == 4
    released.set()
    await box.wait_until_empty()
    assert box.has_room("telegram") and box.pending("telegram") == 0


async def test_closing_tries_waiting_sends_at_once_and_abandons_what_hangs(caplog) -> None:
    box = Outbox(policy=RetryPolicy(first_pause=60, longest_pause=60))
    attempts, hangs, delivered = [], asyncio.Event(), []

    async def taken_on_second_try() -> Outcome:
        attempts.append("attempt")
        if len(attempts) == 1:
            return try_again()
        delivered.append("second try")
        return DELIVERED

    async def never_answers() -> Outcome:
        await hangs.wait()
        return DELIVERED

    box.put("facebook", "waiting-for-retry", taken_on_second_try)
    box.put("telegram", "hanging", never_answers)
    box.put("telegram", "hanging", never_answers)
    await asyncio.sleep(0.05)  # the first send failed and waits a minute for its retry
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        await box.close(flush_seconds=0.3)
    assert time.monotonic() - started < 2
    assert delivered == ["second try"]
    assert "telegram: server stopping, 2 send(s)" in caplog.text
    assert "facebook: server stopping" not in caplog.text
    assert not box.has_room("facebook")
    box.put("facebook", "late", taken_on_second_try)  # after the close: dropped with a log line, not started
    assert box.pending("facebook") == 0 and "after the outbox closed" in caplog.text


async def test_a_hanging_send_does_not_hold_the_message_turn() -> None:
    box, released, seen_turns = Outbox(policy=QUICK), asyncio.Event(), []

    async def hanging() -> Outcome:
        seen_turns.append(_current_turn.get())
        await released.wait()
        return DELIVERED

    async with turn():
        box.put("facebook", "patient-a", hanging)
    await asyncio.sleep(0.01)  # the sender runs now, while the platform does not answer

    async def next_message() -> None:
        async with turn():
            pass

    await asyncio.wait_for(next_message(), 1)  # another patient's message gets the turn at once
    assert seen_turns == [None]  # the sender is not part of the message that queued it
    released.set()
    await box.wait_until_empty()


@pytest.fixture(autouse=True)
def no_send_failures_left(platforms):
    yield
    platforms.answer_again()
