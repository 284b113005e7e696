"""The report's definitions on hand-made event sequences (no servers)."""

from typing import Optional

from insights.collect import StoredEvent, aggregate

MONDAY = 1795824000.0  # 2026-11-23, ISO week 2026-W48


def user(conversation: int, intent: str, text: str = "…", at: float = MONDAY) -> StoredEvent:
    return StoredEvent(conversation, "user", at, intent, None, text, "socketio")


def action(conversation: int, name: str, at: float = MONDAY) -> StoredEvent:
    return StoredEvent(conversation, "action", at, None, name, None, None)


def test_an_offer_counts_as_accepted_only_when_the_next_message_affirms_it() -> None:
    insights = aggregate(
        [
            action(0, "utter_offer_booking"),
            user(0, "diagnosis"),
            user(0, "affirm"),  # affirm to something else
            action(1, "utter_offer_booking"),
            action(1, "action_listen"),
            user(1, "affirm"),
            action(1, "action_send_to_booking"),
            user(2, "book_appointment"),
            action(2, "action_send_to_booking"),
        ]
    )
    assert (insights.offered_booking, insights.accepted_offer, insights.requested_booking) == (2, 1, 2)


def test_fallbacks_include_the_core_fallback_and_unanswered_texts_are_masked_and_grouped() -> None:
    insights = aggregate(
        [
            user(0, "causes", "Was kostet das? 0171 2345678"),
            action(0, "action_default_fallback"),
            user(1, "nlu_fallback", "was kostet  das? 0171 7654321"),
            user(1, "out_of_scope", "Wetter?"),
            user(1, "what_is_leaky_gut"),
            action(1, "utter_red_flag", at=MONDAY + 7 * 86400),
        ]
    )
    week = insights.weeks["2026-W48"]
    assert (week.user_messages, week.fallbacks, week.out_of_scope) == (4, 2, 1)
    assert insights.unanswered == [("Was kostet das? [Telefonnummer entfernt]", 2), ("Wetter?", 1)]
    assert insights.weeks["2026-W49"].red_flag_answers == 1
    assert dict(insights.channels) == {"socketio": 4}


def test_conversations_without_user_messages_are_not_counted() -> None:
    insights = aggregate([action(0, "action_session_start"), user(1, "greet"), user(1, "thank")])
    assert (insights.conversations, insights.average_conversation_length) == (1, 2.0)


def ask_back(conversation: int, *offered: str) -> StoredEvent:
    return StoredEvent(conversation, "bot", MONDAY, None, None, None, None, "utter_ask_back", offered)


def bot(conversation: int, response: Optional[str]) -> StoredEvent:
    return StoredEvent(conversation, "bot", MONDAY, None, None, None, None, response, ())


def test_a_fallback_is_an_ask_back_or_not_understood_and_replies_count_per_pair_of_topics() -> None:
    insights = aggregate(
        [
            user(0, "nlu_fallback", "Stress und Darm?"),
            action(0, "action_ask_back"),
            ask_back(0, "holistic_view", "causes"),
            action(0, "action_listen"),
            user(0, "holistic_view", "/holistic_view"),
            user(1, "nlu_fallback", "Stress und Darm, wieso?"),
            action(1, "action_ask_back"),
            ask_back(1, "causes", "holistic_view"),  # the same topics in the other order
            user(1, "causes", "Ursachen"),  # typed, not clicked: chosen all the same
            user(2, "nlu_fallback", "Test oder Therapie?"),
            ask_back(2, "diagnosis", "treatment"),
            user(2, "holistic_view", "/holistic_view"),  # a button of another answer: not an offered topic
            user(3, "nlu_fallback", "Diagnose oder Behandlung?"),
            ask_back(3, "diagnosis", "treatment"),
            action(3, "action_listen"),
            action(3, "action_session_start"),  # back after the session expired: no reply
            user(3, "greet", "Hallo"),
            user(4, "nlu_fallback", "blorp"),
            action(4, "action_ask_back"),
            bot(4, "utter_default"),
            user(5, "causes", "Woher kommt das?"),
            action(5, "action_default_fallback"),
            bot(5, "utter_default"),
            user(6, "nlu_fallback", "Test oder Behandlung??"),
            ask_back(6, "treatment", "diagnosis"),
        ]
    )
    week = insights.weeks["2026-W48"]
    assert (week.fallbacks, week.asked_back, week.not_understood) == (7, 5, 2)
    stress = insights.ask_backs[("causes", "holistic_view")]
    assert (stress.asked, dict(stress.chosen), stress.typed_other, stress.left) == (
        2,
        {"holistic_view": 1, "causes": 1},
        0,
        0,
    )
    other = insights.ask_backs[("diagnosis", "treatment")]
    assert (other.asked, dict(other.chosen), other.typed_other, other.left) == (3, {}, 1, 2)
    assert dict(insights.unanswered) == {
        "Test oder Therapie?": 1,
        "Diagnose oder Behandlung?": 1,
        "blorp": 1,
        "Woher kommt das?": 1,
        "Test oder Behandlung??": 1,
    }


def test_bot_messages_change_no_other_figure() -> None:
    insights = aggregate(
        [
            action(0, "utter_offer_booking"),
            bot(0, "utter_offer_booking"),
            action(0, "action_listen"),
            user(0, "affirm"),
            action(0, "action_send_to_booking"),
            bot(0, None),
        ]
    )
    assert (insights.user_messages, insights.offered_booking, insights.accepted_offer) == (1, 1, 1)
    assert insights.ask_backs == {} and insights.weeks["2026-W48"].asked_back == 0
