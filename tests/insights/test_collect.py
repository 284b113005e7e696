"""The report's definitions on hand-made event sequences (no servers)."""

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
