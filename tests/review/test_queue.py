"""The review queue built from stored events: which messages, grouped how, in which order."""

from __future__ import annotations

from typing import List, Tuple

from insights.collect import ACTION, BOT, USER, StoredEvent
from review.queue import (
    ASKED_BACK,
    LOW_CONFIDENCE,
    NOT_UNDERSTOOD,
    OUT_OF_SCOPE,
    build_queue,
    group_id,
    normalise,
)

LOW = 0.5


def user(conversation: int, text: str, intent: str, ranking: Tuple[Tuple[str, float], ...]) -> StoredEvent:
    return StoredEvent(conversation, USER, 0.0, intent, None, text, "rest", ranking=ranking)


def action(conversation: int, name: str) -> StoredEvent:
    return StoredEvent(conversation, ACTION, 0.0, None, name, None, None)


def ask_back(conversation: int, offered: Tuple[str, ...]) -> StoredEvent:
    return StoredEvent(conversation, BOT, 0.0, None, None, None, None, "utter_ask_back", offered)


def fallback(conversation: int, text: str) -> List[StoredEvent]:
    ranking = (("causes", 0.28), ("treatment", 0.2), ("diagnosis", 0.1))
    return [user(conversation, text, "nlu_fallback", ranking), action(conversation, "action_ask_back")]


def test_each_kind_of_poor_answer_is_queued_and_good_answers_are_not() -> None:
    events = [
        *fallback(0, "Was bringt Heilerde?"),
        user(1, "Kann ich Darmkrebs haben?", "out_of_scope", (("out_of_scope", 0.8),)),
        action(1, "utter_out_of_scope"),
        user(2, "darm und haut?", "extraintestinal_symptoms", (("extraintestinal_symptoms", 0.42),)),
        action(2, "utter_extraintestinal_symptoms"),
        user(3, "Was ist Leaky Gut?", "what_is_leaky_gut", (("what_is_leaky_gut", 0.93),)),
        action(3, "utter_what_is_leaky_gut"),
        user(4, "Ich habe Blut im Stuhl", "red_flag", (("red_flag", 1.0),)),
        action(4, "utter_red_flag"),
    ]
    queue = build_queue(events, LOW)
    reasons = {group.text: set(group.reasons) for group in queue}
    assert reasons == {
        "Was bringt Heilerde?": {NOT_UNDERSTOOD},
        "Kann ich Darmkrebs haben?": {OUT_OF_SCOPE},
        "darm und haut?": {LOW_CONFIDENCE},
    }


def test_an_ask_back_is_queued_with_the_patients_choice() -> None:
    events = [
        user(0, "Stress und Darm?", "nlu_fallback", (("holistic_view", 0.29), ("causes", 0.28))),
        ask_back(0, ("holistic_view", "causes")),
        user(0, "/causes", "causes", (("causes", 1.0),)),
    ]
    (group,) = build_queue(events, LOW)  # the click itself is no typed message
    assert group.reasons == {ASKED_BACK: 1}
    assert group.chosen == {"causes": 1}
    assert [guess.intent for guess in group.guesses] == ["holistic_view", "causes"]


def test_near_identical_messages_form_one_group_most_frequent_first() -> None:
    events = [
        *fallback(0, "Hilft Heilerde?"),
        *fallback(1, "Was bringt Heilerde?"),
        *fallback(2, "was bringt heilerde"),
        *fallback(3, "Was bringt Heilerde??"),
        *fallback(4, "Was bringt Heilrde?"),
    ]
    queue = build_queue(events, LOW)
    assert [(group.text, group.count) for group in queue] == [
        ("Was bringt Heilerde?", 4),
        ("Hilft Heilerde?", 1),
    ]


def test_contact_data_are_masked_and_no_conversation_id_is_shown() -> None:
    (group,) = build_queue(fallback(7, "Rufen Sie mich an: 0171 2345678"), LOW)
    assert group.text == "Rufen Sie mich an: [Telefonnummer entfernt]"
    assert group.id == group_id(normalise(group.text))  # from the text alone, not the conversation


def test_messages_already_dealt_with_leave_the_queue() -> None:
    events = [*fallback(0, "Was bringt Heilerde?"), *fallback(1, "Hilft Schwarzkümmelöl?")]
    done = {normalise("Was bringt Heilerde?")}
    assert [group.text for group in build_queue(events, LOW, is_done=done.__contains__)] == [
        "Hilft Schwarzkümmelöl?"
    ]
