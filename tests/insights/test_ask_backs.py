"""Ask-backs in the staff report, on conversations stored as Rasa stores them: `action_ask_back` runs in
the real action server through Rasa's RemoteAction, answers come from the project's NLG, the events go
into the project's tracker store (SQLite), and the report's figures are checked against SQL on its
events table.

The trained model is not used: which message the NLU finds ambiguous depends on its training, so each
message brings the parse data Rasa's FallbackClassifier would give it, and the turns are logged in the
order Rasa's MessageProcessor logs them (the action, then its events, then action_listen). That way every
kind of reply can be stored on purpose; test_report.py holds one ask-back with the real Rasa server.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import pytest
from rasa.core.actions.action import action_for_name_or_text
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.generator import NaturalLanguageGenerator
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from actions.ask_back import ASK_BACK_RESPONSE, fallback_thresholds, two_close_topics
from insights.collect import ASK_BACK_RESPONSE as COUNTED_RESPONSE
from insights.collect import Insights, collect
from insights.render import render_report
from insights.topics import DEFAULT_DOMAIN, TopicNames, load_topic_names
from privacy.store import open_tracker_store
from tests.e2e.servers import Assistant, wait_for_http
from tests.insights.page_text import internal_names_in, page_text

pytestmark = pytest.mark.e2e  # starts the real action server

WEEK_48 = 1795824000.0  # Monday 2026-11-23
WEEK_49 = WEEK_48 + 7 * 86400
LATER_SESSION = 3 * 3600.0  # longer than session_expiration_time in domain.yml

# (intent, confidence) as the FallbackClassifier leaves them: nlu_fallback first, then the NLU's ranking.
NEAR_TIE = [("holistic_view", 0.41), ("causes", 0.40), ("treatment", 0.05)]
NEAR_TIE_REVERSED = [("causes", 0.42), ("holistic_view", 0.41), ("diagnosis", 0.04)]
OTHER_NEAR_TIE = [("diagnosis", 0.38), ("treatment", 0.37), ("causes", 0.06)]
NO_TIE = [("causes", 0.22), ("treatment", 0.03)]

STRESS = "Was hat Stress mit dem Darm zu tun?"
TYPED_CHOICE = "die Ursachen bitte"
TEST_AND_THERAPY = "Wie geht Test und Therapie bei mir?"
LEFT_AFTER_ASK_BACK = "Test oder Therapie, was zuerst?"
CAME_BACK_LATER = "Befund und Behandlung 0171 2345678"
NOT_UNDERSTOOD = "xqzv blorp wibble"


class Conversation:
    """One sender's turns on a real tracker, answered by the real actions, logged as Rasa logs them."""

    def __init__(self, sender: str, start: float, parts: "Parts") -> None:
        self.parts = parts
        self.tracker = DialogueStateTracker.from_events(sender, [], parts.domain.slots)
        self.clock = start

    def _log(self, *events: Event) -> None:
        for event in events:
            event.timestamp = self.clock  # the weeks of the report
            self.clock += 1.0
            self.tracker.update(event, self.parts.domain)

    def new_session(self, after: float = 0.0) -> "Conversation":
        self.clock += after
        self._log(
            ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)
        )
        return self

    def says(self, text: str, intent: str, ranking: Sequence[Tuple[str, float]] = ()) -> "Conversation":
        confidence = 1.0 if text.startswith("/") else 0.9
        if intent == "nlu_fallback":
            confidence = fallback_thresholds()[0]
        best = {"name": intent, "confidence": confidence}
        ranked = [best, *({"name": name, "confidence": value} for name, value in ranking)]
        parse_data = {"text": text, "intent": best, "entities": [], "intent_ranking": ranked}
        self._log(UserUttered(text, best, [], parse_data, input_channel="rest", message_id=uuid.uuid4().hex))
        return self

    async def answered_by(self, *actions: str) -> "Conversation":
        for name in actions:
            action = action_for_name_or_text(name, self.parts.domain, self.parts.action_endpoint)
            events = await action.run(
                CollectingOutputChannel(), self.parts.nlg, self.tracker, self.parts.domain
            )
            self._log(ActionExecuted(name, policy="RulePolicy", confidence=1.0), *events)
        self._log(ActionExecuted(ACTION_LISTEN_NAME, policy="RulePolicy", confidence=1.0))
        return self


