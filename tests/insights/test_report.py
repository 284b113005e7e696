"""The staff report on conversations held with the real assistant over REST, checked against counts
made directly with SQL on the tracker store's events table."""

import re
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from actions.ask_back import fallback_thresholds, two_close_topics
from insights.collect import collect, iso_week
from insights.render import render_report
from insights.topics import load_topic_names
from privacy.store import open_tracker_store
from tests.conftest import PROJECT_ROOT
from tests.e2e.servers import Assistant
from tests.e2e.test_rest_conversations import TWO_TOPIC_QUESTIONS
from tests.insights.page_text import internal_names_in, page_text

pytestmark = pytest.mark.e2e

CONVERSATIONS = {
    "offer-accepted": ["Was ist Leaky Gut?", "ja"],
    "offer-declined": ["Wie wird Leaky Gut festgestellt?", "nein danke", "Ist das heilbar?"],
    "direct-booking": ["Ich möchte einen Termin vereinbaren"],
    "red-flag": ["Ich habe seit gestern Blut im Stuhl"],
    "off-topic": ["Wie wird das Wetter morgen in Berlin?", "xqzv blorp 0171 2345678 wibble"],
    "buttons": ["/greet", "/what_is_leaky_gut", "/affirm"],
}
# One more: a question the model finds a near-tie between two topics, asked back, and the patient clicks
# the second topic offered.
ALL_CONVERSATIONS, ALL_MESSAGES = len(CONVERSATIONS) + 1, sum(map(len, CONVERSATIONS.values())) + 2


@pytest.fixture(scope="module")
async def near_tie(nlu_agent) -> str:
    """The first of the e2e tests' two-topic questions that the loaded model asks back on."""
    for question in TWO_TOPIC_QUESTIONS:
        parsed = await nlu_agent.parse_message(question)
        if parsed["intent"]["name"] == "nlu_fallback" and two_close_topics(
            parsed["intent_ranking"], *fallback_thresholds()
        ):
            return question
    pytest.fail("none of the two-topic questions is a near-tie for this model: add one")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, model_path: Path, near_tie: str):
    running = Assistant(tmp_path_factory.mktemp("insights")).start()
    senders = {}
    for name, messages in CONVERSATIONS.items():
        senders[name] = f"insights-{name}-{uuid.uuid4().hex[:6]}"
        for message in messages:
            running.say(senders[name], message)
    senders["ask-back"] = f"insights-ask-back-{uuid.uuid4().hex[:6]}"
    [ask_back] = running.say(senders["ask-back"], near_tie)
    running.offered = [button["payload"].lstrip("/") for button in ask_back["buttons"]]
    running.say(senders["ask-back"], ask_back["buttons"][1]["payload"])
    running.near_tie = near_tie
    running.senders = senders
    yield running
    running.stop()


@pytest.fixture(scope="module")
def insights(assistant):
    store = open_tracker_store(assistant.workdir / "endpoints.yml")
    try:
        yield collect(store)
    finally:
        store.engine.dispose()


@pytest.fixture(scope="module")
def topic_names():
    return load_topic_names()


def sql(assistant, query: str) -> list:
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute(query).fetchall()


def sql_value(assistant, query: str) -> int:
    return sql(assistant, query)[0][0]


def test_totals_match_the_events_table(assistant, insights) -> None:
    assert insights.conversations == ALL_CONVERSATIONS
    assert insights.conversations == sql_value(
        assistant, "SELECT COUNT(DISTINCT sender_id) FROM events WHERE type_name = 'user'"
    )
    assert insights.user_messages == sql_value(
        assistant, "SELECT COUNT(*) FROM events WHERE type_name = 'user'"
    )
    assert insights.user_messages == ALL_MESSAGES
    assert insights.average_conversation_length == pytest.approx(ALL_MESSAGES / ALL_CONVERSATIONS)


def test_topics_per_week_match_the_events_table(assistant, insights) -> None:
    rows = sql(assistant, "SELECT timestamp, intent_name FROM events WHERE type_name = 'user'")
    expected = {}
    for timestamp, intent in rows:
        week = expected.setdefault(iso_week(timestamp), {})
        week[intent] = week.get(intent, 0) + 1
    assert {week: dict(figures.topics) for week, figures in insights.weeks.items()} == expected
    assert insights.topics["what_is_leaky_gut"] >= 2 and insights.topics["book_appointment"] >= 1


def test_channel_shares_match_the_events_table(assistant, insights) -> None:
    rows = sql(
        assistant,
        "SELECT json_extract(data, '$.input_channel'), COUNT(*) FROM events "
        "WHERE type_name = 'user' GROUP BY 1",
    )
    assert dict(insights.channels) == dict(rows) == {"rest": ALL_MESSAGES}


def test_fallback_out_of_scope_and_red_flags_match_the_events_table(assistant, insights) -> None:
    weeks = insights.weeks.values()
    assert sum(w.out_of_scope for w in weeks) == sql_value(
        assistant, "SELECT COUNT(*) FROM events WHERE type_name = 'user' AND intent_name = 'out_of_scope'"
    )
    assert sum(w.fallbacks for w in weeks) == sql_value(
        assistant, "SELECT COUNT(*) FROM events WHERE type_name = 'user' AND intent_name = 'nlu_fallback'"
    )
    assert sum(w.out_of_scope + w.fallbacks for w in weeks) >= 2, (
        "both off-topic messages count as unanswered"
    )
    assert (
        sum(w.red_flag_answers for w in weeks)
        == sql_value(assistant, "SELECT COUNT(*) FROM events WHERE action_name = 'utter_red_flag'")
        == 1
    )
    unanswered = dict(insights.unanswered)
    assert "xqzv blorp [Telefonnummer entfernt] wibble" in unanswered
    assert all("2345678" not in text for text in unanswered)


