"""A messenger platform whose send API does not answer delays only its own conversations.

Real Rasa and action servers with the Facebook, WhatsApp and Telegram channels enabled, pointed at a
local stand-in for the platforms' send APIs that accepts requests and answers none until told to.
Before the outbox (channels/outbox.py), each reply waited for the platform inside the message turn
(addons/message_order.py), and a REST reply to another patient took 29 s.
"""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Dict, List

import pytest

from tests.e2e.servers import Assistant
from tests.e2e.test_messengers import (
    PLATFORMS,
    Facebook,
    messenger_env,
    post,
    stored_bot_texts,
    wait_until_nothing_more_is_sent,
)

pytestmark = pytest.mark.e2e

QUESTIONS = ("Was ist Leaky Gut?", "Wie wird es festgestellt?")  # each answered with buttons
REST_MESSAGES = 20


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, model_path, platforms):
    running = Assistant(tmp_path_factory.mktemp("messenger-outbox"), extra_env=messenger_env(platforms.url))
    running.start(timeout=300)
    yield running
    running.stop()


def p95(seconds: List[float]) -> float:
    return statistics.quantiles(seconds, n=20, method="inclusive")[18]


def as_one_text(texts: List[str]) -> str:
    """Texts in order, whitespace evened out (a long text may be sent in several parts)."""
    return " ".join(" ".join(texts).split())


def test_a_hanging_platform_delays_neither_its_webhooks_nor_other_patients(assistant, platforms) -> None:
    assistant.say(f"warm-up-{uuid.uuid4().hex[:8]}", "Hallo")  # the first message of a process is slower
    conversations: Dict[Facebook, str] = {platform: platform.new_sender() for platform in PLATFORMS}
    webhook_seconds: List[float] = []
    rest_seconds: List[float] = []
    platforms.hang()
    try:
        for question in QUESTIONS:
            for platform, sender in conversations.items():
                started = time.monotonic()
                response = post(assistant, platform, platform.text(sender, question))
                webhook_seconds.append(time.monotonic() - started)
                assert response.status_code == 200, response.text
        # every conversation's first reply is at the platform, unanswered, and the rest waits behind it
        platforms.wait_for(lambda: platforms.hanging >= len(conversations))
        for n in range(REST_MESSAGES):
            started = time.monotonic()
            assert assistant.say(f"rest-{uuid.uuid4().hex[:8]}-{n}", "Was ist Leaky Gut?")
            rest_seconds.append(time.monotonic() - started)
        assert not any(platforms.sent_to(sender) for sender in conversations.values())
    finally:
        platforms.answer_again()
    print(
        f"\nwhile the platforms hang: REST p95 {p95(rest_seconds) * 1000:.0f} ms over {REST_MESSAGES} "
        f"messages, messenger webhooks at most {max(webhook_seconds) * 1000:.0f} ms"
    )
    assert p95(rest_seconds) < 1.0, rest_seconds  # 250 ms on a quiet machine; 1 s leaves room for CI noise
    assert max(webhook_seconds) < 2.0, webhook_seconds  # the old send timeout alone was 15 s

    for platform, sender in conversations.items():
        uttered = stored_bot_texts(assistant, sender)
        assert len(uttered) >= len(QUESTIONS)
        platforms.wait_for(lambda: len(platform.replies(platforms.sent_to(sender))) >= len(uttered))
        wait_until_nothing_more_is_sent(platforms, sender)
        delivered = [reply.text for reply in platform.replies(platforms.sent_to(sender))]
        assert as_one_text(delivered) == as_one_text(uttered), f"{platform.name}: lost or out of order"


def test_stopping_the_server_abandons_unsent_replies_with_a_log_line(assistant, platforms) -> None:
    """Runs last in this module: it stops the module's Rasa server."""
    facebook = Facebook()
    sender = facebook.new_sender()
    platforms.hang()
    try:
        assert post(assistant, facebook, facebook.text(sender, "Ich habe Blut im Stuhl")).status_code == 200
        platforms.wait_for(lambda: platforms.hanging >= 1)
        started = time.monotonic()
        assistant.rasa.stop()  # SIGTERM; SIGKILL after 20 s would leave no log line
        stop_seconds = time.monotonic() - started
    finally:
        platforms.answer_again()
    log = assistant.rasa.log()
    print(f"\nstopped in {stop_seconds:.1f} s with replies pending")
    assert "facebook: server stopping" in log and "abandoned" in log
    assert "Blut im Stuhl" not in log and sender not in log
    assert stop_seconds < 15