class Parts:
    """The domain, the NLG and the action endpoint from the endpoints.yml the Rasa server would read."""

    def __init__(self, workdir: Path) -> None:
        self.endpoints = workdir / "endpoints.yml"
        self.domain = Domain.load(str(DEFAULT_DOMAIN))
        self.nlg = NaturalLanguageGenerator.create(
            read_endpoint_config(str(self.endpoints), "nlg"), self.domain
        )
        self.action_endpoint: EndpointConfig = read_endpoint_config(str(self.endpoints), "action_endpoint")


async def hold_conversations(parts: Parts) -> Dict[str, DialogueStateTracker]:
    held: Dict[str, Conversation] = {}

    def conversation(name: str, start: float) -> Conversation:
        held[name] = Conversation(f"ask-back-{name}-{uuid.uuid4().hex[:6]}", start, parts).new_session()
        return held[name]

    # Week 48. A near tie, the patient clicks the first topic offered.
    chose_first = conversation("clicked", WEEK_48)
    await chose_first.says(STRESS, "nlu_fallback", NEAR_TIE).answered_by("action_ask_back")
    await chose_first.says("/holistic_view", "holistic_view").answered_by(
        "utter_holistic_view", "utter_offer_booking"
    )
    # The same two topics offered the other way round; the patient types the other one.
    chose_other = conversation("typed", WEEK_48 + 3600)
    await chose_other.says(STRESS, "nlu_fallback", NEAR_TIE_REVERSED).answered_by("action_ask_back")
    await chose_other.says(TYPED_CHOICE, "causes").answered_by("action_explain_causes")
    # Two other topics; the patient asks for an appointment instead.
    something_else = conversation("something-else", WEEK_48 + 7200)
    await something_else.says(TEST_AND_THERAPY, "nlu_fallback", OTHER_NEAR_TIE).answered_by("action_ask_back")
    await something_else.says("Ich möchte einen Termin", "book_appointment").answered_by(
        "action_send_to_booking"
    )
    # No two topics close: "nicht verstanden" with the topic menu.
    not_understood = conversation("not-understood", WEEK_48 + 9000)
    await not_understood.says(NOT_UNDERSTOOD, "nlu_fallback", NO_TIE).answered_by("action_ask_back")

    # Week 49. Asked back, and the patient leaves.
    left = conversation("left", WEEK_49)
    await left.says(LEFT_AFTER_ASK_BACK, "nlu_fallback", OTHER_NEAR_TIE).answered_by("action_ask_back")
    # Asked back; the patient writes again only in a later session, about something else.
    came_back = conversation("came-back", WEEK_49 + 3600)
    await came_back.says(CAME_BACK_LATER, "nlu_fallback", OTHER_NEAR_TIE).answered_by("action_ask_back")
    came_back.new_session(after=LATER_SESSION)
    await came_back.says("/greet", "greet").answered_by("utter_greet")

    return {name: held_conversation.tracker for name, held_conversation in held.items()}


@pytest.fixture(scope="module")
async def stored(tmp_path_factory):
    """The conversations in the tracker store, saved by the project's store as the Rasa server does."""
    servers = Assistant(tmp_path_factory.mktemp("ask-backs"))
    servers.workdir.mkdir(parents=True, exist_ok=True)
    servers.write_endpoints()
    servers.start_action_server()
    try:
        wait_for_http(f"http://127.0.0.1:{servers.action_port}/health", 60, servers.action_server.popen)
        trackers = await hold_conversations(Parts(servers.workdir))
    finally:
        servers.stop_action_server()
    store = open_tracker_store(servers.workdir / "endpoints.yml")
    try:
        for tracker in trackers.values():
            await store.save(tracker)
    finally:
        store.engine.dispose()
    servers.senders = {name: tracker.sender_id for name, tracker in trackers.items()}
    return servers


@pytest.fixture(scope="module")
def insights(stored) -> Insights:
    store = open_tracker_store(stored.workdir / "endpoints.yml")
    try:
        return collect(store)
    finally:
        store.engine.dispose()


@pytest.fixture(scope="module")
def topic_names() -> TopicNames:
    return load_topic_names()


def sql(stored, query: str) -> List[Any]:
    with sqlite3.connect(stored.tracker_db) as db:
        return db.execute(query).fetchall()