def test_booking_funnel_matches_the_events_table(assistant, insights) -> None:
    offered = sql_value(
        assistant, "SELECT COUNT(DISTINCT sender_id) FROM events WHERE action_name = 'utter_offer_booking'"
    )
    requested = sql_value(
        assistant, "SELECT COUNT(DISTINCT sender_id) FROM events WHERE action_name = 'action_send_to_booking'"
    )
    accepted = sql_value(
        assistant,
        """
        SELECT COUNT(DISTINCT sender_id) FROM (
            SELECT sender_id, type_name, intent_name,
                   LAG(action_name) OVER (PARTITION BY sender_id ORDER BY id) AS previous_action
            FROM events WHERE type_name = 'user' OR (type_name = 'action' AND action_name != 'action_listen'))
        WHERE type_name = 'user' AND intent_name = 'affirm' AND previous_action = 'utter_offer_booking'""",
    )
    assert (insights.offered_booking, insights.accepted_offer, insights.requested_booking) == (
        offered,
        accepted,
        requested,
    )
    # The topic chosen after the ask-back may end with an offer of its own.
    assert (accepted, requested) == (2, 3) and offered in (3, 4)


def test_the_ask_back_and_the_choice_match_the_events_table(assistant, insights, topic_names) -> None:
    asked_back = sql(
        assistant,
        "SELECT sender_id FROM events WHERE type_name = 'bot' "
        "AND json_extract(data, '$.metadata.utter_action') = 'utter_ask_back'",
    )
    assert asked_back == [(assistant.senders["ask-back"],)]
    assert sum(week.asked_back for week in insights.weeks.values()) == 1
    fallbacks = sum(week.fallbacks for week in insights.weeks.values())
    assert sum(week.not_understood for week in insights.weeks.values()) == fallbacks - 1
    first, second = assistant.offered
    [(offered, figures)] = insights.ask_backs.items()
    assert offered == tuple(sorted([first, second]))
    assert (figures.asked, dict(figures.chosen), figures.typed_other, figures.left) == (1, {second: 1}, 0, 0)
    assert assistant.near_tie not in dict(insights.unanswered)  # a topic was chosen: answered
    text = page_text(render_report(insights, topic_names))
    assert f"1 × {topic_names.name(second)}" in text and f"0 × {topic_names.name(first)}" in text
    assert assistant.near_tie not in text


def test_html_is_self_contained_and_holds_no_sender_ids(assistant, insights, topic_names) -> None:
    page = render_report(insights, topic_names)
    assert page.count("<svg") >= 5
    resources = re.findall(
        r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|@import|url\(\s*["']?(?:https?:)?//""",
        page,
        re.IGNORECASE,
    )
    assert resources == []
    assert "<script" not in page.lower()
    assert all(sender not in page for sender in assistant.senders.values())
    assert "insights-" not in page and "2345678" not in page


def test_topics_are_named_as_on_the_buttons_and_no_intent_name_shows(
    assistant, insights, topic_names
) -> None:
    stored_intents = {
        intent
        for (intent,) in sql(assistant, "SELECT DISTINCT intent_name FROM events WHERE type_name = 'user'")
    }
    assert {"what_is_leaky_gut", "book_appointment", "red_flag", "affirm"} <= stored_intents
    text = page_text(render_report(insights, topic_names))
    assert internal_names_in(text, topic_names.names) == []
    for intent in stored_intents:
        assert topic_names.name(intent) in text, intent
    assert "Was ist Leaky Gut?" in text and "Termin vereinbaren" in text and "Warnzeichen" in text


def test_make_report_writes_the_file(assistant, tmp_path: Path) -> None:
    out = tmp_path / "insights.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "insights",
            "--endpoints",
            str(assistant.workdir / "endpoints.yml"),
            "--out",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": "/usr/bin:/bin",
            "RASA_TELEMETRY_ENABLED": "false",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == f"report: {ALL_CONVERSATIONS} conversations, written to {out}"
    page = out.read_text(encoding="utf-8")
    assert f"{ALL_CONVERSATIONS} Gespräche, {ALL_MESSAGES} Nachrichten" in page
    assert "Was ist Leaky Gut?" in page_text(page)
    assert internal_names_in(page_text(page), load_topic_names().names) == []


def test_the_report_links_to_the_review_page_and_counts_reviewed_messages_per_week(
    insights, topic_names
) -> None:
    page = render_report(
        insights,
        topic_names,
        reviewed_per_week={"2026-W48": 3, "2026-W49": 1},
        review_url="http://127.0.0.1:8081/",
    )
    assert '<a href="http://127.0.0.1:8081/">Nachrichten prüfen</a>' in page
    text = page_text(page)
    assert "Geprüfte Nachrichten pro Woche" in text
    assert re.search(r"2026-W48\s+3", text) and re.search(r"2026-W49\s+1", text)