def test_the_parse_data_asks_back_where_meant_to() -> None:
    """The conversations above test what they say only if the action decides as its comments say."""
    thresholds = fallback_thresholds()
    assert two_close_topics([{"name": n, "confidence": c} for n, c in NEAR_TIE], *thresholds)
    assert two_close_topics([{"name": n, "confidence": c} for n, c in OTHER_NEAR_TIE], *thresholds)
    assert two_close_topics([{"name": n, "confidence": c} for n, c in NO_TIE], *thresholds) is None
    assert COUNTED_RESPONSE == ASK_BACK_RESPONSE


def test_rasa_stores_the_ask_back_with_its_response_name_and_the_topics_as_buttons(stored) -> None:
    rows = sql(
        stored,
        "SELECT json_extract(data, '$.data.buttons') FROM events WHERE type_name = 'bot' "
        "AND json_extract(data, '$.metadata.utter_action') = 'utter_ask_back' ORDER BY id",
    )
    assert len(rows) == 5
    payloads = {tuple(sorted(b["payload"] for b in json.loads(r))) for (r,) in rows}
    assert payloads == {("/causes", "/holistic_view"), ("/diagnosis", "/treatment")}
    not_understood = sql(
        stored,
        "SELECT COUNT(*) FROM events WHERE type_name = 'bot' "
        "AND json_extract(data, '$.metadata.utter_action') = 'utter_default'",
    )
    assert not_understood == [(1,)]


def test_ask_backs_and_not_understood_per_week(stored, insights) -> None:
    week_48, week_49 = insights.weeks["2026-W48"], insights.weeks["2026-W49"]
    assert (week_48.asked_back, week_48.not_understood, week_48.fallbacks) == (3, 1, 4)
    assert (week_49.asked_back, week_49.not_understood, week_49.fallbacks) == (2, 0, 2)
    asked_in_sql = sql(
        stored,
        "SELECT COUNT(*) FROM events WHERE json_extract(data, '$.metadata.utter_action') = 'utter_ask_back'",
    )[0][0]
    assert sum(week.asked_back for week in insights.weeks.values()) == asked_in_sql


def test_which_topic_the_patients_chose_per_pair_of_topics(insights) -> None:
    stress = insights.ask_backs[("causes", "holistic_view")]  # offered in either order: one pair
    assert (stress.asked, dict(stress.chosen), stress.typed_other, stress.left) == (
        2,
        {"holistic_view": 1, "causes": 1},
        0,
        0,
    )
    other = insights.ask_backs[("diagnosis", "treatment")]
    # An appointment request typed instead; left; came back only in a later session.
    assert (other.asked, dict(other.chosen), other.typed_other, other.left) == (3, {}, 1, 2)
    assert set(insights.ask_backs) == {("causes", "holistic_view"), ("diagnosis", "treatment")}


def test_an_ask_back_is_unanswered_unless_a_topic_was_chosen(insights) -> None:
    unanswered = dict(insights.unanswered)
    assert STRESS not in unanswered  # asked back twice, a topic chosen both times
    assert {TEST_AND_THERAPY, LEFT_AFTER_ASK_BACK, NOT_UNDERSTOOD} <= set(unanswered)
    assert "Befund und Behandlung [Telefonnummer entfernt]" in unanswered
    assert len(unanswered) == 4


def test_the_page_names_the_offered_topics_in_german_and_shows_no_intent_or_sender(
    stored, insights, topic_names
) -> None:
    page = render_report(insights, topic_names)
    text = page_text(page)
    assert internal_names_in(text, topic_names.names) == []
    stress_pair = sorted([topic_names.name("holistic_view"), topic_names.name("causes")], key=str.casefold)
    assert f"„{stress_pair[0]}“ oder „{stress_pair[1]}“" in text
    assert f"1 × {stress_pair[0]}, 1 × {stress_pair[1]}" in text
    other_pair = sorted([topic_names.name("diagnosis"), topic_names.name("treatment")], key=str.casefold)
    assert f"0 × {other_pair[0]}, 0 × {other_pair[1]}" in text
    assert "5 Rückfragen; nach 2 davon (40 %)" in text
    # Week 48: 7 messages, 3 ask-backs, 1 not understood, none off-topic.
    assert "2026-W48\n7\n3 (43 %)\n1 (14 %)\n0 (0 %)" in text
    for sender in stored.senders.values():
        assert sender not in page
    for shown_nowhere in (STRESS, TYPED_CHOICE, "2345678"):
        assert shown_nowhere not in page
